from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from parkpilot.cockpit.tiles import Tile
from parkpilot.portal.nav import NavItem
from parkpilot.tenancy.roles import ENTERPRISE_ROLES, PARK_ROLES


class ProjectsConfig(AppConfig):
    name = "parkpilot.projects"
    label = "projects"
    verbose_name = _("Projects ledger")
    nav_items = (
        NavItem(_("Projects ledger"), "projects:ledger", PARK_ROLES | ENTERPRISE_ROLES, 30),
    )
    demo_loader = "parkpilot.projects.demo.load"
    cockpit_tiles = (
        Tile(
            key="projects.by_stage",
            title=_("Projects by stage"),
            compute="parkpilot.projects.tiles.by_stage",
            roles=PARK_ROLES,
            order=30,
        ),
        Tile(
            key="projects.delayed",
            title=_("Delayed projects"),
            compute="parkpilot.projects.tiles.delayed",
            roles=PARK_ROLES,
            order=31,
        ),
    )
