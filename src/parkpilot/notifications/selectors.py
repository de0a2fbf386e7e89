"""Reads: a person's own notifications (the access rule lets nobody read another's)."""

from django.db.models import QuerySet

from parkpilot.notifications.models import Notification
from parkpilot.tenancy import access


def notification_list(*, user, unread: bool = False) -> QuerySet:
    qs = access.scoped(user, Notification)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def notification_get(*, user, notification_id: int) -> Notification:
    return access.get_for(user, Notification, notification_id)


def unread_count(*, user) -> int:
    return notification_list(user=user, unread=True).count()
