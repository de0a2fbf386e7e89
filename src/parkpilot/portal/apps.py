from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from parkpilot.plugins import NavItem


class PortalConfig(AppConfig):
    name = "parkpilot.portal"
    label = "portal"
    verbose_name = _("Portal")
    urls = "parkpilot.portal.urls"
    url_prefix = ""
    nav_items = (NavItem(_("Home"), "portal:home", order=0),)
