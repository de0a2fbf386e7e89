"""Scheduled work of the points supermarket: thin, each calls a service."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from parkpilot.points import services
from parkpilot.tenancy.models import Park


@db_periodic_task(crontab(minute="*/10"))
def reservations_expire_all() -> None:
    """Reservations not picked up in time give their points and stock back."""
    for park in Park.objects.all():
        services.reservations_expire(park=park, via="task")


@db_periodic_task(crontab(hour="0", minute="20"))
def lots_expire_all() -> None:
    for park in Park.objects.all():
        services.lots_expire(park=park, today=timezone.localdate())


@db_periodic_task(crontab(hour="8", minute="30"))
def expiry_notices_all() -> None:
    """People hear of their points expiring about a month ahead (each lot once)."""
    for park in Park.objects.all():
        services.expiry_notices(park=park, today=timezone.localdate())
