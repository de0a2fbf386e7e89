"""Cockpit tiles of enterprise services: (user, park) -> TileData, read through the selectors."""

from django.urls import reverse
from django.utils.translation import gettext as _

from parkpilot.plugins import TileData
from parkpilot.services import selectors
from parkpilot.services.models import OPEN_STATUSES, Status


def by_status(user, park) -> TileData:
    counts = selectors.status_counts(user=user)
    open_n = sum(counts[s] for s in OPEN_STATUSES)
    return TileData(
        value=open_n,
        unit=_("open"),
        caption=_("%(n)d awaiting confirmation, %(c)d closed")
        % {"n": counts[Status.RESOLVED], "c": counts[Status.CLOSED]},
        link=reverse("services:request_list") + "?status=open",
        chart={
            "xAxis": {"type": "category", "data": [str(label) for _v, label in Status.choices]},
            "yAxis": {"type": "value"},
            "series": [{"type": "bar", "data": [counts[v] for v in Status.values]}],
        },
        extra={"by_status": counts},
    )


def overdue(user, park) -> TileData:
    n = selectors.overdue_count(user=user)
    cases = selectors.open_case_count(user=user)
    return TileData(
        value=n,
        unit=_("overdue"),
        caption=_("%(n)d under supervision") % {"n": cases},
        link=reverse("services:supervision"),
        status="alert" if n else "ok",
        extra={"open_cases": cases},
    )
