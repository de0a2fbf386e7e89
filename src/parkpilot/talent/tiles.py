"""Cockpit tiles of the risk pool: (user, park) -> TileData, read through the selectors."""

from django.urls import reverse
from django.utils.translation import gettext as _

from parkpilot.plugins import TileData
from parkpilot.talent import pool as core
from parkpilot.talent import selectors
from parkpilot.talent.templatetags.talent import percent, wan


def _none() -> TileData:
    return TileData(value="—", caption=_("No risk pool has been signed in this park yet."))


def utilisation(user, park) -> TileData:
    pool = selectors.pool_of_park(user=user)
    if pool is None:
        return _none()
    f = selectors.pool_overview(user=user, pool=pool)
    return TileData(
        value=percent(f["utilisation"]),
        unit="%",
        caption=_("%(used)s of %(scale)s (10k CNY) in use") % {
            "used": wan(f["in_use"]), "scale": wan(f["scale"])},
        link=reverse("talent:pool"),
        status="warn" if f["overdue"] else "ok",
        extra={"in_use_fen": f["in_use"], "credit_scale_fen": f["scale"],
               "drawn_fen": f["drawn"], "overdue_loans": f["overdue"]},
        demo=pool.demo,
    )  # fmt: skip


def losses(user, park) -> TileData:
    pool = selectors.pool_of_park(user=user)
    if pool is None:
        return _none()
    f = selectors.pool_overview(user=user, pool=pool)
    return TileData(
        value=wan(f["compensated"]),
        unit=_("10k CNY"),
        caption=_("compensated; %(recovered)s recovered, %(uncovered)s uncovered") % {
            "recovered": wan(f["recovered"]), "uncovered": wan(f["uncovered"])},
        link=reverse("talent:pool"),
        status="alert" if f["uncovered"] else "warn" if f["compensated"] else "ok",
        table={"columns": [_("Bearer"), _("Paid (CNY)"), _("Returned (CNY)")],
               "rows": [[s["party"].name if s["party"] else _("First-loss fund"),
                         str(core.to_yuan(s["paid"])), str(core.to_yuan(s["returned"]))]
                        for s in f["shares"]]},
        extra={"compensated_fen": f["compensated"], "recovered_fen": f["recovered"],
               "uncovered_fen": f["uncovered"]},
        demo=pool.demo,
    )  # fmt: skip
