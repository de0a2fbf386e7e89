from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from parkpilot.plugins import NavItem, ResidentEntry, Tile
from parkpilot.points import rules
from parkpilot.tenancy.roles import Reach, RoleDef


class PointsConfig(AppConfig):
    """积分超市: points earned for taking part, redeemed at the service centre's counter."""

    name = "parkpilot.points"
    label = "points"
    verbose_name = _("Points supermarket")
    urls = "parkpilot.points.urls"
    api_router = "parkpilot.points.api.router"
    roles = (RoleDef("points_counter", _("Points counter staff"), Reach.PARK),)
    nav_items = (
        NavItem(_("Points counter"), "points:counter", order=70),
        NavItem(_("Points supermarket"), "points:manage", order=71),
    )
    resident_entries = (
        ResidentEntry(_("Member card"), "points:card", "points/icons/card.svg", order=30),
        ResidentEntry(
            _("Points supermarket"), "points:catalogue", "points/icons/shop.svg", order=31
        ),
        ResidentEntry(_("My points"), "points:mine", "points/icons/points.svg", order=32),
    )
    cockpit_tiles = (
        Tile(
            "points.month",
            _("Points this month"),
            "parkpilot.points.tiles.month",
            rule=rules.STAFF,
            order=60,
        ),
        Tile(
            "points.participation",
            _("Points: who took part"),
            "parkpilot.points.tiles.participation",
            rule=rules.STAFF,
            order=61,
        ),
    )
    event_handlers = {
        "services.request_confirmed": "parkpilot.points.handlers.on_request_confirmed",
        "grid.report_accepted": "parkpilot.points.handlers.on_grid_report_accepted",
    }
