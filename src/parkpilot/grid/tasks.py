"""Scheduled work of grid governance: thin, each calls a service as the park's system actor."""

from django.db import transaction
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from parkpilot.grid import photos, services
from parkpilot.tenancy.models import Park


@db_periodic_task(crontab(minute="*/15"))
def overdue_escalate_all() -> None:
    """Cases past their working-day deadline raise an alert (escalated by the alerts clock)."""
    for park in Park.objects.all():
        services.overdue_escalate(park=park)


@db_periodic_task(crontab(hour="2", minute="30"))
def resolved_autoclose_all() -> None:
    for park in Park.objects.all():
        services.resolved_autoclose(park=park)


def photos_received(*, photo_ids: list[int]) -> None:
    """`grid.photos_received` (photos.add, after its commit): enqueue the published copies once
    this handler's own transaction has committed. A queue that cannot take the task now loses
    nothing: the handler's failure is logged and the sweep below publishes them."""
    transaction.on_commit(lambda: photos_publish(photo_ids))


@db_task(retries=3, retry_delay=60)
def photos_publish(photo_ids: list[int]) -> None:
    """The published copies (no EXIF) of photos just received with a report or a handling."""
    photos.publish_pending(ids=photo_ids)


@db_periodic_task(crontab(minute="*/10"))
def photos_publish_pending_all() -> None:
    """Any photo whose task was lost (the queue was down when its report came) is published."""
    photos.publish_pending()
