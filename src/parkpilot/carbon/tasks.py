"""Background work for carbon: thin, each loads by id and calls a service."""

import logging

from django.db import transaction
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from parkpilot.carbon import demo, selectors, services
from parkpilot.tenancy.actors import system_actor
from parkpilot.tenancy.errors import ValidationFailed
from parkpilot.tenancy.models import Enterprise, Park

log = logging.getLogger(__name__)


@db_task()
def run_batch(batch_id: int) -> None:
    services.batch_run(batch_id=batch_id)


def batch_queued(*, batch_id: int) -> None:
    """`carbon.report_batch_queued` (services.batch_create, after its commit): enqueue the run
    once this handler's own transaction has committed, outside any transaction, as before."""
    transaction.on_commit(lambda: run_batch(batch_id))


def after_close(park: Park, per) -> None:
    """A month just closed: raise its alerts, then make every enterprise's report."""
    services.alerts_evaluate(park=park, per=per)
    services.batch_create(
        actor=system_actor(park, "carbon.reports"),
        via="system",
        park=park,
        year=per.start.year,
        month=per.start.month,
    )


@db_task()
def close_month(park_id: int, year: int, month: int) -> None:
    """Close one month now if it is due (refused, and logged, if it has not ended or is not)."""
    park = Park.objects.get(pk=park_id)
    per = selectors.month_period(park, year, month)
    try:
        services.account_close(
            actor=system_actor(park, "carbon.close"), via="system", park=park, per=per
        )
    except ValidationFailed as exc:
        log.warning("carbon: park %s: %s not closed: %s", park_id, per.label, exc)
        return
    after_close(park, per)


@db_periodic_task(crontab(minute="20"))
def close_due_months() -> None:
    """Every hour: close each park's ended months that are due (completeness at the threshold
    or the days after the end passed), oldest first, catching up any that were missed. A month
    that cannot close (a factor missing, say) is logged and tried again next hour. Alerts and
    the report batch follow for the newest month closed: a catch-up over years of history
    should not mail years of alerts or render a batch per old month (staff run those)."""
    for park in Park.objects.all():
        closed = services.close_due(park=park)
        if closed:
            newest = closed[-1].period_start
            after_close(park, selectors.month_period(park, newest.year, newest.month))


@db_periodic_task(crontab(minute="*/5"))
def reap_stale_batches() -> None:
    """A batch whose worker died ends failed with the reason instead of "running" for ever."""
    services.batch_reap_stale()


@db_periodic_task(crontab(minute="*/10"))
def demo_reports() -> None:
    """A demo park gets last month's reports as soon as its simulated history is in."""
    parks = Enterprise.objects.exclude(demo_fields=[]).values_list("park_id", flat=True)
    for park in Park.objects.filter(pk__in=parks.distinct()):
        demo.issue_last_month(park)
