from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """In-app notifications (the bell) for every app: `services.notify(...)` writes them, the
    configured senders (console by default, email, SMS) copy them out after commit."""

    name = "parkpilot.notifications"
    label = "notifications"
    verbose_name = _("Notifications")
    api_router = "parkpilot.notifications.api.router"
    urls = "parkpilot.notifications.urls"
