from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from parkpilot.plugins import AlertKind, NavItem, Tile
from parkpilot.talent import rules
from parkpilot.talent.roles import TALENT_BANK
from parkpilot.tenancy.roles import Reach, Role, RoleDef


class TalentConfig(AppConfig):
    """人才与金融: the talent-finance loan risk pool (人才金融贷款风险池): its agreement as data,
    loans from 自主申请 to recovery, an append-only event log the balances replay from."""

    name = "parkpilot.talent"
    label = "talent"
    verbose_name = _("Talent and finance")
    urls = "parkpilot.talent.urls"
    api_router = "parkpilot.talent.api.router"
    cockpit_tiles = (
        Tile("talent.utilisation", _("Loan risk pool in use"),
             "parkpilot.talent.tiles.utilisation", rules.POOL, order=70),
        Tile("talent.losses", _("Risk pool compensation"), "parkpilot.talent.tiles.losses",
             rules.POOL, order=71),
    )  # fmt: skip
    nav_items = (
        NavItem(_("Loan risk pool"), "talent:pool", order=62),
        NavItem(_("Risk pool loans desk"), "talent:bank", order=63),
        NavItem(_("Talent loans"), "talent:mine", order=64),
    )
    demo_loader = "parkpilot.talent.demo.load"
    # Raised each morning by tasks.overdue_scan_all (services.overdue_scan), once per loan and
    # overdue spell; unacknowledged after three days it goes up to the park's leadership.
    alert_kinds = (
        AlertKind("talent.loan_overdue", _("Talent loan overdue"), 72,
                  frozenset({Role.PARK_ADMIN, Role.SUPERVISOR})),
    )  # fmt: skip
    roles = (RoleDef(TALENT_BANK, _("Risk pool bank staff"), Reach.ENTERPRISE),)
