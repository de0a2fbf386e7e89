"""Copies of notifications to the configured senders (email, SMS, console), off the request."""

import logging

from huey.contrib.djhuey import db_task

from parkpilot.notifications.models import Notification
from parkpilot.notifications.senders import configured_senders

log = logging.getLogger(__name__)


@db_task(retries=3, retry_delay=60)
def deliver(notification_ids: list[int]) -> None:
    """One failing sender or recipient never stops the others."""
    senders = configured_senders()
    for notification in Notification.objects.filter(pk__in=notification_ids).select_related(
        "recipient"
    ):
        for sender in senders:
            try:
                sender.send(notification)
            except Exception:
                log.exception(
                    "%s failed for notification %s", type(sender).__name__, notification.pk
                )
