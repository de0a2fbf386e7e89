from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from parkpilot.plugins import AlertKind, NavItem, Tile
from parkpilot.services import rules
from parkpilot.tenancy.roles import Role

# A timer past its last working day goes up to the supervisors (纪工委); the service clock in
# services.sla_scan decides when (working days), so the kinds set no hours of their own.
SUPERVISORS = frozenset({Role.SUPERVISOR})


class ServicesConfig(AppConfig):
    """Enterprise services (五个一)."""

    name = "parkpilot.services"
    label = "services"
    verbose_name = _("Enterprise services")
    api_router = "parkpilot.services.api.router"
    urls = "parkpilot.services.urls"
    my_items = "parkpilot.services.selectors.my_open_requests"
    # Payload: request_id, park_id, enterprise_id, confirmed_by_id, rating (1-5).
    events_emitted = ("services.request_confirmed",)
    nav_items = (
        NavItem(_("Service requests"), "services:request_list", 40),
        NavItem(_("Supervision"), "services:supervision", 41),
    )
    demo_loader = "parkpilot.services.demo.load"
    cockpit_tiles = (
        Tile(
            key="services.by_status",
            title=_("Service requests by status"),
            compute="parkpilot.services.tiles.by_status",
            rule=rules.PARK_REQUESTS,
            order=40,
        ),
        Tile(
            key="services.overdue",
            title=_("Overdue service requests"),
            compute="parkpilot.services.tiles.overdue",
            rule=rules.PARK_REQUESTS,
            order=41,
        ),
    )
    # One alert per request, timer and deadline: raised to the contact person on the timer's
    # last working day, escalated once it has passed, closed when the step is taken.
    alert_kinds = (
        AlertKind("services.response_due", _("Service request: first response due"), None,
                  SUPERVISORS),
        AlertKind("services.plan_due", _("Service request: solution plan due"), None,
                  SUPERVISORS),
        AlertKind("services.resolve_due", _("Service request: resolution due"), None,
                  SUPERVISORS),
    )  # fmt: skip
