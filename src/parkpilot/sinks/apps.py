from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from parkpilot.plugins import NavItem, PageSection, ReportSection, ResidentEntry, Tile
from parkpilot.sinks import rules
from parkpilot.sinks.roles import SINKS_SELLER
from parkpilot.tenancy.roles import Reach, RoleDef


class SinksConfig(AppConfig):
    """林业碳汇: forest sink projects, a registry of credits with serial blocks, one-sided
    auctions, and retirement against an enterprise's emissions."""

    name = "parkpilot.sinks"
    label = "sinks"
    verbose_name = _("Forest carbon sinks")
    urls = "parkpilot.sinks.urls"
    api_router = "parkpilot.sinks.api.router"
    # A person acting for a project's seller; which projects is ProjectSeller. The role reaches
    # only their own rows: a resident of the village gets the sellers' pages on the front door.
    roles = (RoleDef(SINKS_SELLER, _("Forest sink seller"), Reach.PERSONAL),)
    nav_items = (
        NavItem(_("Carbon sinks"), "sinks:registry", order=45),
        NavItem(_("Our carbon credits"), "sinks:holdings", order=46),
        NavItem(_("Our forest sink sales"), "sinks:sales", order=47),
    )
    resident_entries = (
        ResidentEntry(_("Our forest sink sales"), "sinks:sales", "sinks/icons/forest.svg",
                      order=60),
    )  # fmt: skip
    demo_loader = "parkpilot.sinks.demo.load"
    cockpit_tiles = (
        Tile("sinks.market", _("Forest sink credits"), "parkpilot.sinks.tiles.market",
             rule=rules.REGISTRY, order=65),
    )  # fmt: skip
    page_sections = (
        PageSection(
            "carbon.mine",
            "sinks.offsets",
            "sinks/_carbon_offsets.html",
            "parkpilot.sinks.carbon_sections.enterprise_page_section",
            order=60,
        ),
        PageSection(
            "carbon.park",
            "sinks.offsets",
            "sinks/_carbon_offsets.html",
            "parkpilot.sinks.carbon_sections.park_page_section",
            order=60,
        ),
    )
    report_sections = (
        ReportSection(
            "sinks.offsets",
            _("Forest sink offsets"),
            "parkpilot.sinks.carbon_sections.report_section",
            "sinks/_report_offsets.html",
            order=60,
        ),
    )
