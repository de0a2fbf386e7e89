from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from parkpilot.plugins import AlertKind, HomeCard, NavItem, Tile
from parkpilot.projects import rules
from parkpilot.tenancy.roles import Role

# An alert not closed after the park's AlertRule.escalate_after_days goes up to park leadership
# and the supervisors (the ledger's scan escalates it: the days are the park's, not the kind's).
LEADERSHIP = frozenset({Role.PARK_ADMIN, Role.SUPERVISOR})


class ProjectsConfig(AppConfig):
    name = "parkpilot.projects"
    label = "projects"
    verbose_name = _("Projects ledger")
    api_router = "parkpilot.projects.api.router"
    urls = "parkpilot.projects.urls"
    home_cards = (
        HomeCard("projects.summary", "projects/_home_projects.html",
                 "parkpilot.projects.selectors.home_projects_card", rules.LEDGER,
                 order=40),
    )  # fmt: skip
    nav_items = (NavItem(_("Projects ledger"), "projects:ledger", 30),)
    demo_loader = "parkpilot.projects.demo.load"
    cockpit_tiles = (
        Tile(
            key="projects.by_stage",
            title=_("Projects by stage"),
            compute="parkpilot.projects.tiles.by_stage",
            rule=rules.PARK_LEDGER,
            order=30,
        ),
        Tile(
            key="projects.delayed",
            title=_("Delayed projects"),
            compute="parkpilot.projects.tiles.delayed",
            rule=rules.PARK_LEDGER,
            order=31,
        ),
    )
    # Raised to the project's contact person by the scan (services.alerts_scan).
    alert_kinds = (
        AlertKind("projects.stage_overdue", _("Stage overdue"), None, LEADERSHIP),
        AlertKind("projects.investment_behind", _("Investment behind plan"), None, LEADERSHIP),
        AlertKind("projects.no_update", _("No progress update"), None, LEADERSHIP),
    )
