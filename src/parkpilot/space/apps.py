from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from parkpilot.plugins import NavItem, Tile
from parkpilot.space import rules


class SpaceConfig(AppConfig):
    """空间全要素: land parcels and their pipeline, buildings, floors, units and leases, and the
    亩均效益 evaluation of the enterprises on them."""

    name = "parkpilot.space"
    label = "space"
    verbose_name = _("Land and space")
    urls = "parkpilot.space.urls"
    api_router = "parkpilot.space.api.router"
    nav_items = (
        NavItem(_("Land and buildings"), "space:parcels", order=47),
        NavItem(_("Per-mu performance"), "space:mujun", order=48),
        NavItem(_("Incubation ladder"), "space:ladder", order=49),
        NavItem(_("Our incubation ladder"), "space:my_ladder", order=49),
    )
    cockpit_tiles = (
        Tile(
            "space.incubation",
            _("Incubation spaces"),
            "parkpilot.space.tiles.incubation",
            rules.LADDER,
            order=75,
        ),
    )
    demo_loader = "parkpilot.space.demo.load"
