"""Background work for enterprise services: thin, each calls a service."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from parkpilot.services import services
from parkpilot.tenancy.models import Park


@db_task()
def sla_scan_park(park_id: int) -> dict:
    park = Park.objects.get(pk=park_id)
    return services.sla_scan(park=park, now=timezone.now())


@db_periodic_task(crontab(minute="15"))
def sla_scan_all() -> None:
    """Reminders and escalations for every park, hourly."""
    for park_id in Park.objects.values_list("pk", flat=True):
        sla_scan_park(park_id)
