"""Background work for energy: thin wrappers that call services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from parkpilot.energy.fileimport import import_readings_task  # noqa: F401  (registers it)
from parkpilot.energy.rollups import rollup_pending


@db_task()
@lock_task("energy-rollup")
def rollup_task() -> None:
    while rollup_pending().batches:
        pass


@db_periodic_task(crontab(minute="*"))
def rollup_safety_net() -> None:
    """Doors that do not trigger a pass themselves are still rolled up within a minute."""
    rollup_task()
