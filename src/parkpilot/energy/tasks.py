"""Background work for energy: thin wrappers that call services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from parkpilot.energy.fileimport import import_readings_task  # noqa: F401  (registers it)
from parkpilot.energy.rollups import READINGS_PER_PASS, rollup_pending


@db_task()
@lock_task("energy-rollup")
def rollup_task() -> None:
    # Pass after pass, each its own transaction, so other writers get the lock in between.
    while rollup_pending(readings=READINGS_PER_PASS).batches:
        pass


@db_task()
def import_points_task(job_id: int, via: str = "task") -> None:
    # Imported here: point_import needs services, which needs this module.
    from parkpilot.energy.point_import import points_import_run

    points_import_run(job_id=job_id, via=via)


@db_periodic_task(crontab(minute="*"))
def rollup_safety_net() -> None:
    """Doors that do not trigger a pass themselves are still rolled up within a minute."""
    rollup_task()
