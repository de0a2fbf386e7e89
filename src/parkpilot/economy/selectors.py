"""Reads for economy: published figures, monthly enterprise statistics, and the park indicators
computed from them. Everything starts from access.scoped()/get_for()."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from parkpilot.economy import rules
from parkpilot.economy.models import EnterpriseMonthly, ImportBatch, PublishedFigure
from parkpilot.tenancy import access
from parkpilot.tenancy.errors import Forbidden

# 工业 in GB/T 4754-2017: sections B (mining), C (manufacturing), D (power, heat, gas, water).
INDUSTRY_SECTIONS = ("B", "C", "D")
WAN_PER_YI = Decimal(10000)  # 1 亿元 = 10,000 万元


def published_figures(*, user, park_id: int, headline_only: bool = False) -> QuerySet:
    qs = access.scoped(user, PublishedFigure).filter(park_id=park_id)
    if headline_only:
        qs = qs.filter(headline=True)
    return qs.order_by("id")


def economy_chart(*, user, park_id: int, period: str | None = None) -> dict:
    """The added-value indicators of a period with their growth: bars (亿元) and a line (%).
    Without a period, the latest one published with growth figures."""
    rows = list(
        published_figures(user=user, park_id=park_id).filter(
            group="economy", unit="亿元", growth_pct__isnull=False
        )
    )
    # Periods read "2020" or "2022-01/08": the year leads, so the text order is the time order.
    period = period or max((r.period for r in rows), default="")
    rows = sorted((r for r in rows if r.period == period), key=lambda r: -r.value)
    return {
        "period": period,
        "names": [r.name for r in rows],
        "values": [float(r.value) for r in rows],
        "growth_pct": [float(r.growth_pct) for r in rows],
        "source": rows[0].source if rows else "",
    }


def home_headline_card(user, park) -> dict | None:
    """EconomyConfig.home_cards: the park's published headline figures."""
    figures = list(published_figures(user=user, park_id=park.pk, headline_only=True))
    return {"figures": figures} if figures else None


def home_chart_card(user, park) -> dict | None:
    chart = economy_chart(user=user, park_id=park.pk)
    return {"chart": chart} if chart["names"] else None


def require_park_reader(user) -> None:
    """Park indicators sum every enterprise's confidential returns: park roles only. A page or
    collection, not an object, so the refusal is a plain 403 (nothing to hide by a 404)."""
    if not rules.PARK_ECONOMY.allows(user):
        raise Forbidden(gettext("Park staff only."))


# --- monthly rows -------------------------------------------------------------------------


def monthly_list(
    *,
    user,
    year: int | None = None,
    month: int | None = None,
    enterprise_id: int | None = None,
    q: str = "",
) -> QuerySet:
    """Newest month first; `q` finds the enterprise by a part of its name."""
    qs = access.scoped(user, EnterpriseMonthly).select_related("enterprise")
    if q:
        qs = qs.filter(Q(enterprise__name__icontains=q) | Q(enterprise__short_name__icontains=q))
    if year is not None:
        qs = qs.filter(year=year)
    if month is not None:
        qs = qs.filter(month=month)
    if enterprise_id is not None:
        qs = qs.filter(enterprise_id=enterprise_id)
    return qs.order_by("-year", "-month", "enterprise_id")


def monthly_get(*, user, monthly_id: int) -> EnterpriseMonthly:
    return access.get_for(user, EnterpriseMonthly.objects.select_related("enterprise"), monthly_id)


def import_batches(*, user, limit: int = 20) -> QuerySet:
    access.require(user, access.READ, ImportBatch)
    return access.scoped(user, ImportBatch).order_by("-id")[:limit]


def latest_period(*, user, park_id: int) -> tuple[int, int] | None:
    """The newest month with figures, never one that has not begun (a row stored before future
    months were refused must not make the headline figures jump to it)."""
    today = timezone.localdate()
    begun = Q(year__lt=today.year) | Q(year=today.year, month__lte=today.month)
    row = (
        access.scoped(user, EnterpriseMonthly)
        .filter(begun, park_id=park_id)
        .order_by("-year", "-month")
        .values("year", "month")
        .first()
    )
    return (row["year"], row["month"]) if row else None


def data_version(*, park_id: int) -> str:
    """A cheap token that changes whenever a month is written (the cockpit's live stream polls
    it once a second per server process). Counts and a timestamp only: no figures leak."""
    agg = EnterpriseMonthly.objects.filter(park_id=park_id).aggregate(
        n=Count("id"), at=Max("updated_at")
    )
    return f"{agg['n']}:{agg['at'].isoformat() if agg['at'] else ''}"


# --- park indicators ----------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    name: str
    name_en: str
    measure: str  # "output_value" | "value_added"
    subset: str | None  # None | "high_tech" | "high_end_equipment"
    share: bool = False


INDICATORS = [
    IndicatorSpec(
        "above_scale_industrial_output",
        "规上工业总产值",
        "Above-scale industrial output",
        "output_value",
        None,
    ),
    IndicatorSpec(
        "above_scale_industrial_added_value",
        "规上工业增加值",
        "Above-scale industrial value added",
        "value_added",
        None,
    ),
    IndicatorSpec(
        "high_tech_added_value",
        "高新技术产业增加值",
        "High-tech industry value added",
        "value_added",
        "high_tech",
        share=True,
    ),
    IndicatorSpec(
        "high_end_equipment_added_value",
        "高端装备制造业增加值",
        "High-end equipment manufacturing value added",
        "value_added",
        "high_end_equipment",
    ),
]


@dataclass
class Indicator:
    code: str
    name: str
    name_en: str
    value_10k_cny: Decimal  # exact sum, 万元
    value_100m_cny: Decimal  # 亿元, 1 decimal as published
    growth_pct: Decimal | None  # year on year, comparable basis, 1 decimal
    share_pct: Decimal | None  # of 规上工业增加值, 1 decimal
    enterprises: int  # reporting in the period
    comparable: int  # reporting in both periods (the basis of the growth)
    current_comparable_10k_cny: Decimal
    prior_comparable_10k_cny: Decimal


def round1(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def period_label(year: int, month: int, mode: str) -> str:
    if mode == "month" or month == 1:
        return f"{year}年{month}月"
    return f"{year}年" if month == 12 else f"{year}年1-{month}月"


def _industrial(prefix: str = "enterprise__") -> Q:
    q = Q()
    for section in INDUSTRY_SECTIONS:
        q |= Q(**{f"{prefix}industry_code__startswith": section})
    return q


def park_indicators(*, user, park_id: int, year: int, month: int, mode: str = "ytd") -> dict:
    """The park's indicators for a month (mode "month") or January to that month ("ytd").

    Totals are every 规上 industrial enterprise reporting in the period; growth is on a
    comparable basis (同口径): only enterprises that reported in both this period and the same
    period a year before, so an entrant's first year neither inflates nor dilutes the growth.
    """
    require_park_reader(user)
    months = [month] if mode == "month" else list(range(1, month + 1))
    rows = (
        access.scoped(user, EnterpriseMonthly)
        .filter(park_id=park_id, year__in=[year, year - 1], month__in=months)
        .filter(_industrial(), enterprise__above_scale=True)
        .values(
            "enterprise_id",
            "year",
            "enterprise__economy_profile__high_tech",
            "enterprise__economy_profile__high_end_equipment",
        )
        .annotate(output_value=Sum("output_value"), value_added=Sum("value_added"))
        .order_by()
    )
    per: dict[int, dict] = defaultdict(dict)
    flags: dict[int, dict] = {}
    for r in rows:
        per[r["enterprise_id"]][r["year"]] = r
        flags[r["enterprise_id"]] = {
            "high_tech": bool(r["enterprise__economy_profile__high_tech"]),
            "high_end_equipment": bool(r["enterprise__economy_profile__high_end_equipment"]),
        }
    results = [_indicator(spec, per, flags, year) for spec in INDICATORS]
    total_va = results[1].value_10k_cny
    for spec, ind in zip(INDICATORS, results, strict=True):
        if spec.share and total_va:
            ind.share_pct = round1(ind.value_10k_cny / total_va * 100)
    return {
        "year": year,
        "month": month,
        "mode": mode,
        "label": period_label(year, month, mode),
        "indicators": results,
    }


def _indicator(spec: IndicatorSpec, per: dict, flags: dict, year: int) -> Indicator:
    total = cur_cmp = prev_cmp = Decimal(0)
    reporting = comparable = 0
    for enterprise_id, years in per.items():
        if spec.subset and not flags[enterprise_id][spec.subset]:
            continue
        cur = years.get(year)
        if cur is None:
            continue
        reporting += 1
        value = cur[spec.measure] or Decimal(0)
        total += value
        prev = years.get(year - 1)
        if prev is not None:
            comparable += 1
            cur_cmp += value
            prev_cmp += prev[spec.measure] or Decimal(0)
    growth = round1((cur_cmp / prev_cmp - 1) * 100) if prev_cmp else None
    return Indicator(
        code=spec.code,
        name=spec.name,
        name_en=spec.name_en,
        value_10k_cny=total,
        value_100m_cny=round1(total / WAN_PER_YI),
        growth_pct=growth,
        share_pct=None,
        enterprises=reporting,
        comparable=comparable,
        current_comparable_10k_cny=cur_cmp,
        prior_comparable_10k_cny=prev_cmp,
    )


def monthly_trend(*, user, park_id: int, year: int) -> dict:
    """当月 output and value added of the 规上 industrial enterprises, month by month, for this
    year and the one before (亿元)."""
    require_park_reader(user)
    rows = (
        access.scoped(user, EnterpriseMonthly)
        .filter(park_id=park_id, year__in=[year, year - 1])
        .filter(_industrial(), enterprise__above_scale=True)
        .values("year", "month")
        .annotate(output_value=Sum("output_value"), value_added=Sum("value_added"))
        .order_by("year", "month")
    )
    series = {
        y: {"output_value": [None] * 12, "value_added": [None] * 12} for y in (year - 1, year)
    }
    for r in rows:
        for measure in ("output_value", "value_added"):
            if r[measure] is not None:
                value = (r[measure] / WAN_PER_YI).quantize(Decimal("0.01"))
                series[r["year"]][measure][r["month"] - 1] = float(value)
    return {"year": year, "months": list(range(1, 13)), "series": series}


def zone_breakdown(*, user, park_id: int, year: int, month: int) -> list[dict]:
    """Year-to-date value added and output by zone (亿元), largest first."""
    require_park_reader(user)
    rows = (
        access.scoped(user, EnterpriseMonthly)
        .filter(park_id=park_id, year=year, month__lte=month)
        .filter(_industrial(), enterprise__above_scale=True)
        .values("enterprise__zone__name")
        .annotate(
            value_added=Sum("value_added"),
            output_value=Sum("output_value"),
            enterprises=Count("enterprise_id", distinct=True),
        )
        .order_by("-value_added")
    )
    return [
        {
            "zone": r["enterprise__zone__name"] or str(_("No zone")),
            "value_added_100m_cny": (r["value_added"] or Decimal(0)) / WAN_PER_YI,
            "output_value_100m_cny": (r["output_value"] or Decimal(0)) / WAN_PER_YI,
            "enterprises": r["enterprises"],
        }
        for r in rows
    ]
