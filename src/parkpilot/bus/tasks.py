"""Scheduled work of the digital bus: thin, each calls a service."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from parkpilot.bus import services
from parkpilot.tenancy.models import Park


@db_periodic_task(crontab(minute="*/5"))
def no_shows_mark_all() -> None:
    """Confirmed seats not boarded some minutes after departure count as no-shows."""
    for park in Park.objects.all():
        services.no_shows_mark(park=park)
