from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from parkpilot.plugins import AlertKind, NavItem, Tile
from parkpilot.tenancy.roles import PARK_OPERATORS


class CarbonConfig(AppConfig):
    name = "parkpilot.carbon"
    label = "carbon"
    verbose_name = _("Carbon")
    api_router = "parkpilot.carbon.api.router"
    urls = "parkpilot.carbon.urls"
    demo_loader = "parkpilot.carbon.demo.load"
    nav_items = (
        NavItem(_("Carbon control"), "carbon:park", 24),
        NavItem(_("Our carbon"), "carbon:mine", 24),
        NavItem(_("Carbon reports"), "carbon:reports", 25),
        NavItem(_("Emission factors"), "carbon:factors", 26),
    )
    cockpit_tiles = (
        Tile("carbon.emissions", _("Carbon emissions this month"),
             "parkpilot.carbon.cockpit.emissions_tile", order=42),
        Tile("carbon.grades", _("Carbon-efficiency grades"),
             "parkpilot.carbon.cockpit.grades_tile", order=43),
        Tile("carbon.budget", _("Carbon budget"), "parkpilot.carbon.cockpit.budget_tile", order=44),
    )  # fmt: skip
    cockpit_version = "parkpilot.carbon.cockpit.data_version"
    # Raised to the enterprise; unacknowledged after three days, the park's operators are told.
    alert_kinds = (
        AlertKind("carbon.budget_energy", _("Energy budget projected to be exceeded"), 72,
                  PARK_OPERATORS),
        AlertKind("carbon.budget_co2", _("Carbon budget projected to be exceeded"), 72,
                  PARK_OPERATORS),
        AlertKind("carbon.grade_worse", _("Carbon-efficiency grade worsened"), 72, PARK_OPERATORS),
    )  # fmt: skip

    # Carbon's services tell its own task module to start a report batch after commit, so the
    # services never import the tasks that import them (no import cycle).
    events_emitted = ("carbon.report_batch_queued",)
    event_handlers = {"carbon.report_batch_queued": "parkpilot.carbon.tasks.batch_queued"}

    def ready(self):
        from parkpilot.carbon import receivers  # noqa: F401  (connects carbon's receivers)
