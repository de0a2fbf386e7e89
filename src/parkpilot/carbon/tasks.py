"""Background work for carbon: thin, each loads by id and calls a service."""

from datetime import timedelta

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from parkpilot.carbon import demo, selectors, services
from parkpilot.tenancy.models import Enterprise, Park


@db_task()
def run_batch(batch_id: int) -> None:
    services.batch_run(batch_id=batch_id)


@db_task()
def close_month(park_id: int, year: int, month: int) -> None:
    """Close the month's accounts, raise alerts, then make every enterprise's report."""
    park = Park.objects.get(pk=park_id)
    per = selectors.month_period(park, year, month)
    services.account_close(actor=None, via="system", park=park, per=per)
    services.alerts_evaluate(park=park, per=per)
    services.batch_create(actor=None, via="system", park=park, year=year, month=month)


@db_periodic_task(crontab(day="1", hour="2", minute="30"))
def monthly_reports() -> None:
    """On the 1st (02:30 UTC, 10:30 in Hangzhou, after the night's late data): last month."""
    last = timezone.localdate().replace(day=1) - timedelta(days=1)
    for park_id in Park.objects.values_list("pk", flat=True):
        close_month(park_id, last.year, last.month)


@db_periodic_task(crontab(minute="15"))
def escalate_alerts() -> None:
    services.alerts_escalate()


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
