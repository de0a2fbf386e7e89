from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from parkpilot.plugins import NavItem


class AlertsConfig(AppConfig):
    """One alerts framework for every app: an app raises an alert of a kind it declares
    (`alert_kinds` on its AppConfig, parkpilot.plugins.AlertKind), people acknowledge and
    close it, and what stays unacknowledged too long is escalated by the scheduler."""

    name = "parkpilot.alerts"
    label = "alerts"
    verbose_name = _("Alerts")
    api_router = "parkpilot.alerts.api.router"
    urls = "parkpilot.alerts.urls"
    nav_items = (NavItem(_("Alerts"), "alerts:list", 50),)
