"""Cockpit tiles of the points supermarket: (user, park) -> TileData, from the monthly report
(read through the access rule)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from parkpilot.plugins import TileData
from parkpilot.points import selectors


def _this_month():
    return timezone.localdate().replace(day=1)


def month(user, park) -> TileData:
    """Points issued and redeemed this month, with what is outstanding and expiring (5 queries:
    the parts of the monthly report it shows)."""
    this = _this_month()
    issued = selectors.issued_by_rule(user=user, month=this)
    expiring = selectors.expiring_next_month(user=user, month=this)
    return TileData(
        value=sum(r["points"] for r in issued),
        unit=_("points issued"),
        caption=_("%(r)d redeemed; %(o)d outstanding; %(e)d expire next month")
        % {
            "r": selectors.redeemed_total(user=user, month=this),
            "o": selectors.outstanding(user=user),
            "e": expiring,
        },
        link=reverse("points:manage"),
        status="warn" if expiring else "ok",
        table={
            "columns": [
                pgettext("points", "Rule"),
                pgettext("points", "Awards"),
                pgettext("points", "Points"),
            ],
            "rows": [[r["rule__name"], r["awards"], r["points"]] for r in issued],
        },
        as_of=this.strftime("%Y-%m"),
    )


def participation(user, park) -> TileData:
    """Who took part this month: members by enterprise and by party organisation (2 queries)."""
    this = _this_month()
    report = selectors.participation(user=user, month=this)
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
        as_of=this.strftime("%Y-%m"),
    )
