"""Cockpit tiles of the points supermarket: (user, park) -> TileData, from the monthly report
(read through the access rule)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from parkpilot.plugins import TileData
from parkpilot.points import selectors


def _report(user):
    return selectors.monthly_report(user=user, month=timezone.localdate().replace(day=1))


def month(user, park) -> TileData:
    """Points issued and redeemed this month, with what is outstanding and expiring."""
    report = _report(user)
    return TileData(
        value=report["issued_total"],
        unit=_("points issued"),
        caption=_("%(r)d redeemed; %(o)d outstanding; %(e)d expire next month")
        % {
            "r": report["redeemed_total"],
            "o": report["outstanding"],
            "e": report["expiring_next_month"],
        },
        link=reverse("points:manage"),
        status="warn" if report["expiring_next_month"] else "ok",
        table={
            "columns": [
                pgettext("points", "Rule"),
                pgettext("points", "Awards"),
                pgettext("points", "Points"),
            ],
            "rows": [[r["rule__name"], r["awards"], r["points"]] for r in report["issued"]],
        },
        as_of=report["month"].strftime("%Y-%m"),
    )


def participation(user, park) -> TileData:
    """Who took part this month: members by enterprise and by party organisation."""
    report = _report(user)
    rows = [
        [r["member__enterprise__name"], r["members"], r["points"]] for r in report["by_enterprise"]
    ]
    rows += [[r["member__party_org"], r["members"], r["points"]] for r in report["by_org"]]
    return TileData(
        value=len(report["by_enterprise"]),
        unit=_("enterprises took part"),
        caption=_("%(n)d party organisations") % {"n": len(report["by_org"])},
        link=reverse("points:manage"),
        table={
            "columns": [
                _("Enterprise or organisation"),
                pgettext("points", "Members"),
                pgettext("points", "Points"),
            ],
            "rows": rows,
        },
        as_of=report["month"].strftime("%Y-%m"),
    )
