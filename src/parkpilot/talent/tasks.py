"""Background work of the risk pool: thin, each calls a service."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from parkpilot.talent import services
from parkpilot.tenancy.models import Park


@db_task()
def overdue_scan_park(park_id: int) -> dict:
    park = Park.objects.get(pk=park_id)
    return services.overdue_scan(park=park, today=timezone.localdate(), now=timezone.now())


@db_periodic_task(crontab(hour="7", minute="20"))
def overdue_scan_all() -> None:
    """Every morning: raise an alert for each loan newly past due, close those settled."""
    for park_id in Park.objects.values_list("pk", flat=True):
        overdue_scan_park(park_id)
