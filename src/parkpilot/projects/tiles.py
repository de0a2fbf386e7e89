"""Cockpit tiles of the ledger: (user, park) -> TileData, read through the selectors."""

from django.urls import reverse
from django.utils.translation import gettext as _

from parkpilot.plugins import TileData
from parkpilot.projects import selectors


def by_stage(user, park) -> TileData:
    funnel = selectors.stage_funnel(user=user)
    counts = selectors.ledger_counts(user=user)
    return TileData(
        value=counts["total"],
        unit=_("projects"),
        caption=_("%(n)d in production or beyond") % {"n": funnel[7]["reached"]},
        link=reverse("projects:ledger"),
        chart={
            "yAxis": {"type": "category", "data": [f["label"] for f in funnel]},
            "xAxis": {"type": "value"},
            "series": [{"type": "bar", "data": [f["at"] for f in funnel]}],
        },
        extra={"by_stage": {f["stage"]: f["at"] for f in funnel}},
    )


def delayed(user, park) -> TileData:
    counts = selectors.ledger_counts(user=user)
    escalated = selectors.alert_list(user=user, status="active", escalated=True).count()
    n = counts["delayed"]
    return TileData(
        value=n,
        unit=_("projects"),
        caption=_("%(n)d alerts escalated") % {"n": escalated},
        link=reverse("projects:ledger") + "?delayed=1",
        status="alert" if escalated else "warn" if n else "ok",
        extra={"escalated_alerts": escalated, "total": counts["total"]},
    )
