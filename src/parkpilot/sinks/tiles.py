"""The sink registry's cockpit tile: (user, park) -> TileData."""

from django.urls import reverse
from django.utils.translation import gettext as _

from parkpilot.plugins import TileData
from parkpilot.sinks import selectors
from parkpilot.sinks.models import Project
from parkpilot.tenancy import access


def market(user, park) -> TileData:
    """Issued, traded, retired and the volume-weighted average price (4 queries)."""
    totals = selectors.registry_totals(user=user)
    average = selectors.average_price(totals["traded_yuan"], totals["traded"])
    return TileData(
        value=totals["retired"],
        unit=_("tCO2e retired"),
        caption=_("%(i)d t issued · %(t)d t traded · average ¥%(p)s/t")
        % {
            "i": totals["issued"],
            "t": totals["traded"],
            "p": average if average is not None else "—",
        },
        link=reverse("sinks:registry"),
        demo=access.scoped(user, Project).filter(demo=True).exists(),
    )
