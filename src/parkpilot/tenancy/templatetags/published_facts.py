"""An enterprise's published facts (Enterprise.published: keys such as `output_growth_pct_2020`,
from the documents) shown with Chinese names: the fact's name, then the period it is of."""

import re

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

NAMES = {
    "description": _("Description"),
    "founded_year": _("Founded"),
    "honours": _("Honours"),
    "incubated_by": _("Incubated by"),
    "listed_on": _("Listed on"),
    "listing_exchange": _("Stock exchange"),
    "lithium_ion_revenue_100m_cny": _("Lithium-ion revenue (100M CNY)"),
    "lithium_ion_revenue_growth_pct": _("Lithium-ion revenue growth (%)"),
    "milestones": _("Milestones"),
    "new_energy_sales_share_pct": _("New-energy share of sales (%)"),
    "output_growth_pct": _("Output growth (%)"),
    "products": _("Products"),
    "reference_project": _("Reference project"),
    "talent_finance_certificate_on": _("Talent-finance certificate issued"),
}
PERIOD = re.compile(r"_(\d{4})(?:_(h1|h2))?$")  # "_2020", "_2022_h1"


@register.filter
def fact_label(key: str) -> str:
    match = PERIOD.search(key)
    base = key[: match.start()] if match else key
    name = str(NAMES.get(base, base.replace("_", " ")))
    if not match:
        return name
    half = {"h1": _("first half"), "h2": _("second half")}.get(match.group(2) or "", "")
    return f"{name}（{match.group(1)}{' ' + str(half) if half else ''}）"


@register.filter
def fact_value(value) -> str:
    """Lists as the document lists them, separated by 、; everything else as it is."""
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return "" if value is None else str(value)
