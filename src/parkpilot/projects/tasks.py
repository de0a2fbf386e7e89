"""Background work for the ledger: thin, each calls a service."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from parkpilot.projects import services
from parkpilot.tenancy.models import Park


@db_task()
def alerts_scan_park(park_id: int) -> dict:
    park = Park.objects.get(pk=park_id)
    return services.alerts_scan(park=park, now=timezone.now())


@db_periodic_task(crontab(hour="*/6", minute="5"))
def alerts_scan_all() -> None:
    """Raise, clear and escalate delay alerts for every park, four times a day."""
    for park_id in Park.objects.values_list("pk", flat=True):
        alerts_scan_park(park_id)
