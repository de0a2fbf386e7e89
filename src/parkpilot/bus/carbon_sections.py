"""The digital bus's line on the carbon pages and in the 碳体检报告: staff commuting (通勤).

An enterprise's staff who rode its commute passes in the period (bookings boarded, on
departures leaving inside it) travelled rides x course length passenger-km. By bus that emits
passenger-km x BUS_KG_PER_PKM; the same trips driven alone, one person per car, would have
emitted passenger-km x CAR_KG_PER_KM; the difference is what the bus saved.

Declared on BusConfig as a carbon page section and a report section (parkpilot.plugins); the
carbon app knows nothing of the bus, and this module knows of carbon only the period it is
handed (`.start`, `.end`, `.label`).

A course's length is the sum of great-circle distances between its consecutive stops: the
feed keeps no GTFS shapes, so the road is longer and the figures err low, not high. A booking
names no boarding stop, so a ride counts the whole course (the express lines run from the
metro station or hub to the enterprise)."""

import math
from collections import defaultdict

from django.db.models import Count
from django.utils.translation import gettext, pgettext

from parkpilot.bus.models import Booking, BookingStatus, StopTime
from parkpilot.tenancy import access
from parkpilot.tenancy.actors import system_actor

# Emission factors: kgCO2 per passenger-km by bus, and per car-km (one person driving alone),
# from DEFRA (UK), "Greenhouse Gas Conversion Factors for Company Reporting" (2007): Table 8,
# "Bus", 0.0891 kgCO2/passenger-km; Table 6, the combined average of petrol and diesel cars,
# 0.2042 kgCO2/vehicle-km. No Chinese per-passenger-km factors of this kind are published for
# the park's buses, so these stand in for them and are marked 演示数据 wherever shown; a park
# with its own measured figures replaces these two numbers (and FACTORS_ARE_DEMO).
BUS_KG_PER_PKM = 0.0891
CAR_KG_PER_KM = 0.2042
FACTOR_SOURCE = (
    "DEFRA (2007) Greenhouse Gas Conversion Factors for Company Reporting, Tables 6 and 8"
)
FACTORS_ARE_DEMO = True

EARTH_RADIUS_KM = 6371.0088  # the IUGG mean Earth radius


def great_circle_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Haversine distance between two (lat, lon) points in degrees, WGS84 on a sphere."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def course_km(trip_ids) -> dict[int, float]:
    """Each trip's course length (km), its stops in sequence, in one read."""
    rows = (
        StopTime.objects.filter(trip_id__in=list(trip_ids))
        .order_by("trip_id", "sequence")
        .values_list("trip_id", "stop__lat", "stop__lon")
    )
    km: dict[int, float] = defaultdict(float)
    last: dict[int, tuple[float, float]] = {}
    for trip_id, lat, lon in rows:
        here = (float(lat), float(lon))
        if trip_id in last:
            km[trip_id] += great_circle_km(last[trip_id], here)
        last[trip_id] = here
    return dict(km)


def commuting(rides, per) -> dict | None:
    """The figures of the boarded bookings `rides` (a queryset already scoped) in the period;
    None when nobody rode."""
    counted = (
        rides.filter(
            status=BookingStatus.BOARDED,
            departure__departs_at__gte=per.start,
            departure__departs_at__lt=per.end,
        )
        .values("departure__trip_id", "departure__trip__line__short_name")
        .annotate(rides=Count("id"))
        .order_by("departure__trip__line__short_name", "departure__trip_id")
    )
    counted = list(counted)
    if not counted:
        return None
    km = course_km(r["departure__trip_id"] for r in counted)
    by_line: dict[str, list[float]] = {}
    for r in counted:
        line = by_line.setdefault(r["departure__trip__line__short_name"], [0, 0.0])
        line[0] += r["rides"]
        line[1] += r["rides"] * km.get(r["departure__trip_id"], 0.0)
    lines = [_figures(name, n, pkm) for name, (n, pkm) in by_line.items()]
    total = _figures(
        pgettext("commuting", "Total"), sum(x["rides"] for x in lines),
        sum(x["passenger_km"] for x in lines),
    )  # fmt: skip
    names = {
        "rides": pgettext("commuting", "Rides"),
        "passenger_km": pgettext("commuting", "Passenger-km"),
        "bus_co2_t": pgettext("commuting", "By bus (tCO2)"),
        "car_co2_t": pgettext("commuting", "Driving alone (tCO2)"),
        "avoided_co2_t": pgettext("commuting", "Avoided (tCO2)"),
    }
    units = {"rides": "", "passenger_km": "km"}
    return {
        "period": per.label,
        "lines": lines,
        "total": total,
        "factors": {
            "bus_kg_per_pkm": BUS_KG_PER_PKM,
            "car_kg_per_km": CAR_KG_PER_KM,
            "source": FACTOR_SOURCE,
            "demo": FACTORS_ARE_DEMO,
        },
        # What the report reads (plugins.ReportSection): its sheet, its figures, its demo input.
        "columns": [gettext("Line"), *names.values()],
        "rows": [[x["line"], *(x[key] for key in names)] for x in [*lines, total]],
        "figures": [
            {"key": key, "name": name, "unit": units.get(key, "tCO2"), "value": total[key]}
            for key, name in names.items()
        ],
        "demo": gettext("commuting emission factors (bus, car)") if FACTORS_ARE_DEMO else "",
    }


def _figures(line: str, rides: int, pkm: float) -> dict:
    bus, car = pkm * BUS_KG_PER_PKM / 1000, pkm * CAR_KG_PER_KM / 1000
    return {
        "line": line,
        "rides": rides,
        "passenger_km": round(pkm, 3),
        "bus_co2_t": round(bus, 6),
        "car_co2_t": round(car, 6),
        "avoided_co2_t": round(car - bus, 6),
    }


# --- the declarations' context functions (BusConfig) ---------------------------------------


def report_section(*, enterprise, per) -> dict | None:
    """The 碳体检报告's commuting section: the enterprise's staff's rides, read as the park's
    system actor (a report is issued by the system, for that park only)."""
    system = system_actor(enterprise.park, "bus.commuting")
    return commuting(access.scoped(system, Booking).filter(enterprise=enterprise), per)


def enterprise_page_section(user, *, park, enterprise, per) -> dict | None:
    """The enterprise's own carbon page: its staff's rides, as far as this user reads them."""
    if enterprise is None:
        return None
    return commuting(access.scoped(user, Booking).filter(enterprise=enterprise), per)


def park_page_section(user, *, park, per) -> dict | None:
    """The park's carbon page: every enterprise's staff's rides of the park."""
    rides = access.scoped(user, Booking).filter(park=park, enterprise__isnull=False)
    return commuting(rides, per)
