"""Reads of land and space, through the access rule. Occupancy is computed from the leases in
force at a date (start ≤ day ≤ end, end open when null), never stored."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Exists, OuterRef, Q, Sum

from parkpilot.space.models import Building, Floor, Lease, Parcel, Unit
from parkpilot.tenancy import access
from parkpilot.tenancy.errors import NotFound

PCT = Decimal("0.1")
RATIO = Decimal("0.01")


def in_force(day: date) -> Q:
    """Leases in force on `day`, as a filter on Lease."""
    return Q(start__lte=day) & (Q(end__isnull=True) | Q(end__gte=day))


def parcel_list(*, user):
    return access.scoped(user, Parcel).select_related("zone", "enterprise").order_by("code")


def parcel_get(*, user, parcel_id: int) -> Parcel:
    return access.get_for(user, Parcel, parcel_id)


def building_get(*, user, building_id: int) -> Building:
    return access.get_for(user, Building.objects.select_related("parcel"), building_id)


def _pct(part: Decimal, whole: Decimal) -> Decimal | None:
    return (part * 100 / whole).quantize(PCT, ROUND_HALF_UP) if whole else None


def occupancy(*, user, building: Building, day: date) -> dict:
    """Each unit of the building let or vacant on `day`, and the floors' and building's
    occupancy by area (let m² / leasable m²)."""
    if not access.scoped(user, Building).filter(pk=building.pk).exists():
        raise NotFound
    leases = Lease.objects.filter(in_force(day), unit=OuterRef("pk"))
    units = (
        Unit.objects.filter(floor__building=building)
        .annotate(let=Exists(leases))
        .order_by("floor__number", "code")
        .values("id", "code", "area_m2", "floor__number", "let")
    )
    tenants = dict(
        Lease.objects.filter(in_force(day), unit__floor__building=building).values_list(
            "unit_id", "enterprise__name"
        )
    )
    floors: dict[int, dict] = {}
    for u in units:
        number = u["floor__number"]
        empty = {"number": number, "units": [], "let_m2": Decimal(0), "leasable_m2": Decimal(0)}
        f = floors.setdefault(number, empty)
        f["units"].append({**u, "tenant": tenants.get(u["id"])})
        f["leasable_m2"] += u["area_m2"]
        if u["let"]:
            f["let_m2"] += u["area_m2"]
    let = sum((f["let_m2"] for f in floors.values()), Decimal(0))
    leasable = sum((f["leasable_m2"] for f in floors.values()), Decimal(0))
    for f in floors.values():
        f["occupancy_pct"] = _pct(f["let_m2"], f["leasable_m2"])
    return {
        "day": day,
        "floors": list(floors.values()),
        "let_m2": let,
        "leasable_m2": leasable,
        "vacant_m2": leasable - let,
        "occupancy_pct": _pct(let, leasable),
        "vacancy_pct": None if not leasable else Decimal(100) - _pct(let, leasable),
    }


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


def lease_list(*, user, enterprise_id: int | None = None):
    leases = access.scoped(user, Lease).select_related("unit__floor__building", "enterprise")
    if enterprise_id is not None:
        leases = leases.filter(enterprise_id=enterprise_id)
    return leases.order_by("start", "id")
