from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from parkpilot.plugins import HomeCard, NavItem, Tile


class EconomyConfig(AppConfig):
    name = "parkpilot.economy"
    label = "economy"
    verbose_name = _("Economy")
    api_router = "parkpilot.economy.api.router"
    urls = "parkpilot.economy.urls"
    home_cards = (
        HomeCard("economy.headline", "economy/_home_headline.html",
                 "parkpilot.economy.selectors.home_headline_card", order=10, wide=True),
        HomeCard("economy.chart", "economy/_home_chart.html",
                 "parkpilot.economy.selectors.home_chart_card", order=20),
    )  # fmt: skip
    resident_cards = (
        HomeCard("economy.headline", "economy/_home_headline.html",
                 "parkpilot.economy.selectors.home_headline_card", order=50),
    )  # fmt: skip
    demo_loader = "parkpilot.economy.demo.load"
    nav_items = (
        NavItem(_("Economy"), "economy:indicators", 30),
        NavItem(_("Monthly statistics"), "economy:monthly_list", 30),
    )
    # The cockpit collects these; the live stream polls `cockpit_version` once a second per
    # server process to know when to recompute them.
    cockpit_version = "parkpilot.economy.cockpit.data_version"
    cockpit_tiles = (
        Tile(
            "economy.output",
            _("Above-scale industrial output"),
            "parkpilot.economy.cockpit.output_tile",
            order=10,
        ),
        Tile(
            "economy.value_added",
            _("Above-scale industrial value added"),
            "parkpilot.economy.cockpit.value_added_tile",
            order=11,
        ),
        Tile(
            "economy.zones",
            _("Value added by zone"),
            "parkpilot.economy.cockpit.zones_tile",
            order=12,
        ),
    )
