from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from parkpilot.grid import rules
from parkpilot.grid.roles import CITY_DEPARTMENT, GRID_SUPERVISOR, GRID_WORKER
from parkpilot.plugins import AlertKind, NavItem, ResidentEntry, Tile
from parkpilot.tenancy.roles import Reach, RoleDef


class GridConfig(AppConfig):
    """青和翼: grid governance. The park in grids with their workers; anyone reports, the grid's
    worker on duty resolves, departments take what the grid cannot (docs/architecture.md)."""

    name = "parkpilot.grid"
    label = "grid"
    verbose_name = _("Grid governance")
    urls = "parkpilot.grid.urls"
    api_router = "parkpilot.grid.api.router"
    roles = (
        RoleDef(GRID_WORKER, _("Grid worker"), Reach.PARK),
        RoleDef(GRID_SUPERVISOR, _("Grid supervisor"), Reach.PARK),
        RoleDef(CITY_DEPARTMENT, _("City department staff"), Reach.PARK),
    )
    nav_items = (NavItem(_("Grid governance"), "grid:map", order=45),)
    resident_entries = (
        ResidentEntry(_("Report a problem"), "grid:report", "grid/icons/report.svg", order=20),
        ResidentEntry(_("My reports"), "grid:mine", "grid/icons/mine.svg", order=21),
        ResidentEntry(_("Grid work"), "grid:work", "grid/icons/work.svg", order=22),
    )
    my_items = "parkpilot.grid.selectors.my_items"
    cockpit_tiles = (
        Tile(
            "grid.open_cases",
            _("Grid cases"),
            "parkpilot.grid.selectors.open_cases_tile",
            rule=rules.PARK_CASES,
            order=65,
        ),
    )
    alert_kinds = (
        AlertKind(
            "grid.case_overdue",
            _("Grid case overdue"),
            escalate_after_hours=8,
            escalate_to=frozenset({GRID_SUPERVISOR, "park_admin"}),
        ),
        AlertKind(
            "grid.department_overdue",
            _("Referred grid case overdue"),
            escalate_after_hours=24,
            escalate_to=frozenset({"park_admin"}),
        ),
    )
    events_emitted = ("grid.report_accepted", "grid.photos_received")
    # A report's photos are stored; their published copies are made by a task (tasks.py).
    event_handlers = {"grid.photos_received": "parkpilot.grid.tasks.photos_received"}
    # Open311 GeoReport v2 is open to any client by design (POST needs the spec's api_key),
    # and a tracking code is its own secret.
    public_routes = (
        "grid:track",
        "grid:open311_discovery",
        "grid:open311_services",
        "grid:open311_service",
        "grid:open311_requests",
        "grid:open311_request",
        "grid:open311_token",
    )
    demo_loader = "parkpilot.grid.demo.load"
