"""Background work: escalate what nobody acknowledged in time. Thin: each calls a service."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from parkpilot.alerts import services
from parkpilot.tenancy.models import Park


@db_task()
def escalate_park(park_id: int) -> int:
    return len(services.escalate_due(park=Park.objects.get(pk=park_id)))


@db_periodic_task(crontab(minute="*/15"))
def escalate_all() -> None:
    for park_id in Park.objects.values_list("pk", flat=True):
        escalate_park(park_id)
