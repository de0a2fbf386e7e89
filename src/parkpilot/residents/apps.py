from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from parkpilot.plugins import NavItem, ResidentEntry


class ResidentsConfig(AppConfig):
    """山湖·青锋: the residents' and employees' front door, a mobile-first shell (installable as a
    web app) into which apps plug their pages (`resident_entries`, `resident_cards`, `my_items`)."""

    name = "parkpilot.residents"
    label = "residents"
    verbose_name = _("Shanhu Qingfeng")
    urls = "parkpilot.residents.urls"
    url_prefix = "m/"
    # The page a phone shows without a connection, and what installs the app: nothing personal.
    public_routes = ("residents:offline", "residents:manifest", "residents:service_worker")
    nav_items = (NavItem(_("Shanhu Qingfeng"), "residents:home", order=1),)
    resident_entries = (
        ResidentEntry(_("My items"), "residents:items", "residents/icons/items.svg", order=90),
        ResidentEntry(
            _("Messages"), "residents:notifications", "residents/icons/bell.svg", order=91
        ),
    )
