"""Reads of the buses on the road: which trip a bus is running, and when it reaches the stops
ahead (bus/eta.py), from its latest fresh GPS fix. Through the access rule like every read."""

import datetime

from django.db.models import Max, Min
from django.utils import timezone

from parkpilot.bus import eta
from parkpilot.bus.models import Stop, StopTime, Trip, Vehicle, VehiclePosition
from parkpilot.bus.selectors import runs_on
from parkpilot.tenancy import access
from parkpilot.tenancy.actors import system_actor

FRESH = datetime.timedelta(minutes=5)  # an older fix says nothing of where the bus is now


def running_trip(vehicle: Vehicle, at: datetime.datetime) -> tuple[Trip, datetime.date] | None:
    """The trip `vehicle` is timetabled to run at `at` (within eta.RUNNING_SLACK of its first
    departure and last arrival) and its service day; the nearest in time if several."""
    trips = Trip.objects.filter(vehicle=vehicle).select_related("service")
    spans = trips.annotate(
        first_s=Min("stop_times__departure_s"), last_s=Max("stop_times__arrival_s")
    )
    local = timezone.localtime(at, eta.TZ).date()
    best = None
    for trip in spans:
        if trip.first_s is None:
            continue
        for day in (local, local - datetime.timedelta(days=1)):  # GTFS times pass 24:00
            midnight = eta.service_midnight(day)
            start = midnight + datetime.timedelta(seconds=trip.first_s) - eta.RUNNING_SLACK
            end = midnight + datetime.timedelta(seconds=trip.last_s) + eta.RUNNING_SLACK
            if start <= at <= end and runs_on(trip.service, day):
                gap = abs((at - (start + (end - start) / 2)).total_seconds())
                if best is None or gap < best[0]:
                    best = (gap, trip, day)
    return (best[1], best[2]) if best else None


def timed_stops(trip: Trip) -> list[eta.TimedStop]:
    rows = StopTime.objects.filter(trip=trip).select_related("stop").order_by("sequence")
    return [
        eta.TimedStop(
            sequence=r.sequence, stop_id=r.stop.gtfs_id, name=r.stop.name,
            lat=float(r.stop.lat), lon=float(r.stop.lon), arrival_s=r.arrival_s,
            departure_s=r.departure_s,
        )
        for r in rows
    ]  # fmt: skip


def estimates(*, user, now=None) -> list[tuple[VehiclePosition, datetime.date, eta.Estimate]]:
    """Each bus's latest fresh fix on a trip, with the trip's delay and the stops ahead."""
    now = now or timezone.now()
    fixes = (
        access.scoped(user, VehiclePosition)
        .filter(at__gte=now - FRESH, at__lte=now, trip__isnull=False)
        .select_related("vehicle", "trip")
        .order_by("vehicle_id", "-at")
    )
    latest: dict[int, VehiclePosition] = {}
    for fix in fixes:
        latest.setdefault(fix.vehicle_id, fix)
    found = []
    for fix in latest.values():
        run = running_trip(fix.vehicle, fix.at)
        if run is None or run[0].pk != fix.trip_id:
            continue  # the trip it ran has ended
        day = run[1]
        stops = timed_stops(fix.trip)
        found.append((fix, day, eta.estimate(stops, day, float(fix.lat), float(fix.lon), fix.at)))
    return found


def stop_get(*, user, stop_id: int) -> Stop:
    return access.get_for(user, Stop.objects.all(), stop_id)


def stop_arrivals(*, user, stop_id: int, now=None) -> list[dict]:
    """The buses expected at a stop, soonest first: line, headsign, timetabled and expected
    time, delay. Whoever may read the stop (the park's published network) reads when its buses
    come, not where they are: the fixes are read as the park's system actor."""
    stop = stop_get(user=user, stop_id=stop_id)
    arrivals = []
    for fix, _day, estimate in estimates(user=system_actor(stop.park), now=now):
        for ahead in estimate.ahead:
            if ahead.stop.stop_id == stop.gtfs_id:
                arrivals.append({
                    "trip": fix.trip, "vehicle": fix.vehicle.code, "scheduled": ahead.scheduled,
                    "expected": ahead.expected, "delay_min": round(estimate.delay_s / 60),
                })  # fmt: skip
    return sorted(arrivals, key=lambda row: row["expected"])


def live_buses_geojson(*, user, now=None) -> dict:
    """Each bus's latest fix of the last FRESH minutes (the network readers' positions), as
    features for the shared map: a dot at the bus, named by its fleet number and line."""
    from parkpilot.bus.selectors import _dot

    now = now or timezone.now()
    fixes = (
        access.scoped(user, VehiclePosition)
        .filter(at__gte=now - FRESH, at__lte=now)
        .select_related("vehicle", "trip__line")
        .order_by("vehicle_id", "-at", "-pk")
    )
    latest: dict[int, VehiclePosition] = {}
    for fix in fixes:
        latest.setdefault(fix.vehicle_id, fix)
    features = []
    for fix in sorted(latest.values(), key=lambda f: f.vehicle.code):
        line = fix.trip.line.short_name if fix.trip_id else ""
        features.append(
            {
                "type": "Feature",
                "geometry": _dot(float(fix.lon), float(fix.lat), metres=90),
                "properties": {
                    "kind": "bus_vehicle",
                    "name": f"{fix.vehicle.code} {line}".strip(),
                    "fill": "#d9480f",
                    "at": timezone.localtime(fix.at).strftime("%H:%M:%S"),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
