"""Writes: send notifications, mark them read. Apps call `notify`; the copies to email or SMS
leave after commit, from the task queue, so a slow mail server never holds a request."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parkpilot.notifications.errors import ErrorCode
from parkpilot.notifications.models import Notification
from parkpilot.notifications.tasks import deliver
from parkpilot.stored_text import clip
from parkpilot.tenancy.errors import ValidationFailed


def notify(*, park, recipients, kind: str, title: str, body: str = "", link: str = "") -> list:
    """One notification per recipient of this park (each only ever sees their own)."""
    if link and (not link.startswith("/") or link.startswith("//")):  # "//host" leaves the site
        reason = _("must be a path inside the platform")
        raise ValidationFailed.single("link", reason, ErrorCode.LINK_NOT_LOCAL)
    rows = Notification.objects.bulk_create(
        Notification(
            park=park,
            recipient=user,
            kind=kind,
            title=clip(title, 200),
            body=clip(body, 2000),
            link=link,
        )
        for user in {u.pk: u for u in recipients if u.park_id == park.pk}.values()
    )  # another park's user is never told of this park's business
    ids = [n.pk for n in rows]
    if ids:
        transaction.on_commit(lambda: deliver(ids))
    return rows


def notification_mark_read(*, actor, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notification_mark_all_read(*, actor) -> int:
    unread = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    return unread.update(read_at=timezone.now())
