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

from parkpilot.carbon import accounting, grading
from parkpilot.carbon.factors import FactorSet
from parkpilot.carbon.models import (
    AccountScope,
    Alert,
    Budget,
    CarbonAccount,
    EmissionFactor,
    IndustryAverage,
    Level,
    Report,
    ReportBatch,
    YearSettings,
)
from parkpilot.carbon.periods import Period, period
from parkpilot.economy import selectors as economy
from parkpilot.energy import selectors_carbon as energy
from parkpilot.gcpause import gc_paused
from parkpilot.tenancy import access
from parkpilot.tenancy import selectors as tenancy
from parkpilot.tenancy.errors import NotFound, ValidationFailed
from parkpilot.tenancy.models import Enterprise, Park, User, Zone
from parkpilot.tenancy.roles import PARK_ROLES, Role
from parkpilot.tenancy.selectors import EnterpriseFacts


def system_reader(park: Park) -> User:
    """Who scheduled work reads as: the whole park, nothing else (never saved)."""
    return User(
        username="system", is_superuser=True, is_active=True, park=park, role=Role.PARK_ADMIN
    )


def is_park_reader(user) -> bool:
    return user.is_superuser or user.role in PARK_ROLES


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
        eid: metered[eid] if eid in metered else accounting.account({}, 0.0, 0, 0.0, factors)
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
        raise ValidationFailed.single("scope", "须为 park/zone/enterprise/public / unknown scope")


def account_view(*, user, park: Park, scope: str, scope_id: int, per: Period) -> dict:
    """One figure: the stored account when the period is closed, else computed live."""
    _authorize_scope(user, park, scope, scope_id)
    stored = (
        access.scoped(user, CarbonAccount)
        .filter(
            park=park,
            scope=scope,
            scope_id=scope_id,
            level=per.level,
            period_start=per.start.date(),
        )
        .first()
    )
    if stored is not None:
        return {
            "scope": scope,
            "scope_id": scope_id,
            "period": per.label,
            "level": per.level,
            "stored": True,
            "computed_at": stored.computed_at.isoformat(),
            "figures": stored.figures,
            "factor_ids": stored.factor_ids,
        }
    live = live_accounts(user=_reader_for(user, park, scope), park=park, per=per)
    figures = live.scope(scope, scope_id).figures()
    return {
        "scope": scope,
        "scope_id": scope_id,
        "period": per.label,
        "level": per.level,
        "stored": False,
        "computed_at": None,
        "figures": figures,
        "factor_ids": accounting.factor_ids(figures),
    }


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
    return access.scoped(user, CarbonAccount).filter(
        park=park, level=per.level, period_start=per.start.date()
    )


# --- economy and intensities ---------------------------------------------------------------


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
            access.scoped(user, Enterprise)
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
    qs = access.scoped(user, Alert).filter(park_id=park_id).select_related("enterprise")
    if open_only:
        qs = qs.filter(acknowledged_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def alert_get(*, user, alert_id: int) -> Alert:
    return access.get_for(user, Alert, alert_id)


# --- reports -------------------------------------------------------------------------------


def report_list(*, user, park_id: int, year: int | None = None) -> QuerySet:
    qs = (
        access.scoped(user, Report)
        .filter(park_id=park_id)
        .select_related("enterprise")
        .defer("pdf", "xlsx", "content")
    )
    if year is not None:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "-month", "enterprise_id")


def report_get(*, user, report_id: int) -> Report:
    return access.get_for(user, Report.objects.select_related("enterprise"), report_id)


def batch_get(*, user, batch_id: int) -> ReportBatch:
    return access.get_for(user, ReportBatch, batch_id)


def month_period(park: Park, year: int, month: int) -> Period:
    return period(Level.MONTH, date(year, month, 1), park.timezone)


def enterprise_grade(*, user, park: Park, enterprise: Enterprise, per: Period) -> dict:
    """One enterprise's four indicators, intensities, level, grade and anonymised ranking."""
    view = account_view(
        user=user, park=park, scope=AccountScope.ENTERPRISE, scope_id=enterprise.pk, per=per
    )
    system = system_reader(park)
    econ = economics(user=system, park=park, per=per)
    out = {
        "enterprise_id": enterprise.pk,
        "period": per.label,
        "level": per.level,
        "indicators": intensities(
            view["figures"]["tce"],
            view["figures"]["co2_t"],
            econ.get(enterprise.pk),
            enterprise.floor_area_m2,
        ),
        "grade": None,
        "peers": [],
        "grade_error": "",
    }
    try:
        acc = live_accounts(user=system, park=park, per=per)
        table = grades(park=park, accounts=acc, econ=econ)
    except ValidationFailed as exc:
        out["grade_error"] = str(exc)
        return out
    mine = table[enterprise.pk]
    keys = ("grade", "level", "k", "why", "industry_code", "industry_average", "rank",
            "rank_of", "park_industry_average", "settings_demo",
            "industry_average_demo")  # fmt: skip
    out["grade"] = {k: mine.get(k) for k in keys}
    if mine.get("rank"):
        names = {eid: m.name for eid, m in acc.meta.items()}
        out["peers"] = ranking_for(table, enterprise.pk, names)
    return out


def grade_table(*, user, park: Park, per: Period) -> list[dict]:
    acc = live_accounts(user=user, park=park, per=per)
    table = grades(park=park, accounts=acc, econ=economics(user=user, park=park, per=per))
    return [
        {"enterprise_id": eid, "name": acc.meta[eid].name, **row}
        for eid, row in sorted(table.items())
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
    end = period(Level.MONTH, date(year, min(max(month, 1), 12), 1), park.timezone).end
    end = max(start, min(end, now or timezone.now()))
    ytd = Period(Level.YEAR, start, end)
    acc = live_accounts(user=system_reader(park), park=park, per=ytd)
    out = []
    for b in budgets:
        a = acc.park() if b.enterprise_id is None else acc.enterprise(b.enterprise_id)
        out.append(
            {
                "id": b.pk,
                "enterprise_id": b.enterprise_id,
                "name": b.enterprise.name if b.enterprise else park.name,
                "year": year,
                "through": f"{year}-{month:02d}",
                "energy": projection(a.tce, ytd, float(b.energy_tce)),
                "co2": projection(a.co2_t, ytd, float(b.co2_t)),
                "is_demo": b.is_demo,
            }
        )
    return out
