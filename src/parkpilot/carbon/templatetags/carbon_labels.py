"""Labels for the codes that carbon's stored figures keep (a factor's carrier, an energy kind):
accounts and snapshots hold the codes, pages show the translated names."""

from django import template
from django.utils.translation import gettext_lazy as _

from parkpilot.carbon.models import Carrier, Quantity, Region
from parkpilot.energy.kinds import EnergyKind

register = template.Library()

# A factor's purpose other than "default" (kept for reference, not used by accounting).
PURPOSES = {"power_sector_market": _("power sector, national carbon market")}


def _label(choices, value):
    return dict(choices.choices).get(value, value)


@register.filter
def carrier_label(value):
    return _label(Carrier, value)


@register.filter
def quantity_label(value):
    return _label(Quantity, value)


@register.filter
def region_label(value):
    return _label(Region, value)


@register.filter
def kind_label(value):
    return _label(EnergyKind, value)


@register.filter
def purpose_label(value):
    return PURPOSES.get(value, value)
