"""Reads for carbon: the catalogue, live and stored accounts, drill-down, indicators, grades,
ranking, budgets, alerts, reports. Everything starts from access.scoped()/get_for()."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from parkpilot.alerts import selectors as alert_selectors
from parkpilot.carbon import accounting, grading, periods, rules, shared_reads
from parkpilot.carbon.factors import FactorSet
from parkpilot.carbon.green_kwh import green_kwh_by_enterprise
from parkpilot.carbon.models import (
    AccountScope,
    Budget,
    CarbonAccount,
    EmissionFactor,
    IndustryAverage,
    Level,
    PeriodClose,
    Report,
    ReportBatch,
    ReportVersion,
    YearSettings,
)
from parkpilot.carbon.periods import Period, period
from parkpilot.carbon.shared_reads import memoized
from parkpilot.economy import selectors as economy
from parkpilot.energy import selectors as energy_selectors
from parkpilot.energy import selectors_carbon as energy
from parkpilot.field_labels import error_text
from parkpilot.gcpause import gc_paused
from parkpilot.tenancy import access
from parkpilot.tenancy import selectors as tenancy
from parkpilot.tenancy.actors import SystemActor, system_actor
from parkpilot.tenancy.errors import Code, NotFound, ValidationFailed
from parkpilot.tenancy.models import Enterprise, Park, Zone
from parkpilot.tenancy.selectors import EnterpriseFacts


def system_reader(park: Park) -> SystemActor:
    """Who scheduled work reads as: the system of this park (tenancy.actors), nothing else."""
    return system_actor(park, "carbon")


def is_park_reader(user) -> bool:
    return rules.PARK_CARBON.allows(user)


# --- catalogue -----------------------------------------------------------------------------


def factor_list(*, user, park_id: int, year: int | None = None, current: bool = False):
    qs = access.scoped(user, EmissionFactor).filter(park_id=park_id)
    if year is not None:
        qs = qs.filter(year=year)
    if current:
        qs = qs.filter(superseded=False)
    return qs.order_by("carrier", "quantity", "purpose", "region", "-year", "-version")


def settings_list(*, user, park_id: int) -> QuerySet:
    return access.scoped(user, YearSettings).filter(park_id=park_id).order_by("-year")


def industry_average_list(*, user, park_id: int, year: int | None = None) -> QuerySet:
    qs = access.scoped(user, IndustryAverage).filter(park_id=park_id)
    if year is not None:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "industry_code")


# --- accounts ------------------------------------------------------------------------------


@dataclass
class Accounts:
    """Live accounts of one period: per enterprise and per zone's public loads, each an
    accounting.Account (its figures() is the stored, JSON-ready form)."""

    period: Period
    enterprises: dict[int, accounting.Account]
    public: dict[int | None, accounting.Account]
    meta: dict[int, EnterpriseFacts]
    park_id: int
    factors: FactorSet

    @cached_property
    def zones(self) -> dict[int, str]:
        """The park's zones by id, read only when a caller lists zones: accounting itself
        does not need their names."""
        return dict(Zone.objects.filter(park_id=self.park_id).values_list("id", "name"))

    def enterprise(self, enterprise_id: int) -> accounting.Account:
        return self.enterprises[enterprise_id]

    def public_total(self) -> accounting.Account:
        return accounting.total(list(self.public.values()), self.factors)

    def zone(self, zone_id: int) -> accounting.Account:
        parts = [a for eid, a in self.enterprises.items() if self.meta[eid].zone_id == zone_id]
        if zone_id in self.public:
            parts.append(self.public[zone_id])
        return accounting.total(parts, self.factors)

    def park(self) -> accounting.Account:
        return accounting.total([*self.enterprises.values(), *self.public.values()], self.factors)

    def scope(self, scope: str, scope_id: int) -> accounting.Account:
        if scope == AccountScope.ENTERPRISE:
            return self.enterprise(scope_id)
        if scope == AccountScope.ZONE:
            return self.zone(scope_id)
        if scope == AccountScope.PUBLIC:
            return self.public_total()
        return self.park()


@memoized
def live_accounts(*, user, park: Park, per: Period, factors: FactorSet | None = None) -> Accounts:
    """Accounts from the rollups with the current catalogue (one query for the energy)."""
    with gc_paused():
        return _live_accounts(user, park, per, factors)


def _live_accounts(user, park: Park, per: Period, factors: FactorSet | None) -> Accounts:
    factors = factors or FactorSet.current(park=park, year=per.year)
    meta = tenancy.enterprise_facts(user=user, park_id=park.pk)
    rows = energy.accounting_rows(
        user=user, park_id=park.pk, level=per.rollup_level, start=per.start, end=per.end
    )
    metered: dict[int, accounting.Account] = {}
    public: dict[int | None, accounting.Account] = {}
    for row in rows:
        if row.owner_id is None:
            public[row.zone_id] = accounting.from_totals(row, factors)
        elif row.owner_id in meta:
            metered[row.owner_id] = accounting.from_totals(row, factors)
    # Every enterprise has an account, in id order; one without energy has an empty one.
    enterprises = {
        eid: metered[eid] if eid in metered else accounting.account({}, 0.0, 0, {}, factors)
        for eid in meta
    }
    return Accounts(per, enterprises, public, meta, park.pk, factors)


def _authorize_scope(user, park: Park, scope: str, scope_id: int) -> None:
    if scope == AccountScope.ENTERPRISE:
        ent = access.get_for(user, Enterprise, scope_id)
        if ent.park_id != park.pk:
            raise NotFound
        return
    if not is_park_reader(user):
        raise NotFound
    if scope == AccountScope.ZONE:
        if not Zone.objects.filter(park=park, pk=scope_id).exists():
            raise NotFound
    elif scope in (AccountScope.PARK, AccountScope.PUBLIC):
        if scope_id != park.pk:
            raise NotFound
    else:
        raise ValidationFailed.single(
            "scope", gettext("Must be park, zone, enterprise or public."), Code.UNKNOWN
        )


def account_view(
    *, user, park: Park, scope: str, scope_id: int, per: Period, since_closing: bool = True
) -> dict:
    """One figure: the current snapshot's account when the period is closed (with what has
    arrived since closing beside it), else computed live and labelled partial while running."""
    _authorize_scope(user, park, scope, scope_id)
    closing = current_closing(park=park, per=per)
    stored = None
    if closing is not None:
        stored = (
            access.scoped(user, CarbonAccount)
            .filter(closing=closing, scope=scope, scope_id=scope_id)
            .first()
        )
    view = {
        "scope": scope,
        "scope_id": scope_id,
        "period": per.label,
        "level": per.level,
        "state": period_state(park=park, per=per, closing=closing),
    }
    if stored is not None:
        view |= {
            "stored": True,
            "version": stored.version,
            "computed_at": stored.computed_at.isoformat(),
            "figures": stored.figures,
            "factor_ids": stored.factor_ids,
        }
        if since_closing:
            live = live_accounts(user=_reader_for(user, park, scope), park=park, per=per)
            view["since_closing"] = arrived_since(stored.figures, live.scope(scope, scope_id))
        return view
    live = live_accounts(user=_reader_for(user, park, scope), park=park, per=per)
    figures = live.scope(scope, scope_id).figures()
    return view | {
        "stored": False,
        "version": None,
        "computed_at": None,
        "figures": figures,
        "factor_ids": accounting.factor_ids(figures),
    }


def arrived_since(stored: dict, live) -> dict:
    """What the rollups hold now for a closed period against its snapshot (late readings, a
    confirmed meter replacement, outage energy spread back): shown, never folded in. The live
    side uses today's factors, so a factor change alone also shows here."""
    diff = {
        "readings": live.readings - stored["readings"],
        "tce": live.tce - stored["tce"],
        "co2_t": live.co2_t - stored["co2_t"],
        "live_tce": live.tce,
        "live_co2_t": live.co2_t,
    }
    energy_now, energy_then = live.energy, stored["energy"]
    diff["energy"] = {
        k: energy_now.get(k, 0.0) - energy_then.get(k, 0.0)
        for k in sorted({*energy_now, *energy_then})
        if abs(energy_now.get(k, 0.0) - energy_then.get(k, 0.0)) > 1e-9
    }
    diff["changed"] = bool(diff["readings"] or diff["energy"] or abs(diff["co2_t"]) > 1e-9)
    return diff


def _reader_for(user, park, scope):
    # Zone and park figures sum every enterprise; only park roles get this far for them.
    return user if scope == AccountScope.ENTERPRISE else system_reader(park)


def drilldown(*, user, park: Park, scope: str, scope_id: int, per: Period) -> dict:
    """The rollups (per point) and the factors behind one figure."""
    view = account_view(user=user, park=park, scope=scope, scope_id=scope_id, per=per)
    kwargs = {}
    if scope == AccountScope.ENTERPRISE:
        kwargs["owner_id"] = scope_id
    elif scope == AccountScope.PUBLIC:
        kwargs["public"] = True
    elif scope == AccountScope.ZONE:
        kwargs["zone_id"] = scope_id
    points = energy.point_rows(
        user=user, park_id=park.pk, level=per.rollup_level, start=per.start, end=per.end, **kwargs
    )
    factors = EmissionFactor.objects.filter(pk__in=view["factor_ids"]).order_by("carrier")
    return {
        **view,
        "points": [
            {**{k: v for k, v in p.items() if k != "parent_id"}, "sub_meter": bool(p["parent_id"])}
            for p in points
        ],
        "factor_rows": [
            {
                "id": f.pk,
                "carrier": f.carrier,
                "quantity": f.quantity,
                "region": f.region,
                "year": f.year,
                "value": float(f.value),
                "unit": f.unit,
                "document": f.document,
                "effective_from": f.effective_from.isoformat(),
                "version": f.version,
                "superseded": f.superseded,
            }
            for f in factors
        ],
    }


def stored_accounts(*, user, park: Park, per: Period) -> QuerySet:
    """The current snapshot's accounts of a closed period (none while it is open)."""
    return access.scoped(user, CarbonAccount).filter(
        park=park, level=per.level, period_start=per.start.date(), closing__current=True
    )


# --- closed periods: one basis per figure ----------------------------------------------------


def current_closing(*, park: Park, per: Period) -> PeriodClose | None:
    """The period's current snapshot, or None while it is open. Readers reach it only after
    their scope was authorized (it holds every enterprise's grade, as the live read does)."""
    return PeriodClose.objects.filter(
        park=park, level=per.level, period_start=per.start.date(), current=True
    ).first()


def closing_versions(*, user, park: Park, per: Period) -> QuerySet:
    """Every snapshot version of a period, newest first (park roles only)."""
    return (
        access.scoped(user, PeriodClose)
        .filter(park=park, level=per.level, period_start=per.start.date())
        .select_related("closed_by")
        .order_by("-version")
    )


def period_state(*, park: Park, per: Period, closing=..., now: datetime | None = None) -> dict:
    """Where a period stands: closed (snapshot version n), running (partial: figures so far),
    ended but not yet closed, or not begun. Pages, API, cockpit and report show it."""
    now = now or timezone.now()
    if closing is ...:
        closing = current_closing(park=park, per=per)
    state = {"period": per.label, "level": per.level, "partial": False, "closed": None}
    if closing is not None:
        return state | {"status": "closed", "closed": closing.info()}
    if per.start > now:
        return state | {"status": "future", "partial": True, "through": None}
    if periods.is_running(per, now):
        through = timezone.localtime(now, per.start.tzinfo)
        return state | {
            "status": "running",
            "partial": True,
            "through": through.isoformat(timespec="minutes"),
            "through_label": through.strftime("%Y-%m-%d %H:%M"),
            "elapsed_share": round((now - per.start) / (per.end - per.start), 4),
        }
    return state | {"status": "open"}


class StoredAccount:
    """A snapshot account (CarbonAccount.figures) read like an accounting.Account, so pages
    show a closed period the way they show a live one."""

    __slots__ = ("_f",)

    def __init__(self, figures: dict):
        self._f = figures

    def figures(self) -> dict:
        return self._f

    def __getattr__(self, name):
        f = self._f
        electricity = f.get("electricity", {})
        named = {"used_kwh": "used_kwh", "pv_self_kwh": "pv_self_consumed_kwh",
                 "grid_kwh": "grid_kwh"}  # fmt: skip
        if name in named:
            return electricity.get(named[name], 0.0)
        if name in f:
            return f[name]
        raise AttributeError(name)


@dataclass
class Snapshot:
    """A closed period's accounts from its current snapshot: the same reads as Accounts."""

    period: Period
    closing: PeriodClose
    enterprises: dict[int, StoredAccount]
    public: dict[int | None, StoredAccount]  # {None: the public loads' total} when any
    zone_accounts: dict[int, StoredAccount]
    park_account: StoredAccount | None
    meta: dict[int, EnterpriseFacts]
    park_id: int

    @cached_property
    def zones(self) -> dict[int, str]:
        names = dict(Zone.objects.filter(park_id=self.park_id).values_list("id", "name"))
        return {zid: names.get(zid, str(zid)) for zid in self.zone_accounts}

    def enterprise(self, enterprise_id: int) -> StoredAccount:
        return self.enterprises[enterprise_id]

    def public_total(self) -> StoredAccount:
        return self.public.get(None) or StoredAccount(_EMPTY)

    def zone(self, zone_id: int) -> StoredAccount:
        return self.zone_accounts[zone_id]

    def park(self) -> StoredAccount:
        return self.park_account or StoredAccount(_EMPTY)


_EMPTY = {"energy": {}, "electricity": {}, "tce": 0.0, "co2_t": 0.0, "scope1_co2_t": 0.0,
          "scope2_co2_t": 0.0, "readings": 0, "flagged_energy": {}, "sources": {},
          "tce_by_carrier": {}, "factors": {}}  # fmt: skip


def period_accounts(*, user, park: Park, per: Period) -> "Accounts | Snapshot":
    """A closed period's snapshot, else the live accounts: what every page reads."""
    closing = current_closing(park=park, per=per)
    if closing is None:
        return live_accounts(user=user, park=park, per=per)
    meta = tenancy.enterprise_facts(user=user, park_id=park.pk)
    ents, public, zones, park_row = {}, {}, {}, None
    for scope, sid, figures in (
        access.scoped(user, CarbonAccount)
        .filter(closing=closing)
        .values_list("scope", "scope_id", "figures")
    ):
        if scope == AccountScope.ENTERPRISE and sid in meta:
            ents[sid] = StoredAccount(figures)
        elif scope == AccountScope.PUBLIC:
            public[None] = StoredAccount(figures)
        elif scope == AccountScope.ZONE:
            zones[sid] = StoredAccount(figures)
        elif scope == AccountScope.PARK:
            park_row = StoredAccount(figures)
    ents = dict(sorted(ents.items()))
    return Snapshot(per, closing, ents, public, zones, park_row, meta, park.pk)


GRADE_KEYS = ("grade", "level", "k", "why", "industry_code", "industry_average", "rank",
              "rank_of", "park_industry_average", "settings_demo",
              "industry_average_demo")  # fmt: skip


def snapshot_grades(closing: PeriodClose) -> dict[int, dict]:
    """The snapshot's grade table (intensities and grade fields) by enterprise id."""
    return {
        int(eid): {**closing.indicators.get(eid, {}), **row} for eid, row in closing.grades.items()
    }


def _indicators_of(park: Park, per: Period) -> dict | None:
    """Per enterprise (and "park": totals) the four indicators' figures of another period, for
    month-on-month and year-on-year: its snapshot if closed, else live; None if unavailable."""
    closing = current_closing(park=park, per=per)
    if closing is not None:
        park_row = (
            CarbonAccount.objects.filter(closing=closing, scope=AccountScope.PARK)
            .values_list("tce", "co2_t")
            .first()
        )
        out = dict(closing.indicators)
        out["park"] = {"energy_tce": park_row[0], "co2_t": park_row[1]} if park_row else None
        return out
    system = system_reader(park)
    try:
        acc = live_accounts(user=system, park=park, per=per)
    except ValidationFailed:
        return None  # e.g. no factors for that year: no comparison, not a failed close
    econ = economics(user=system, park=park, per=per)
    out = {
        str(eid): intensities(a.tce, a.co2_t, econ.get(eid), acc.meta[eid].floor_area_m2)
        for eid, a in acc.enterprises.items()
    }
    total = acc.park()
    out["park"] = {"energy_tce": total.tce, "co2_t": total.co2_t}
    return out


def snapshot_parts(*, park: Park, per: Period, now: datetime | None = None) -> dict:
    """Everything a close stores, computed once from the live data and today's catalogue:
    every scope's account, each enterprise's indicators and grade (K, rank), the bases of
    month-on-month and year-on-year, year-to-date use for budgets, and data completeness."""
    system = system_reader(park)
    acc = live_accounts(user=system, park=park, per=per)
    econ = economics(user=system, park=park, per=per)
    green = green_kwh_by_enterprise(park=park, per=per)  # the market-based figure's basis
    indicators = {
        str(eid): intensities(a.tce, a.co2_t, econ.get(eid), acc.meta[eid].floor_area_m2)
        | {"green_kwh": green.get(eid, 0.0)}
        for eid, a in acc.enterprises.items()
    }
    try:
        table, grade_error = grades(park=park, accounts=acc, econ=econ), ""
    except ValidationFailed as exc:
        table, grade_error = {}, "; ".join(error_text(e) for e in exc.errors)
    grade_rows = {str(eid): {k: row.get(k) for k in GRADE_KEYS} for eid, row in table.items()}
    previous = _indicators_of(park, per.previous()) if per.level == Level.MONTH else None
    year_ago = _indicators_of(park, per.year_ago())
    compare = {
        key: {"previous": (previous or {}).get(key), "year_ago": (year_ago or {}).get(key)}
        for key in [*indicators, "park"]
    }
    ytd_acc = (
        live_accounts(user=system, park=park, per=periods.year_to_date(per))
        if per.level == Level.MONTH
        else acc
    )
    ytd = {str(eid): {"tce": a.tce, "co2_t": a.co2_t} for eid, a in ytd_acc.enterprises.items()}
    ytd["park"] = {"tce": ytd_acc.park().tce, "co2_t": ytd_acc.park().co2_t}
    complete = energy_selectors.period_completeness(
        user=system, park_id=park.pk, start=per.start, end=per.end, now=now
    )
    return {
        "accounts": acc,
        "indicators": indicators,
        "grades": grade_rows,
        "grade_error": grade_error,
        "compare": compare,
        "ytd": ytd,
        "completeness": complete,
        "quarantined": quarantined_points(park=park, per=per),
    }


def quarantined_points(*, park: Park, per: Period) -> list[dict]:
    """Points whose data in the period is quarantined, for the closing record. Hook: energy's
    quarantine (being added by another change) provides `energy.selectors.quarantined_points`;
    until it exists no point is quarantined."""
    hook = getattr(energy_selectors, "quarantined_points", None)
    if hook is None:
        return []
    return list(hook(park_id=park.pk, start=per.start, end=per.end))


# --- economy and intensities ---------------------------------------------------------------


@memoized
def economics(*, user, park: Park, per: Period) -> dict[int, dict]:
    """Value added and output (10,000 CNY) per enterprise in the period, from economy, and the
    basis its intensities use: only the months that have both energy and value added (a year
    with value added for November alone is November's intensity, not the year's CO2 divided
    by November's value added). For a year, the basis's tce and tCO2 come with it."""
    if per.level not in (Level.YEAR, Level.MONTH):
        return {}
    months = list(range(1, 13)) if per.level == Level.YEAR else [per.start.month]
    by_month: dict[int, dict[int, dict]] = defaultdict(dict)
    rows = economy.monthly_list(user=user, year=per.year).filter(park_id=park.pk, month__in=months)
    for r in rows.values("enterprise_id", "month", "value_added", "output_value", "is_demo"):
        by_month[r["enterprise_id"]][r["month"]] = r
    energy_by_month = _monthly_energy(user, park, per) if per.level == Level.YEAR else None
    out: dict[int, dict] = {}
    for eid, reported in by_month.items():
        with_va = sorted(m for m, r in reported.items() if r["value_added"] is not None)
        slot = {"value_added": None, "output_value": None, "months": with_va,
                "months_without_value_added": []}  # fmt: skip
        if energy_by_month is not None:
            metered = energy_by_month.get(eid, {})
            slot["months"] = [m for m in with_va if m in metered]
            slot["months_without_value_added"] = sorted(set(metered) - set(with_va))
            slot["tce"] = sum(metered[m][0] for m in slot["months"])
            slot["co2_t"] = sum(metered[m][1] for m in slot["months"])
        for k in ("value_added", "output_value"):
            values = [reported[m][k] for m in slot["months"] if reported[m][k] is not None]
            slot[k] = sum(values, Decimal(0)) if values else None
        slot["is_demo"] = any(reported[m]["is_demo"] for m in slot["months"])
        out[eid] = slot
    return out


def _monthly_energy(user, park: Park, per: Period) -> dict[int, dict[int, tuple[float, float]]]:
    """{enterprise: {month: (tce, tCO2)}} for the months of the period that have energy."""
    factors = FactorSet.current(park=park, year=per.year)
    out: dict[int, dict[int, tuple[float, float]]] = defaultdict(dict)
    tz = ZoneInfo(park.timezone)
    rows = energy.monthly_accounting_rows(user=user, park_id=park.pk, start=per.start, end=per.end)
    for bucket, row in rows:
        if row.owner_id is None:
            continue
        acc = accounting.from_totals(row, factors)
        if acc.tce or acc.co2_t:
            out[row.owner_id][bucket.astimezone(tz).month] = (acc.tce, acc.co2_t)
    return out


def _ratio(num: float, den) -> float | None:
    return num / float(den) if den else None


def intensities(tce: float, co2_t: float, econ: dict | None, floor_area_m2: int | None) -> dict:
    """The four indicators' intensities from an account's tce and tCO2. The ratios use the
    basis economics() names (a year: the months with both energy and value added); the
    per-m² figures only where there is no value added at all."""
    econ = econ or {}
    va, out = econ.get("value_added"), econ.get("output_value")
    basis_tce, basis_co2 = econ.get("tce", tce), econ.get("co2_t", co2_t)
    result = {
        "energy_tce": tce,
        "co2_t": co2_t,
        "value_added": float(va) if va is not None else None,
        "output_value": float(out) if out is not None else None,
        "energy_intensity": _ratio(basis_tce, va),
        "carbon_intensity": _ratio(basis_co2, va),
        "energy_intensity_output": _ratio(basis_tce, out),
        "carbon_intensity_output": _ratio(basis_co2, out),
        "value_added_demo": bool(econ.get("is_demo")),
        "basis_months": econ.get("months", []),
        "months_without_value_added": econ.get("months_without_value_added", []),
        "basis_tce": basis_tce,
        "basis_co2_t": basis_co2,
        "energy_per_m2_kgce": None,
        "carbon_per_m2_kg": None,
    }
    if result["carbon_intensity"] is None and floor_area_m2:
        result["energy_per_m2_kgce"] = tce * 1000 / floor_area_m2
        result["carbon_per_m2_kg"] = co2_t * 1000 / floor_area_m2
    return result


def industry_averages(*, park: Park, year: int) -> dict[str, float]:
    return {
        code: float(v)
        for code, v in IndustryAverage.objects.filter(park=park, year=year).values_list(
            "industry_code", "intensity"
        )
    }


def industry_averages_marked(*, park: Park, year: int) -> tuple[dict[str, float], set[str]]:
    """The year's industry averages and the industries whose average is demo data, in one
    read (the demo ones are marked wherever shown)."""
    rows = IndustryAverage.objects.filter(park=park, year=year).values_list(
        "industry_code", "intensity", "is_demo"
    )
    averages, demo = {}, set()
    for code, value, is_demo in rows:
        averages[code] = float(value)
        if is_demo:
            demo.add(code)
    return averages, demo


@memoized
def grades(*, park: Park, accounts: Accounts, econ: dict[int, dict]) -> dict[int, dict]:
    """Intensity, level, grade and rank in its industry (within the park) per enterprise."""
    g = grading.settings_for(park, accounts.period.year)
    avgs, demo_avgs = industry_averages_marked(park=park, year=accounts.period.year)
    out = {}
    for eid, acc in accounts.enterprises.items():
        m = accounts.meta[eid]
        ints = intensities(acc.tce, acc.co2_t, econ.get(eid), m.floor_area_m2)
        out[eid] = {
            **ints,
            **grading.assess(ints["carbon_intensity"], avgs.get(m.industry_code), g),
            "industry_code": m.industry_code,
            "industry_average": avgs.get(m.industry_code),
            "settings_demo": g.is_demo,
            "industry_average_demo": m.industry_code in demo_avgs,
        }
    by_industry: dict[str, list[int]] = defaultdict(list)
    for eid, r in out.items():
        if r["carbon_intensity"] is not None:
            by_industry[r["industry_code"]].append(eid)
    for members in by_industry.values():
        members.sort(key=lambda e: (out[e]["carbon_intensity"], e))
        park_avg = _ratio(
            sum(out[e]["basis_co2_t"] for e in members),
            sum(out[e]["value_added"] for e in members),
        )
        for i, eid in enumerate(members, start=1):
            out[eid].update(rank=i, rank_of=len(members), park_industry_average=park_avg)
    return out


def ranking_for(grades_by_ent: dict[int, dict], enterprise_id: int, names: dict[int, str]):
    """The enterprise's industry peers in rank order, every other enterprise anonymised."""
    mine = grades_by_ent[enterprise_id]
    peers = sorted(
        (
            (r["rank"], eid, r)
            for eid, r in grades_by_ent.items()
            if r.get("rank") and r["industry_code"] == mine["industry_code"]
        ),
        key=lambda t: t[0],
    )
    rows, letter = [], 0
    for rank, eid, r in peers:
        if eid == enterprise_id:
            label = names[eid]
        else:
            label = f"同行企业 {chr(ord('A') + letter)}"
            letter += 1
        rows.append(
            {"rank": rank, "name": label, "self": eid == enterprise_id,
             "carbon_intensity": r["carbon_intensity"], "grade": r["grade"]}
        )  # fmt: skip
    return rows


# --- budgets and alerts --------------------------------------------------------------------


def budget_list(*, user, park_id: int, year: int) -> QuerySet:
    return (
        access.scoped(user, Budget)
        .filter(park_id=park_id, year=year)
        .select_related("enterprise")
        .order_by("enterprise_id")
    )


def settings_overview(*, user, park: Park, year: int) -> dict:
    """What the settings page lists: the year's budgets and industry averages, every year's
    grading settings (the selected year's apart, to fill the form), the park's enterprises."""
    settings = list(settings_list(user=user, park_id=park.pk))
    return {
        "budgets": list(budget_list(user=user, park_id=park.pk, year=year)),
        "settings": settings,
        "year_settings": next((r for r in settings if r.year == year), None),
        "averages": list(industry_average_list(user=user, park_id=park.pk, year=year)),
        "enterprises": list(
            tenancy.enterprise_list(user=user)
            .filter(park=park)
            .order_by("name")
            .values("id", "name", "industry_code")
        ),
    }


def projection(used: float, per_ytd: Period, budget: float | None) -> dict:
    """Straight line: what was used from 1 January to the end of per_ytd, scaled to the year."""
    frac = per_ytd.fraction_of_year
    projected = used / frac if frac else 0.0
    return {
        "used": used,
        "projected": projected,
        "budget": budget,
        "used_share": used / budget if budget else None,
        "projected_share": projected / budget if budget else None,
        "over": bool(budget) and projected > budget,
    }


def alert_list(*, user, park_id: int, open_only: bool = False) -> QuerySet:
    """Carbon's alerts (kept by parkpilot.alerts) the user may see; `open_only`: not yet
    acknowledged."""
    qs = alert_selectors.alert_list(user=user, source="carbon").filter(park_id=park_id)
    if open_only:
        qs = qs.filter(acknowledged_at__isnull=True).exclude(state="closed")
    return qs


def alert_get(*, user, alert_id: int):
    """One of carbon's alerts, or NotFound (another app's alert is not carbon's to show)."""
    alert = alert_selectors.alert_get(user=user, alert_id=alert_id)
    if not alert.kind.startswith("carbon."):
        raise NotFound
    return alert


# --- reports -------------------------------------------------------------------------------


def report_list(*, user, park_id: int, year: int | None = None) -> QuerySet:
    qs = access.scoped(user, Report).filter(park_id=park_id).select_related("enterprise")
    if year is not None:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "-month", "enterprise_id")


def report_get(*, user, report_id: int) -> Report:
    return access.get_for(user, Report.objects.select_related("enterprise"), report_id)


def report_versions(*, user, report: Report) -> list[ReportVersion]:
    """A report's issued versions, newest first, without their files (downloads fetch one)."""
    return list(
        access.scoped(user, ReportVersion)
        .filter(report=report)
        .defer("pdf", "xlsx")
        .order_by("-version")
    )


def report_version_get(*, user, report_id: int, version: int) -> ReportVersion:
    """One issued version (its files included), or NotFound for what the user may not see."""
    qs = access.scoped(user, ReportVersion).select_related("report", "enterprise")
    try:
        row = qs.filter(report_id=report_id, version=version).first()
    except OverflowError:  # an id beyond the column (SQLite raises; PostgreSQL finds nothing)
        row = None
    if row is None:
        raise NotFound
    return row


def batch_latest(*, user, park_id: int) -> ReportBatch | None:
    return access.scoped(user, ReportBatch).filter(park_id=park_id).order_by("-id").first()


def batch_get(*, user, batch_id: int) -> ReportBatch:
    return access.get_for(user, ReportBatch, batch_id)


def month_period(park: Park, year: int, month: int) -> Period:
    return period(Level.MONTH, date(year, month, 1), park.timezone)


def _enterprise_live(park: Park, enterprise_id: int, per: Period) -> accounting.Account:
    """One enterprise's live account (its own points only: no whole-park read)."""
    factors = FactorSet.current(park=park, year=per.year)
    rows = energy.accounting_rows(
        user=system_reader(park), park_id=park.pk, level=per.rollup_level, start=per.start,
        end=per.end, owner_id=enterprise_id,
    )  # fmt: skip
    mine = [r for r in rows if r.owner_id == enterprise_id]
    if not mine:
        return accounting.account({}, 0.0, 0, {}, factors)
    return accounting.from_totals(mine[0], factors)


def _change(now, before):
    if now is None or not before:
        return None
    return (now - before) / before


INDICATOR_KEYS = ("energy_tce", "co2_t", "energy_intensity", "carbon_intensity")


def _changes(now: dict, before: dict | None) -> dict:
    return {k: _change(now.get(k), (before or {}).get(k)) for k in INDICATOR_KEYS}


def _like_for_like(park, enterprise_id, per, other: Period, now) -> dict:
    """A running period against the same elapsed hours of another: totals only (value added
    is monthly, so intensities of part of a month are not compared)."""
    span = periods.elapsed_hours(per, now)
    before = periods.same_span(other, span)
    basis = {"basis": "same_hours", "hours": int(span.total_seconds() // 3600)}
    if before is None or not span:
        return basis | {"basis": "none", **dict.fromkeys(INDICATOR_KEYS)}
    try:
        cur = _enterprise_live(park, enterprise_id, Period(Level.HOUR, per.start, per.start + span))
        old = _enterprise_live(park, enterprise_id, before)
    except ValidationFailed:
        return basis | {"basis": "none", **dict.fromkeys(INDICATOR_KEYS)}
    return basis | {
        "energy_tce": _change(cur.tce, old.tce),
        "co2_t": _change(cur.co2_t, old.co2_t),
        "energy_intensity": None,
        "carbon_intensity": None,
    }


def _enterprise_indicators(park: Park, enterprise: Enterprise, per: Period) -> dict | None:
    """One enterprise's indicators in another period (for month-on-month, year-on-year): its
    snapshot's if closed, else read live from its own points only; None if unavailable."""
    closing = current_closing(park=park, per=per)
    if closing is not None:
        return closing.indicators.get(str(enterprise.pk))
    try:
        if shared_reads.in_batch():  # the whole park once, shared by the batch's reports
            a = live_accounts(user=system_reader(park), park=park, per=per).enterprise(
                enterprise.pk
            )
        else:
            a = _enterprise_live(park, enterprise.pk, per)
    except ValidationFailed:
        return None
    econ = economics(user=system_reader(park), park=park, per=per).get(enterprise.pk)
    return intensities(a.tce, a.co2_t, econ, enterprise.floor_area_m2)


def enterprise_basis(*, park: Park, enterprise: Enterprise, per: Period, now=None) -> dict:
    """Every figure of one enterprise's period on one basis: a closed period's all come from
    its current snapshot (account, indicators, grade, K, rank, peers, month-on-month,
    year-on-year, year-to-date use); an open one's are live, and while it runs
    month-on-month compares the same elapsed hours of the previous month. Callers have
    authorized the enterprise."""
    now = now or timezone.now()
    closing = current_closing(park=park, per=per)
    state = period_state(park=park, per=per, closing=closing, now=now)
    key = str(enterprise.pk)
    out = {"state": state, "grade": None, "grade_error": "", "peers": [], "park_average": None}
    if closing is not None:
        row = CarbonAccount.objects.filter(
            closing=closing, scope=AccountScope.ENTERPRISE, scope_id=enterprise.pk
        ).first()
        figures = row.figures if row else StoredAccount(_EMPTY).figures()
        ints = closing.indicators.get(key) or intensities(
            figures["tce"], figures["co2_t"], None, enterprise.floor_area_m2
        )
        table = snapshot_grades(closing)
        compare = closing.compare.get(key) or {}
        out |= {
            "account": figures,
            "stored": True,
            "indicators": ints,
            "mom": _changes(ints, compare.get("previous")) | {"basis": "snapshot"},
            "yoy": _changes(ints, compare.get("year_ago")) | {"basis": "snapshot"},
            "ytd": closing.ytd.get(key),
            "grade_error": closing.grade_error,
        }
    else:
        system = system_reader(park)
        acc = live_accounts(user=system, park=park, per=per)
        econ = economics(user=system, park=park, per=per)
        figures = acc.enterprise(enterprise.pk).figures()
        ints = intensities(
            figures["tce"], figures["co2_t"], econ.get(enterprise.pk), enterprise.floor_area_m2
        )
        try:
            table = grades(park=park, accounts=acc, econ=econ)
        except ValidationFailed as exc:
            table, out["grade_error"] = {}, str(exc)
        out |= {"account": figures, "stored": False, "indicators": ints, "ytd": None}
        for name, other in (("mom", per.previous()), ("yoy", per.year_ago())):
            if state["status"] == "running":
                out[name] = _like_for_like(park, enterprise.pk, per, other, now)
            else:
                before = _enterprise_indicators(park, enterprise, other)
                out[name] = _changes(ints, before) | {"basis": "whole_period"}
    if per.level != Level.MONTH:
        out["mom"] = dict.fromkeys(INDICATOR_KEYS) | {"basis": "none"}
    mine = table.get(enterprise.pk)
    if mine is not None:
        out["grade"] = {k: mine.get(k) for k in GRADE_KEYS}
        if mine.get("rank"):
            names = dict(Enterprise.objects.filter(pk__in=list(table)).values_list("pk", "name"))
            out["peers"] = ranking_for(table, enterprise.pk, names)
    with_va = [g for g in table.values() if g.get("carbon_intensity") is not None]
    if with_va:
        # The intensity's own basis: only the months with both energy and value added (a
        # snapshot closed before the basis was stored has the whole period's CO2).
        out["park_average"] = sum(g.get("basis_co2_t", g["co2_t"]) for g in with_va) / sum(
            g["value_added"] for g in with_va
        )
    return out


def enterprise_grade(*, user, park: Park, enterprise: Enterprise, per: Period) -> dict:
    """One enterprise's four indicators, intensities, level, grade and anonymised ranking, on
    the period's one basis (its snapshot when closed)."""
    _authorize_scope(user, park, AccountScope.ENTERPRISE, enterprise.pk)
    basis = enterprise_basis(park=park, enterprise=enterprise, per=per)
    return {
        "enterprise_id": enterprise.pk,
        "period": per.label,
        "level": per.level,
        "state": basis["state"],
        "indicators": basis["indicators"],
        "month_on_month": basis["mom"],
        "year_on_year": basis["yoy"],
        "grade": basis["grade"],
        "peers": basis["peers"],
        "grade_error": basis["grade_error"],
    }


def grade_table(*, user, park: Park, per: Period) -> list[dict]:
    """Every enterprise's intensity, level and grade: the snapshot's when closed."""
    closing = current_closing(park=park, per=per)
    if closing is not None:
        meta = tenancy.enterprise_facts(user=user, park_id=park.pk)
        table = snapshot_grades(closing)
    else:
        acc = live_accounts(user=user, park=park, per=per)
        meta = acc.meta
        table = grades(park=park, accounts=acc, econ=economics(user=user, park=park, per=per))
    return [
        {"enterprise_id": eid, "name": meta[eid].name, **row}
        for eid, row in sorted(table.items())
        if eid in meta
    ]


def budget_status(
    *, user, park: Park, year: int, month: int = 12, now: datetime | None = None
) -> list[dict]:
    """Each visible budget with use from 1 January to the end of `month` and the projection.
    The elapsed share of the year ends at the end of `month` or now, whichever is earlier: a
    month (or year) still running counts only as far as it has run, else the straight line
    would divide this month's first days of use by the whole month."""
    budgets = list(budget_list(user=user, park_id=park.pk, year=year))
    if not budgets:
        return []
    start = period(Level.YEAR, date(year, 1, 1), park.timezone).start
    last = period(Level.MONTH, date(year, min(max(month, 1), 12), 1), park.timezone)
    end = max(start, min(last.end, now or timezone.now()))
    ytd = Period(Level.YEAR, start, end)
    # A closed month's use to date is its snapshot's, like every other figure of it.
    closing = current_closing(park=park, per=last)
    if closing is not None and closing.ytd:
        used = closing.ytd
    else:
        acc = live_accounts(user=system_reader(park), park=park, per=ytd)
        used = {str(eid): {"tce": a.tce, "co2_t": a.co2_t} for eid, a in acc.enterprises.items()}
        used["park"] = {"tce": acc.park().tce, "co2_t": acc.park().co2_t}
    out = []
    for b in budgets:
        key = "park" if b.enterprise_id is None else str(b.enterprise_id)
        a = used.get(key) or {"tce": 0.0, "co2_t": 0.0}
        out.append(
            {
                "id": b.pk,
                "enterprise_id": b.enterprise_id,
                "name": b.enterprise.name if b.enterprise else park.name,
                "year": year,
                "through": f"{year}-{month:02d}",
                "energy": projection(a["tce"], ytd, float(b.energy_tce)),
                "co2": projection(a["co2_t"], ytd, float(b.co2_t)),
                "is_demo": b.is_demo,
                "snapshot": closing.version if closing is not None else None,
            }
        )
    return out


def closed_periods_ending_after(*, park: Park, instant: datetime) -> list[str]:
    """Labels of the park's closed periods that end after `instant` (what a change effective
    from then reaches), oldest first."""
    closings = PeriodClose.objects.filter(park=park, current=True).values_list(
        "level", "period_start"
    )
    ends = [period(level, start, park.timezone) for level, start in closings]
    return [
        per.label for per in sorted(ends, key=lambda p: (p.start, p.level)) if per.end > instant
    ]
