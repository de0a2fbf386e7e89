from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from parkpilot.plugins import NavItem, ResidentEntry
from parkpilot.tenancy.roles import Reach, RoleDef


class PointsConfig(AppConfig):
    """积分超市: points earned for taking part, redeemed at the service centre's counter."""

    name = "parkpilot.points"
    label = "points"
    verbose_name = _("Points supermarket")
    urls = "parkpilot.points.urls"
    api_router = "parkpilot.points.api.router"
    roles = (RoleDef("points_counter", _("Points counter staff"), Reach.PARK),)
    nav_items = (NavItem(_("Points counter"), "points:counter", order=70),)
    resident_entries = (
        ResidentEntry(_("Member card"), "points:card", "points/icons/card.svg", order=30),
        ResidentEntry(
            _("Points supermarket"), "points:catalogue", "points/icons/shop.svg", order=31
        ),
        ResidentEntry(_("My points"), "points:mine", "points/icons/points.svg", order=32),
    )
    event_handlers = {
        "services.request_confirmed": "parkpilot.points.handlers.on_request_confirmed"
    }
