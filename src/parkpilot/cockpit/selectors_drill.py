"""The drill-down (issue 23): park → zone → enterprise → metering point, over year → month →
day. Each level is one figure (a kind's energy in the period), its trend in the period's
sub-buckets (months, days or hours) and its breakdown by the level below, all from one read
(energy.selectors_carbon.drill_rows) on the carbon figures' basis.

Beside the energy each level shows the four carbon indicators (energy tce, tCO2, energy and
carbon intensity per 10,000 CNY of value added) and, for an enterprise, its grade and rank, on
the carbon pages' own basis (carbon.selectors: a closed period's snapshot, else live accounts,
economics and grades), each beside the same period a year before; the trend has last year as a
second series. An industry (`?industry=C34`) filters every level.

One request reads each whole-park carbon figure once: everything runs inside carbon's
`shared_reads.shared()`, so the current and year-ago periods' accounts and economics are read
once each (an earlier attempt read the park's monthly energy four times for two periods and
took 598 ms).

Who may open a level is the access rule's answer: the park and zone levels need whole-park
reach (tenancy.access.whole_park); an enterprise and a point are loaded with access.get_for, so
an enterprise's user opens its own and gets NotFound (404) for anything else."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from parkpilot.carbon import accounting, shared_reads
from parkpilot.carbon import selectors as carbon_selectors
from parkpilot.carbon.factors import FactorSet
from parkpilot.carbon.models import Level as CarbonLevel
from parkpilot.carbon.periods import Period
from parkpilot.carbon.periods import period as carbon_period_of
from parkpilot.energy.kinds import CANONICAL_UNIT, EnergyKind
from parkpilot.energy.models import Level, MeteringPoint
from parkpilot.energy.selectors_carbon import drill_rows
from parkpilot.inputs import Fields
from parkpilot.tenancy import access
from parkpilot.tenancy.errors import Code, NotFound, ValidationFailed
from parkpilot.tenancy.industry import label as industry_label
from parkpilot.tenancy.models import Enterprise, Zone
from parkpilot.tenancy.selectors import enterprise_facts

LEVELS = ("park", "zone", "enterprise", "point")
_LABELS = {Level.MONTH: "%Y-%m", Level.DAY: "%m-%d", Level.HOUR: "%H:00"}


@dataclass(frozen=True)
class DrillPeriod:
    """A year, a month or a day of park time, written "2026", "2026-11" or "2026-11-05"."""

    text: str
    start: datetime
    end: datetime
    sub_level: str  # the rollup level of its trend's buckets
    buckets: list[datetime] = field(hash=False)

    def child(self, bucket: datetime) -> str | None:
        """The period one step finer that a trend bucket opens (None below a day)."""
        if self.sub_level == Level.MONTH:
            return bucket.strftime("%Y-%m")
        if self.sub_level == Level.DAY:
            return bucket.strftime("%Y-%m-%d")
        return None

    def label(self, bucket: datetime) -> str:
        return bucket.strftime(_LABELS[self.sub_level])


def drill_period(text: str | None, tz: str) -> DrillPeriod:
    """Parse the period; none given: the current month. Bad input names the field."""
    zone = ZoneInfo(tz)
    if not text:
        text = timezone.localtime(timezone.now(), zone).strftime("%Y-%m")
    parts = text.split("-")
    try:
        if len(parts) > 3 or not all(p.isdigit() for p in parts):
            raise ValueError
        numbers = [int(p) for p in parts] + [1] * (3 - len(parts))
        first = date(*numbers)
        if not 2000 <= first.year <= 2100:
            raise ValueError
    except (TypeError, ValueError):
        raise ValidationFailed.single(
            "period", _("Write a year, a month or a day: 2026, 2026-11 or 2026-11-05.")
        ) from None
    if len(parts) == 1:
        after, sub = date(first.year + 1, 1, 1), Level.MONTH
    elif len(parts) == 2:
        after, sub = (first.replace(day=28) + timedelta(days=4)).replace(day=1), Level.DAY
    else:
        after, sub = first + timedelta(days=1), Level.HOUR
    start = datetime(first.year, first.month, first.day, tzinfo=zone)
    end = datetime(after.year, after.month, after.day, tzinfo=zone)
    step = {Level.MONTH: None, Level.DAY: timedelta(days=1), Level.HOUR: timedelta(hours=1)}[sub]
    buckets, at = [], start
    while at < end:
        buckets.append(at)
        if step is None:
            at = (at.replace(day=28) + timedelta(days=4)).replace(day=1)
        else:  # in UTC, so a day is 24 hours whatever the zone
            at = (at.astimezone(ZoneInfo("UTC")) + step).astimezone(zone)
    return DrillPeriod(text, start, end, sub, buckets)


def year_ago(per: DrillPeriod, tz: str) -> DrillPeriod:
    """The same year, month or day a year before (29 February: the 28th)."""
    first = per.start.date()
    try:
        before = first.replace(year=first.year - 1)
    except ValueError:
        before = first.replace(year=first.year - 1, day=28)
    text = {1: f"{before:%Y}", 2: f"{before:%Y-%m}", 3: f"{before:%Y-%m-%d}"}[
        len(per.text.split("-"))
    ]
    return drill_period(text, tz)


def industry_filter(value, *, user, park) -> str:
    """`?industry=`: blank, or the industry code of one of the park's enterprises that this
    user may read; anything else is refused naming the field."""
    fields = Fields()
    codes = {m.industry_code for m in enterprise_facts(user=user, park_id=park.pk).values()}
    code = fields.choice("industry", value, SimpleNamespace(values=codes), required=False)
    fields.check()
    return code


def drill_query(*, user, park, level: str, pk: int | None, period, kind, industry) -> dict:
    """The page's and the API's one call, from the query string's raw values."""
    per = drill_period(period, park.timezone)
    industry = industry_filter(industry, user=user, park=park)
    return drill_level(
        user=user, park=park, level=level, pk=pk, per=per, kind=kind or "grid_import",
        industry=industry,
    )  # fmt: skip


def drill_level(
    *, user, park, level: str, pk: int | None, per: DrillPeriod, kind: str, industry: str = ""
) -> dict:
    """One level of the drill-down: its figure, trend (with last year's), breakdown, carbon
    indicators (with last year's), grade and breadcrumb. Whole-park carbon reads are shared
    for the request (carbon.shared_reads)."""
    with shared_reads.shared():
        return _drill_level(user, park, level, pk, per, kind, industry)


def _drill_level(user, park, level, pk, per, kind, industry) -> dict:
    if kind not in EnergyKind.values:
        raise ValidationFailed.single("kind", _("Unknown energy kind."), Code.UNKNOWN)
    if level not in LEVELS:
        raise NotFound
    whole = access.whole_park(user, Enterprise, park.pk)
    crumbs = []
    filters: dict = {}
    scope = Scope(level)
    if level in ("park", "zone") and not whole:
        raise NotFound  # an enterprise's user drills only within its own enterprise
    if level == "zone":
        zone = access.get_for(user, Zone, pk)
        filters["zone_id"] = scope.zone_id = zone.pk
        crumbs.append(("zone", zone.pk, zone.name))
    elif level == "enterprise":
        ent = access.get_for(user, Enterprise, pk)
        filters["owner_id"] = scope.enterprise_id = ent.pk
        _in_industry(industry, ent)
        if ent.zone_id:
            crumbs.append(("zone", ent.zone_id, ent.zone.name))
        crumbs.append(("enterprise", ent.pk, ent.name))
    elif level == "point":
        point = access.get_for(user, MeteringPoint, pk)
        filters["point_id"] = point.pk
        scope.point = point
        kind = point.kind
        _in_industry(industry, point.owner)
        if point.zone_id:
            crumbs.append(("zone", point.zone_id, point.zone.name))
        if point.owner_id:
            crumbs.append(("enterprise", point.owner_id, point.owner.name))
        crumbs.append(("point", point.pk, f"{point.code} {point.name}"))
    if not whole:
        crumbs = [c for c in crumbs if c[0] != "zone"]  # not a level it may open
    by_industry = industry and level in ("park", "zone")
    members = _industry_members(park, industry) if by_industry else None
    now_bucket, now_child = _energy(user, park, level, per, kind, filters, members)
    before = year_ago(per, park.timezone)
    then_bucket, then_child = _energy(user, park, level, before, kind, filters, members)
    then_values = [then_bucket.get(b, 0.0) for b in before.buckets]
    trend = [
        {"label": per.label(b), "value": round(v, 3), "period": per.child(b),
         "year_ago": round(then_values[i], 3) if i < len(then_values) else None}
        for i, (b, v) in enumerate(sorted(now_bucket.items()))
    ]  # fmt: skip
    scope.point_energy = (sum(now_child.values()), sum(then_child.values()))
    carbon = carbon_indicators(park=park, scope=scope, per=per, industry=industry)
    return {
        "level": level,
        "id": pk if level != "park" else None,
        "kind": kind,
        "kind_label": EnergyKind(kind).label,
        "unit": CANONICAL_UNIT[kind],
        "period": per.text,
        "year_ago_period": before.text,
        "industry": industry,
        # The query every link of the page keeps: the same period, kind and industry.
        "query": urlencode(
            {"period": per.text, "kind": kind, **({"industry": industry} if industry else {})}
        ),
        "total": round(sum(now_child.values()), 3),
        "total_year_ago": round(sum(then_child.values()), 3),
        "trend": trend,
        "breakdown": _breakdown(user, level, now_child, then_child),
        "crumbs": [{"level": lv, "id": i, "name": n} for lv, i, n in crumbs],
        "park_crumb": whole,
        **carbon,
    }


def _in_industry(industry: str, ent) -> None:
    if industry and (ent is None or ent.industry_code != industry):
        raise ValidationFailed.single(
            "industry", _("This enterprise is not in industry %(code)s.") % {"code": industry}
        )


def _industry_members(park, industry: str) -> dict[int, int | None]:
    """The park's enterprises of one industry: {enterprise id: its zone id}."""
    facts = enterprise_facts(user=carbon_selectors.system_reader(park), park_id=park.pk)
    return {eid: m.zone_id for eid, m in facts.items() if m.industry_code == industry}


def _energy(user, park, level, per, kind, filters, members) -> tuple[dict, dict]:
    """A period's energy by trend bucket and by the level below. Filtered by an industry
    (members: its enterprises), the park's and a zone's energy is its enterprises' only: read
    by enterprise, each counted in its zone at the park level."""
    by = "zone" if members is not None else level
    rows = drill_rows(
        user=user, park_id=park.pk, level=per.sub_level, start=per.start, end=per.end,
        bucket_starts=per.buckets, kind=kind, by=by, **filters,
    )  # fmt: skip
    tz = per.start.tzinfo
    by_bucket = {b: 0.0 for b in per.buckets}
    by_child: dict = {}
    for child, bucket, energy in rows:
        if members is not None:
            if child not in members:
                continue
            if level == "park":
                child = members[child]
        local = bucket.astimezone(tz)
        by_bucket[local] = by_bucket.get(local, 0.0) + energy
        by_child[child] = by_child.get(child, 0.0) + energy
    return by_bucket, by_child


def _breakdown(user, level: str, by_child: dict, year_ago: dict) -> list[dict]:
    """The level below, named, largest first; a zone's public loads are not an enterprise."""
    if level == "point":
        return []
    model, child_level = {"park": (Zone, "zone"), "zone": (Enterprise, "enterprise"),
                          "enterprise": (MeteringPoint, "point")}[level]  # fmt: skip
    ids = [pk for pk in by_child if pk is not None]
    names = {
        pk: (f"{code} {name}" if model is MeteringPoint else name)
        for pk, code, name in _names(user, model, ids)
    }
    rows = [
        {"level": child_level, "id": pk, "name": names.get(pk, _("Park public loads")),
         "value": round(value, 3), "year_ago": round(year_ago.get(pk, 0.0), 3)}
        for pk, value in by_child.items()
        if pk is None or pk in names
    ]  # fmt: skip
    return sorted(rows, key=lambda row: (-row["value"], row["name"]))


def _names(user, model, ids):
    qs = access.scoped(user, model).filter(pk__in=ids)
    if model is MeteringPoint:
        return qs.values_list("pk", "code", "name")
    return [(pk, None, name) for pk, name in qs.values_list("pk", "name")]


def industry_choices(*, user, park) -> list[tuple[str, str]]:
    """The industries of the park's enterprises this user may read, with their names."""
    codes = sorted(
        {m.industry_code for m in enterprise_facts(user=user, park_id=park.pk).values()} - {""}
    )
    return [(code, industry_label(code)) for code in codes]


def kind_choices() -> list[tuple[str, str]]:
    return [(k.value, k.label) for k in EnergyKind]


# --- the four carbon indicators ----------------------------------------------------------

INDICATORS = ("energy_tce", "co2_t", "energy_intensity", "carbon_intensity")
# A drill period's carbon period, by its trend's buckets: months make a year, and so on.
_CARBON_LEVEL = {Level.MONTH: CarbonLevel.YEAR, Level.DAY: CarbonLevel.MONTH,
                 Level.HOUR: CarbonLevel.DAY}  # fmt: skip


@dataclass
class Scope:
    """What a level's figures cover."""

    level: str
    zone_id: int | None = None
    enterprise_id: int | None = None
    point: MeteringPoint | None = None
    point_energy: tuple[float, float] = (0.0, 0.0)  # a point's: this period's, a year before


@dataclass
class Basis:
    """A carbon period's figures as the carbon pages read them: the snapshot's when closed,
    else live; with each enterprise's indicators (carbon.selectors.intensities)."""

    per: Period
    accounts: object  # carbon.selectors.Accounts or Snapshot
    indicators: dict[int, dict]
    closing: object
    econ: dict | None


def carbon_period(per: DrillPeriod) -> Period:
    return carbon_period_of(_CARBON_LEVEL[per.sub_level], per.start, per.start.tzinfo)


def carbon_basis(*, park, per: Period) -> Basis:
    """Each enterprise's figures of one period, read once per request (carbon's accounts and
    economics are memoized inside shared_reads.shared())."""
    system = carbon_selectors.system_reader(park)
    closing = carbon_selectors.current_closing(park=park, per=per)
    if closing is not None:
        acc = carbon_selectors.period_accounts(user=system, park=park, per=per)
        ints = {
            eid: closing.indicators.get(str(eid))
            or carbon_selectors.intensities(a.tce, a.co2_t, None, acc.meta[eid].floor_area_m2)
            for eid, a in acc.enterprises.items()
        }
        return Basis(per, acc, ints, closing, None)
    acc = carbon_selectors.live_accounts(user=system, park=park, per=per)
    econ = carbon_selectors.economics(user=system, park=park, per=per)
    ints = {
        eid: carbon_selectors.intensities(
            a.tce, a.co2_t, econ.get(eid), acc.meta[eid].floor_area_m2
        )
        for eid, a in acc.enterprises.items()
    }
    return Basis(per, acc, ints, None, econ)


def carbon_indicators(*, park, scope: Scope, per: DrillPeriod, industry: str = "") -> dict:
    """The level's four indicators, the same a year before, the change, the period's state
    and, for an enterprise, its grade and rank. A missing factor or grading setting is said,
    not raised: the energy figures still show."""
    cp = carbon_period(per)
    out = {"indicators": None, "indicators_year_ago": None, "changes": {}, "state": None,
           "indicators_error": "", "grade": None, "grade_error": ""}  # fmt: skip
    try:
        now = carbon_basis(park=park, per=cp) if scope.level != "point" else None
        out["indicators"] = _figures(park, now, scope, industry, cp, 0)
    except ValidationFailed as exc:
        out["indicators_error"] = str(exc)
        return out
    out["state"] = carbon_selectors.period_state(
        park=park, per=cp, closing=now.closing if now else None
    )
    try:
        then = carbon_basis(park=park, per=cp.year_ago()) if scope.level != "point" else None
        out["indicators_year_ago"] = _figures(park, then, scope, industry, cp.year_ago(), 1)
    except ValidationFailed:
        pass  # e.g. no factors for last year: nothing beside the figures
    before = out["indicators_year_ago"] or {}
    out["changes"] = {k: _change(out["indicators"][k], before.get(k)) for k in INDICATORS}
    if scope.level == "enterprise" and cp.level != CarbonLevel.DAY:
        out["grade"], out["grade_error"] = _grade(park, now, scope.enterprise_id)
    return out


def _change(now, before):
    if now is None or not before:
        return None
    return round((now - before) / before, 4)


def _figures(park, basis: Basis | None, scope: Scope, industry: str, cp: Period, i: int) -> dict:
    if scope.level == "point":
        return _point_figures(park, scope.point, scope.point_energy[i], cp)
    meta, ints = basis.accounts.meta, basis.indicators
    if scope.level == "enterprise":
        mine = ints.get(scope.enterprise_id) or carbon_selectors.intensities(0.0, 0.0, None, None)
        return _rounded({k: mine.get(k) for k in (*INDICATORS, "value_added")}) | {
            "value_added_demo": bool(mine.get("value_added_demo")),
            "enterprises": 1,
            "with_value_added": int(mine.get("carbon_intensity") is not None),
        }
    members = [
        eid
        for eid, m in meta.items()
        if (scope.zone_id is None or m.zone_id == scope.zone_id)
        and (not industry or m.industry_code == industry)
        and eid in ints
    ]
    if industry:  # its enterprises only: the public loads are no industry's
        tce = sum(ints[e]["energy_tce"] for e in members)
        co2 = sum(ints[e]["co2_t"] for e in members)
    else:  # the carbon pages' park and zone totals, public loads included
        total = basis.accounts.park() if scope.zone_id is None else _zone(basis, scope.zone_id)
        tce, co2 = total.tce, total.co2_t
    # A park's or zone's intensity, as the carbon pages' park average: the enterprises with
    # value added, each on its own basis (the months with both energy and value added).
    with_va = [e for e in members if ints[e].get("carbon_intensity") is not None]
    va = sum(ints[e]["value_added"] for e in with_va)
    figures = {
        "energy_tce": tce,
        "co2_t": co2,
        "energy_intensity": (
            sum(ints[e].get("basis_tce", ints[e]["energy_tce"]) for e in with_va) / va
            if va
            else None
        ),
        "carbon_intensity": (
            sum(ints[e].get("basis_co2_t", ints[e]["co2_t"]) for e in with_va) / va if va else None
        ),
        "value_added": va if with_va else None,
    }
    return _rounded(figures) | {
        "value_added_demo": any(ints[e].get("value_added_demo") for e in with_va),
        "enterprises": len(members),
        "with_value_added": len(with_va),
    }


def _zone(basis: Basis, zone_id: int):
    if basis.closing is not None and zone_id not in basis.accounts.zone_accounts:
        return SimpleNamespace(tce=0.0, co2_t=0.0)  # no energy in the zone when it closed
    return basis.accounts.zone(zone_id)


def _point_figures(park, point: MeteringPoint, energy: float, cp: Period) -> dict:
    """A meter's energy and CO2 by the accounting rules of its kind (intensities are an
    enterprise's: value added is not metered)."""
    factors = FactorSet.current(park=park, year=cp.year)
    heat = 0.0
    if point.kind == EnergyKind.STEAM and energy:
        if point.enthalpy_gj_per_t is None:
            raise ValidationFailed.single(
                "enthalpy_gj_per_t", _("A steam point has no enthalpy configured.")
            )
        heat = energy * float(point.enthalpy_gj_per_t)
    acc = accounting.account({point.kind: energy} if energy else {}, heat, 0, {}, factors)
    return _rounded({"energy_tce": acc.tce, "co2_t": acc.co2_t}) | {
        "energy_intensity": None, "carbon_intensity": None, "value_added": None,
        "value_added_demo": False, "enterprises": 0, "with_value_added": 0,
    }  # fmt: skip


def _rounded(figures: dict) -> dict:
    return {k: None if v is None else round(float(v), 6) for k, v in figures.items()}


GRADE_FIELDS = ("grade", "level", "k", "why", "industry_code", "rank", "rank_of",
                "carbon_intensity", "settings_demo")  # fmt: skip


def _grade(park, basis: Basis, enterprise_id: int) -> tuple[dict | None, str]:
    """The enterprise's grade and rank in its industry, as the carbon pages give it."""
    if basis.closing is not None:
        table = carbon_selectors.snapshot_grades(basis.closing)
        error = basis.closing.grade_error
    else:
        try:
            table = carbon_selectors.grades(park=park, accounts=basis.accounts, econ=basis.econ)
            error = ""
        except ValidationFailed as exc:
            return None, str(exc)
    mine = table.get(enterprise_id)
    if not mine:
        return None, error
    grade = {k: mine.get(k) for k in GRADE_FIELDS}
    grade["level_label"] = str(_LEVEL_LABELS.get(grade["level"], grade["level"] or "—"))
    grade["why_label"] = str(_WHY_LABELS.get(grade["why"], ""))
    return grade, error


# The intensity level (grading.level_of) and why there is no grade, as people read them.
_LEVEL_LABELS = {"low": _lazy("low carbon intensity"), "medium": _lazy("medium carbon intensity"),
                 "high": _lazy("high carbon intensity")}  # fmt: skip
_WHY_LABELS = {"no_value_added": _lazy("no value added reported: no grade"),
               "no_industry_average": _lazy("no industry average: no grade")}  # fmt: skip
