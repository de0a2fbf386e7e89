from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from parkpilot.plugins import NavItem


class CockpitConfig(AppConfig):
    name = "parkpilot.cockpit"
    label = "cockpit"
    verbose_name = _("Data cockpit")
    api_router = "parkpilot.cockpit.api.router"
    urls = "parkpilot.cockpit.urls"
    nav_items = (NavItem(_("Data cockpit"), "cockpit:cockpit", 5),)
