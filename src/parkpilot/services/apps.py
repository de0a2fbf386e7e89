from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    """Enterprise services (五个一)."""

    name = "parkpilot.services"
    label = "services"
    verbose_name = _("Enterprise services")
