"""The economy's tiles on the data cockpit (registered on EconomyConfig.cockpit_tiles). Each
reads through the economy selectors, so the same access rules apply as on the economy pages."""

from django.urls import reverse
from django.utils.translation import gettext as _

from parkpilot.economy import selectors
from parkpilot.plugins import TileData


def data_version(park) -> str:
    return selectors.data_version(park_id=park.pk)


def _period(user, park):
    return selectors.latest_period(user=user, park_id=park.pk)


def _link(year: int, month: int) -> str:
    return f"{reverse('economy:indicators')}?year={year}&month={month}"


def _growth(ind) -> str:
    if ind.growth_pct is None:
        return _("no comparable prior period")
    sign = "+" if ind.growth_pct > 0 else ""
    return _("YoY %(growth)s%% (comparable basis)") % {"growth": f"{sign}{ind.growth_pct}"}


def _indicators(user, park):
    period = _period(user, park)
    if period is None:
        return None, None
    return period, selectors.park_indicators(
        user=user, park_id=park.pk, year=period[0], month=period[1], mode="ytd"
    )


def _table(result) -> dict:
    return {
        "columns": [
            _("Indicator"),
            _("Value (100M CNY)"),
            _("YoY growth (%)"),
            _("Share (%)"),
            _("Number of enterprises"),
            _("Comparable enterprises"),
        ],
        "rows": [
            [
                i.name,
                float(i.value_100m_cny),
                float(i.growth_pct) if i.growth_pct is not None else None,
                float(i.share_pct) if i.share_pct is not None else None,
                i.enterprises,
                i.comparable,
            ]
            for i in result["indicators"]
        ],
    }


def output_tile(user, park) -> TileData:
    period, result = _indicators(user, park)
    if result is None:
        return TileData(value="—", caption=_("No monthly statistics yet"), status="warn")
    ind = result["indicators"][0]
    return TileData(
        value=ind.value_100m_cny,
        unit="亿元",
        caption=f"{result['label']} · {_growth(ind)}",
        link=_link(*period),
        status="ok" if (ind.growth_pct or 0) >= 0 else "warn",
        table=_table(result),
        extra={"label": result["label"], "growth_pct": ind.growth_pct},
        demo=True,
        as_of=f"{period[0]}-{period[1]:02d}",
    )


def value_added_tile(user, park) -> TileData:
    period, result = _indicators(user, park)
    if result is None:
        return TileData(value="—", caption=_("No monthly statistics yet"), status="warn")
    va, ht, he = result["indicators"][1], result["indicators"][2], result["indicators"][3]
    trend = selectors.monthly_trend(user=user, park_id=park.pk, year=period[0])
    year, prior = period[0], period[0] - 1
    chart = {
        "xAxis": {"type": "category", "data": [f"{m}月" for m in trend["months"]]},
        "yAxis": {"type": "value", "name": "亿元"},
        "legend": {},
        "series": [
            {
                "name": str(prior),
                "type": "line",
                "data": trend["series"][prior]["value_added"],
            },
            {
                "name": str(year),
                "type": "bar",
                "data": trend["series"][year]["value_added"],
            },
        ],
    }
    return TileData(
        value=va.value_100m_cny,
        unit="亿元",
        caption=f"{result['label']} · {_growth(va)}",
        link=_link(*period),
        status="ok" if (va.growth_pct or 0) >= 0 else "warn",
        chart=chart,
        extra={
            "label": result["label"],
            "growth_pct": va.growth_pct,
            "lines": [
                f"{ht.name} {ht.value_100m_cny} 亿元 · {_growth(ht)} · "
                + _("share %(share)s%%") % {"share": ht.share_pct},
                f"{he.name} {he.value_100m_cny} 亿元 · {_growth(he)}",
            ],
        },
        demo=True,
        as_of=f"{period[0]}-{period[1]:02d}",
    )


def zones_tile(user, park) -> TileData:
    period = _period(user, park)
    if period is None:
        return TileData(value="—", caption=_("No monthly statistics yet"), status="warn")
    zones = selectors.zone_breakdown(user=user, park_id=park.pk, year=period[0], month=period[1])
    label = selectors.period_label(period[0], period[1], "ytd")
    return TileData(
        value=len(zones),
        unit=_("zones"),
        caption=f"{label} · " + _("value added by zone"),
        link=_link(*period),
        chart={
            "xAxis": {"type": "category", "data": [z["zone"] for z in zones]},
            "yAxis": {"type": "value", "name": "亿元"},
            "series": [
                {
                    "type": "bar",
                    "data": [round(float(z["value_added_100m_cny"]), 2) for z in zones],
                }
            ],
        },
        table={
            "columns": [
                _("Zone"),
                _("Value added (100M CNY)"),
                _("Output (100M CNY)"),
                _("Number of enterprises"),
            ],
            "rows": [
                [
                    z["zone"],
                    round(float(z["value_added_100m_cny"]), 2),
                    round(float(z["output_value_100m_cny"]), 2),
                    z["enterprises"],
                ]
                for z in zones
            ],
        },
        demo=True,
        as_of=f"{period[0]}-{period[1]:02d}",
    )
