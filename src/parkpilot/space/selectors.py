"""Reads of land and space, through the access rule. Occupancy is computed from the leases in
force at a date (start ≤ day ≤ end, end open when null), never stored."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, F, OuterRef, Q, Subquery, Sum

from parkpilot.carbon import selectors as carbon
from parkpilot.economy import selectors as economy
from parkpilot.space import mujun
from parkpilot.space.models import Building, Emissions, Floor, Lease, MujunScheme, Parcel, Unit
from parkpilot.tenancy import access
from parkpilot.tenancy.actors import system_actor
from parkpilot.tenancy.errors import NotFound
from parkpilot.tenancy.models import Enterprise, Park

PCT = Decimal("0.1")
RATIO = Decimal("0.01")


def in_force(day: date) -> Q:
    """Leases in force on `day`, as a filter on Lease."""
    return Q(start__lte=day) & (Q(end__isnull=True) | Q(end__gte=day))


def parcel_list(*, user):
    return access.scoped(user, Parcel).select_related("zone", "enterprise").order_by("code")


def parcel_get(*, user, parcel_id: int) -> Parcel:
    return access.get_for(user, Parcel, parcel_id)


def building_list(*, user):
    return access.scoped(user, Building).order_by("parcel__code", "name")


def building_get(*, user, building_id: int) -> Building:
    return access.get_for(user, Building.objects.select_related("parcel"), building_id)


def _pct(part: Decimal, whole: Decimal) -> Decimal | None:
    return (part * 100 / whole).quantize(PCT, ROUND_HALF_UP) if whole else None


def occupancy(*, user, building: Building, day: date) -> dict:
    """The building's occupancy on `day` by area (let m² / leasable m²), in total and per floor,
    each summed in the database: one grouped query for the floors' units, one for the leases
    in force (a unit's leases never overlap, so a unit let counts once). The units themselves
    are `floor_units`, one floor at a time."""
    if not access.scoped(user, Building).filter(pk=building.pk).exists():
        raise NotFound
    leasable = (
        Unit.objects.filter(floor__building=building)
        .values("floor__number")
        .annotate(units=Count("id"), m2=Sum("area_m2"))
    )
    let = {
        r["unit__floor__number"]: r
        for r in Lease.objects.filter(in_force(day), unit__floor__building=building)
        .values("unit__floor__number")
        .annotate(units=Count("id"), m2=Sum("unit__area_m2"))
    }
    floors = []
    for f in leasable.order_by("floor__number"):
        number = f["floor__number"]
        let_f = let.get(number, {"units": 0, "m2": Decimal(0)})
        floors.append(
            {"number": number, "units": f["units"], "let_units": let_f["units"],
             "leasable_m2": f["m2"], "let_m2": let_f["m2"],
             "occupancy_pct": _pct(let_f["m2"], f["m2"])}
        )  # fmt: skip
    let_m2 = sum((f["let_m2"] for f in floors), Decimal(0))
    leasable_m2 = sum((f["leasable_m2"] for f in floors), Decimal(0))
    return {
        "day": day,
        "floors": floors,
        "units": sum(f["units"] for f in floors),
        "let_units": sum(f["let_units"] for f in floors),
        "let_m2": let_m2,
        "leasable_m2": leasable_m2,
        "vacant_m2": leasable_m2 - let_m2,
        "occupancy_pct": _pct(let_m2, leasable_m2),
        "vacancy_pct": None if not leasable_m2 else Decimal(100) - _pct(let_m2, leasable_m2),
    }


def floor_units(*, user, building: Building, number: int, day: date) -> list[dict]:
    """One floor's units in code order, each with its tenant on `day` (None when vacant):
    the drill-down of `occupancy`. NotFound for a floor the building does not have."""
    if not access.scoped(user, Building).filter(pk=building.pk).exists():
        raise NotFound
    floor = Floor.objects.filter(building=building, number=number).first()
    if floor is None:
        raise NotFound
    tenant = Lease.objects.filter(in_force(day), unit=OuterRef("pk")).values("enterprise__name")
    units = floor.units.annotate(tenant=Subquery(tenant[:1])).order_by("code")
    return list(units.values("id", "code", "area_m2", "tenant"))


def floor_area_ratios(*, user) -> list[dict]:
    """The 工业上楼 view: each parcel's achieved floor-area ratio (its buildings' floor area over
    its land area) beside the planned one."""
    parcels = parcel_list(user=user)
    built = dict(
        Floor.objects.filter(building__parcel__in=parcels)
        .values("building__parcel")
        .annotate(m2=Sum("area_m2"))
        .values_list("building__parcel", "m2")
    )
    out = []
    for p in parcels:
        floor_m2 = built.get(p.pk, Decimal(0))
        achieved = (floor_m2 / p.area_m2).quantize(RATIO, ROUND_HALF_UP)
        reached = p.planned_far is not None and achieved >= p.planned_far
        out.append(
            {"parcel": p, "floor_m2": floor_m2, "achieved_far": achieved,
             "planned_far": p.planned_far, "reached": reached}
        )  # fmt: skip
    return out


def parcel_vacancy(*, user, day: date) -> dict[int, Decimal | None]:
    """Per parcel the vacancy of its buildings' units on `day` (% of leasable m² not let; None
    for a parcel with no units): two grouped queries, as `occupancy` for one building."""
    parcels = parcel_list(user=user)
    key = "floor__building__parcel"
    leasable = dict(
        Unit.objects.filter(**{f"{key}__in": parcels}).values(key)
        .annotate(m2=Sum("area_m2")).values_list(key, "m2")
    )  # fmt: skip
    let = dict(
        Lease.objects.filter(in_force(day), **{f"unit__{key}__in": parcels})
        .values(f"unit__{key}").annotate(m2=Sum("unit__area_m2"))
        .values_list(f"unit__{key}", "m2")
    )  # fmt: skip
    return {
        parcel_id: Decimal(100) - _pct(let.get(parcel_id, Decimal(0)), m2)
        for parcel_id, m2 in leasable.items()
        if m2
    }


def building_units(*, user, building: Building, day: date) -> list[dict]:
    """The building's floors, each with its units and the lease in force on `day` (for the
    entry page, where staff add units, let them and end leases): three queries."""
    if not access.scoped(user, Building).filter(pk=building.pk).exists():
        raise NotFound
    floors = {f.pk: {"floor": f, "units": []} for f in building.floors.order_by("number")}
    leases = {
        lease.unit_id: lease
        for lease in Lease.objects.filter(
            in_force(day), unit__floor__building=building
        ).select_related("enterprise")
    }
    for unit in Unit.objects.filter(floor__building=building).order_by("code"):
        floors[unit.floor_id]["units"].append({"unit": unit, "lease": leases.get(unit.pk)})
    return list(floors.values())


def unit_get(*, user, unit_id) -> Unit:
    return access.get_for(user, Unit.objects.select_related("floor__building"), unit_id)


def floor_get(*, user, floor_id) -> Floor:
    return access.get_for(user, Floor.objects.select_related("building"), floor_id)


def lease_get(*, user, lease_id) -> Lease:
    return access.get_for(user, Lease.objects.select_related("unit__floor__building"), lease_id)


def emissions_list(*, user, park: Park, year: int):
    return (
        access.scoped(user, Emissions)
        .filter(park=park, year=year)
        .select_related("enterprise")
        .order_by("enterprise__name")
    )


def lease_list(*, user, enterprise_id: int | None = None):
    leases = access.scoped(user, Lease).select_related("unit__floor__building", "enterprise")
    if enterprise_id is not None:
        leases = leases.filter(enterprise_id=enterprise_id)
    return leases.order_by("start", "id")


# --- 亩均效益 ------------------------------------------------------------------------------


def scheme_get(*, park: Park, year: int) -> MujunScheme | None:
    return MujunScheme.objects.filter(park=park, year=year).first()


def latest_scheme_year(*, park: Park) -> int:
    """The year the ranking page opens on: the latest evaluated, else last year."""
    year = MujunScheme.objects.filter(park=park).order_by("-year").values_list("year", flat=True)
    return year.first() or date.today().year - 1


def land_m2(*, park: Park, day: date) -> dict[int, Decimal]:
    """Each enterprise's land on `day` (m²): the parcels it holds, and for a tenant its leased
    floor area's share of its building's parcel (工业上楼: floor area / building floor area ×
    parcel area)."""
    out: dict[int, Decimal] = {}
    owned = Parcel.objects.filter(park=park, enterprise__isnull=False)
    for eid, area in owned.values_list("enterprise_id", "area_m2"):
        out[eid] = out.get(eid, Decimal(0)) + area
    floor_m2 = dict(
        Floor.objects.filter(building__park=park)
        .values("building")
        .annotate(m2=Sum("area_m2"))
        .values_list("building", "m2")
    )
    leased = (
        Lease.objects.filter(in_force(day), unit__floor__building__park=park)
        .values("enterprise_id", "unit__floor__building", "unit__floor__building__parcel__area_m2")
        .annotate(m2=Sum("unit__area_m2"))
    )
    for r in leased:
        building = r["unit__floor__building"]
        share = r["m2"] * r["unit__floor__building__parcel__area_m2"] / floor_m2[building]
        out[r["enterprise_id"]] = out.get(r["enterprise_id"], Decimal(0)) + share
    return out


def mujun_inputs(*, park: Park, year: int) -> list[mujun.Inputs]:
    """The stored inputs of a year's evaluation, for every enterprise with land and value
    added: land at the year's end, the year's economy figures, the carbon accounts' tce and
    tCO2 of the year, and the year's pollutant emissions."""
    reader = system_actor(park, "space")
    land = land_m2(park=park, day=date(year, 12, 31))
    econ = {
        r["enterprise_id"]: r
        for r in economy.monthly_list(user=reader, year=year)
        .filter(park=park)
        .order_by()
        .values("enterprise_id")
        .annotate(va=Sum("value_added"), tax=Sum("tax"), revenue=Sum("revenue"),
                  rnd=Sum("rnd_spending"), employees=Avg("employees"))
    }  # fmt: skip
    per = carbon.period("1y", date(year, 1, 1), park.timezone)
    accounts = carbon.period_accounts(user=carbon.system_reader(park), park=park, per=per)
    emissions = dict(
        Emissions.objects.filter(park=park, year=year)
        .annotate(pollutant_t=F("cod_t") + F("nh3n_t") + F("so2_t") + F("nox_t"))
        .values_list("enterprise_id", "pollutant_t")
    )
    industries = dict(Enterprise.objects.filter(park=park).values_list("id", "industry_code"))
    rows = []
    for eid, area in sorted(land.items()):
        e = econ.get(eid)
        if not area or e is None or e["va"] is None:
            continue
        account = accounts.enterprises.get(eid)
        rows.append(
            mujun.Inputs(
                enterprise_id=eid, land_m2=area, value_added=e["va"], tax=e["tax"],
                revenue=e["revenue"], rnd=e["rnd"],
                employees=None if e["employees"] is None else Decimal(str(e["employees"])),
                tce=_decimal(account.tce) if account else None,
                co2_t=_decimal(account.co2_t) if account else None,
                pollutant_t=emissions.get(eid), industry_code=industries.get(eid) or "",
            )
        )  # fmt: skip
    return rows


def _decimal(value: float) -> Decimal:
    return Decimal(str(value))


def mujun_year(*, user, park: Park, year: int) -> list[dict]:
    """The year's evaluation as this user may read it: park staff every enterprise, an
    enterprise its own row only. Ranked by score."""
    scheme = scheme_get(park=park, year=year)
    if scheme is None:
        return []
    results = mujun.evaluate(mujun_inputs(park=park, year=year), scheme.weights, scheme.cutoffs,
                             scheme.cap, scheme.sector_rules)  # fmt: skip
    if not access.whole_park(user, Emissions, park.pk):
        own = (
            getattr(user, "enterprise_id", None)
            if access.can(user, access.READ, Emissions)
            else None
        )
        results = {k: v for k, v in results.items() if k == own and user.park_id == park.pk}
    names = dict(Enterprise.objects.filter(park=park).values_list("id", "name"))
    rows = [{"enterprise_id": eid, "name": names[eid], **r} for eid, r in results.items()]
    return sorted(rows, key=lambda r: r["rank"])


def mujun_for(*, user, park: Park, year: int, enterprise_id: int) -> dict:
    """One enterprise's evaluation; NotFound for anyone else's (or none that year)."""
    for row in mujun_year(user=user, park=park, year=year):
        if row["enterprise_id"] == enterprise_id:
            return row
    raise NotFound
