from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from parkpilot.plugins import NavItem, Tile


class EnergyConfig(AppConfig):
    name = "parkpilot.energy"
    label = "energy"
    verbose_name = _("Energy")
    api_router = "parkpilot.energy.api.router"
    urls = "parkpilot.energy.urls"
    demo_loader = "parkpilot.energy.demo.load"
    nav_items = (
        NavItem(_("Meters"), "energy:points", 20),
        NavItem(_("Data quality"), "energy:quality", 21),
        NavItem(_("Import readings"), "energy:import", 22),
    )
    cockpit_tiles = (
        Tile(
            "energy.electricity_today",
            _("Electricity today"),
            "parkpilot.energy.cockpit.electricity_today",
            order=40,
        ),
        Tile(
            "energy.completeness",
            _("Meter data"),
            "parkpilot.energy.cockpit.meter_completeness",
            order=41,
        ),
    )
    cockpit_version = "parkpilot.energy.cockpit.data_version"

    def ready(self):
        from parkpilot.energy import receivers  # noqa: F401  (connects energy's receivers)
