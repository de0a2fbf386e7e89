"""Background work for carbon: thin, each loads by id and calls a service."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from parkpilot.carbon import selectors, services
from parkpilot.tenancy.models import Park


@db_task()
def run_batch(batch_id: int) -> None:
    services.batch_run(batch_id=batch_id)


def after_close(park: Park, per) -> None:
    """A month just closed: raise its alerts, then make every enterprise's report."""
    services.alerts_evaluate(park=park, per=per)
    services.batch_create(
        actor=None, via="system", park=park, year=per.start.year, month=per.start.month
    )


@db_task()
def close_month(park_id: int, year: int, month: int) -> None:
    """Close one month now if it is due (refused, and logged, if it has not ended or is not)."""
    park = Park.objects.get(pk=park_id)
    per = selectors.month_period(park, year, month)
    services.account_close(actor=None, via="system", park=park, per=per)
    after_close(park, per)


@db_periodic_task(crontab(minute="20"))
def close_due_months() -> None:
    """Every hour: close each park's ended months that are due (completeness at the threshold
    or the days after the end passed), oldest first, catching up any that were missed. A month
    that cannot close (a factor missing, say) is logged and tried again next hour."""
    for park in Park.objects.all():
        for closing in services.close_due(park=park):
            after_close(park, selectors.month_period(park, closing.period_start.year,
                                                     closing.period_start.month))  # fmt: skip


@db_periodic_task(crontab(minute="15"))
def escalate_alerts() -> None:
    services.alerts_escalate()
