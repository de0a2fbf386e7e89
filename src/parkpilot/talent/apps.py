from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from parkpilot.talent.roles import TALENT_BANK
from parkpilot.tenancy.roles import Reach, RoleDef


class TalentConfig(AppConfig):
    """人才与金融: the talent-finance loan risk pool (人才金融贷款风险池): its agreement as data,
    loans from 自主申请 to recovery, an append-only event log the balances replay from."""

    name = "parkpilot.talent"
    label = "talent"
    verbose_name = _("Talent and finance")
    demo_loader = "parkpilot.talent.demo.load"
    roles = (RoleDef(TALENT_BANK, _("Risk pool bank staff"), Reach.ENTERPRISE),)
