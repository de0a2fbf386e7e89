"""Where a notification goes besides the bell. Each sender is a class with `send(notification)`;
settings.PARKPILOT_NOTIFICATION_SENDERS lists their dotted paths (default: the console). An SMS
gateway is one more class here or in a deployment's own package, configured the same way."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from parkpilot.stored_text import shown

log = logging.getLogger(__name__)


class ConsoleSender:
    """Writes each notification to the log: the default, so nothing leaves the machine."""

    def send(self, notification) -> None:
        log.info(
            "notification to %s: %s %s",
            notification.recipient,
            shown(notification.title),
            notification.link,
        )


class EmailSender:
    """Mails the notification through Django's email backend to recipients with an address."""

    def send(self, notification) -> None:
        if not notification.recipient.email:
            return
        body = f"{shown(notification.body)}\n\n{notification.link}".strip()
        send_mail(shown(notification.title), body, None, [notification.recipient.email])


def configured_senders() -> list:
    return [import_string(path)() for path in settings.PARKPILOT_NOTIFICATION_SENDERS]
