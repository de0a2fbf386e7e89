"""Reads of the digital bus, always through the access rule. A rider reads their own bookings
through `my_bookings` (the row names them); staff, dispatchers, drivers and enterprises read
bookings through `access.scoped`."""

import datetime
import io
import math
from zoneinfo import ZoneInfo

import segno
from django.db.models import Case, Count, F, OuterRef, Q, Subquery, Sum, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from parkpilot import workcalendar
from parkpilot.bus import drt, metro
from parkpilot.bus.errors import ErrorCode
from parkpilot.bus.models import (
    HOLDS_A_SEAT,
    Booking,
    BookingStatus,
    BrokenConnection,
    DayRule,
    DemandDay,
    DemandRequest,
    DemandStatus,
    DemandZone,
    Departure,
    Line,
    MetroArrival,
    MetroDelay,
    ServiceCalendar,
    Stop,
    StopKind,
    StopTime,
    Trip,
    Vehicle,
)
from parkpilot.plugins import TileData
from parkpilot.stored_text import shown, stored
from parkpilot.tenancy import access
from parkpilot.tenancy import selectors as tenancy
from parkpilot.tenancy.errors import NotFound, ValidationFailed
from parkpilot.tenancy.models import User
from parkpilot.tenancy.roles import ENTERPRISE_ROLES

TZ = ZoneInfo("Asia/Shanghai")


def runs_on(service: ServiceCalendar, day: datetime.date) -> bool:
    """Whether a service calendar runs that day: working days are the Chinese calendar's
    (holidays off, make-up weekend days on), within the calendar's dates."""
    if not service.start_date <= day <= service.end_date:
        return False
    if service.rule == DayRule.EVERY_DAY:
        return True
    working = workcalendar.is_working_day(day)
    return working if service.rule == DayRule.WORKING_DAYS else not working


def hhmm(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


# --- the network ----------------------------------------------------------------------------


def published_trips(*, user):
    """The timetabled trips (a demand-responsive run of an accepted day is not one)."""
    return access.scoped(user, Trip).filter(demand_day__isnull=True)


def lines(*, user):
    return access.scoped(user, Line).select_related("agency").order_by("kind", "short_name")


def line_summary(*, user) -> list[dict]:
    """Each line with its trips and stops, for the network page."""
    rows = []
    trips = published_trips(user=user).values("line_id").annotate(n=Count("id"))
    per_line = {r["line_id"]: r["n"] for r in trips}
    for line in lines(user=user):
        first = published_trips(user=user).filter(line=line).order_by("starts_s").first()
        stops = (
            [st.stop.name for st in first.stop_times.select_related("stop").order_by("sequence")]
            if first
            else []
        )
        rows.append({"line": line, "trips": per_line.get(line.pk, 0), "stops": stops})
    return rows


def trip_get(*, user, trip_id: int) -> Trip:
    return access.get_for(
        user, published_trips(user=user).select_related("line", "service", "vehicle"), trip_id
    )


def timetable(
    *, user, day: datetime.date, line_id: int | None = None, after_s: int = 0
) -> list[dict]:
    """The bookable trips running that day (leaving at `after_s` seconds after midnight or
    later), with free seats (a departure not yet booked has all its vehicle's seats)."""
    trips = (
        published_trips(user=user)
        .filter(line__bookable=True)
        .select_related("line", "service", "vehicle")
        .order_by("starts_s", "line__short_name")
    )
    if line_id:
        trips = trips.filter(line_id=line_id)
    if after_s:
        trips = trips.filter(starts_s__gte=after_s)
    booked = {d.trip_id: d for d in access.scoped(user, Departure).filter(day=day, trip__in=trips)}
    rows = []
    for trip in trips:
        if not runs_on(trip.service, day):
            continue
        departure = booked.get(trip.pk)
        seats = departure.seats if departure else (trip.vehicle.seats if trip.vehicle else 0)
        taken = departure.booked if departure else 0
        rows.append(
            {"trip": trip, "time": hhmm(trip.starts_s), "seats": seats, "free": seats - taken}
        )
    return rows


def stops(*, user):
    return access.scoped(user, Stop).order_by("gtfs_id")


def network_geojson(*, user) -> dict:
    """Lines (as the stop sequence of their first trip) and stops as one FeatureCollection for
    the shared map component (templates/components/park_map.html)."""
    features = []
    demo = False
    for line in lines(user=user):
        first = (
            published_trips(user=user).filter(line=line).order_by("direction", "starts_s").first()
        )
        if first is None:
            continue
        points = [
            [float(st.stop.lon), float(st.stop.lat)]
            for st in first.stop_times.select_related("stop").order_by("sequence")
        ]
        if len(points) >= 2:
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": points},
                    "properties": {
                        "kind": "bus_line",
                        "name": line.short_name,
                        "color": f"#{line.color}",
                    },
                }
            )
        demo |= line.is_demo
    for stop in stops(user=user):
        features.append(
            {
                "type": "Feature",
                "geometry": _dot(float(stop.lon), float(stop.lat)),
                "properties": {"kind": f"bus_{stop.kind}", "name": stop.name},
            }
        )
        demo |= stop.is_demo
    for zone in access.scoped(user, DemandZone):
        features.append(
            {
                "type": "Feature",
                "geometry": zone.outline,
                "properties": {"kind": "zone", "name": zone.name},
            }
        )
    park = tenancy.park_of(user)
    outline = tenancy.park_map(user=user, park=park) if park else None
    if outline:
        features = outline["features"] + features
        demo |= outline["demo"]
    return {"type": "FeatureCollection", "features": features, "demo": demo}


def _dot(lon: float, lat: float, metres: float = 60) -> dict:
    """A stop as a small octagon, so the shared map draws and labels it like an outline."""
    dlat = metres / 111_320
    dlon = dlat / math.cos(math.radians(lat))
    ring = [
        [round(lon + dlon * math.cos(a), 6), round(lat + dlat * math.sin(a), 6)]
        for a in (i * math.pi / 4 for i in range(8))
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def network_counts(*, user) -> dict:
    return {
        "lines": lines(user=user).count(),
        "express": lines(user=user).filter(kind="express").count(),
        "stops": stops(user=user).count(),
        "trips": published_trips(user=user).count(),
        "express_trips": published_trips(user=user).filter(line__kind="express").count(),
        # Counted from the published trips, which everyone of the park may read.
        "vehicles": published_trips(user=user)
        .filter(line__kind="express", vehicle__isnull=False)
        .values("vehicle_id")
        .distinct()
        .count(),
    }


# --- bookings -------------------------------------------------------------------------------


def my_bookings(*, user, limit: int = 30) -> list[Booking]:
    """The person's own bookings, newest departure first."""
    if not getattr(user, "park_id", None):
        return []
    return list(
        Booking.objects.filter(park_id=user.park_id, rider=user)
        .select_related("departure__trip__line")
        .order_by("-departure__departs_at", "-pk")[:limit]
    )


def my_booking(*, user, booking_id: int) -> Booking:
    """One of the person's own bookings, or one they may manage (an enterprise's
    administrator: its staff's; dispatchers: any), or NotFound."""
    found = Booking.objects.filter(pk=booking_id, rider=user, park_id=user.park_id).first()
    if found is None:
        found = access.get_for(user, Booking, booking_id)
    return Booking.objects.select_related("departure__trip__line", "departure__park").get(
        pk=found.pk
    )


def no_show_count(*, user) -> int:
    return Booking.objects.filter(
        park_id=user.park_id, rider=user, status=BookingStatus.NO_SHOW
    ).count()


def boarding_qr_svg(*, booking: Booking) -> str:
    """The boarding code as an inline SVG QR code, for the driver to scan."""
    out = io.BytesIO()
    segno.make(booking.code, error="m").save(
        out, kind="svg", scale=5, border=2, xmldecl=False, svgns=True
    )
    return out.getvalue().decode()


def bookings_visible(*, user):
    """Bookings the actor may read: the park's (staff, dispatchers, drivers) or an enterprise
    administrator's own staff's."""
    return access.scoped(user, Booking).select_related("departure__trip__line", "rider")


def booking_by_code(*, user, code: str) -> Booking | None:
    """A code on one of this driver's departures (a dispatcher: any of the park's)."""
    found = bookings_visible(user=user).filter(code=code)
    if not (user.is_superuser or "bus_dispatcher" in access.roles_of(user)):
        found = found.filter(departure__trip__driver__user=user)
    return found.first()


def driver_departures(*, user, day: datetime.date) -> list[dict]:
    """The driver's departures that day with their manifest (codes and names), so the check
    still works when the phone loses signal after the page loaded."""
    trips = published_trips(user=user).filter(driver__user=user).select_related("line", "service")
    rows = []
    for trip in trips.order_by("starts_s"):
        if not runs_on(trip.service, day):
            continue
        departure = access.scoped(user, Departure).filter(trip=trip, day=day).first()
        manifest = (
            list(
                bookings_visible(user=user)
                .filter(departure=departure, status__in=[*HOLDS_A_SEAT, BookingStatus.NO_SHOW])
                .order_by("code")
            )
            if departure
            else []
        )
        rows.append(
            {
                "trip": trip,
                "time": hhmm(trip.starts_s),
                "departure": departure,
                "manifest": manifest,
            }
        )
    return rows


def staff_of(*, user):
    """The people of an enterprise administrator's own enterprise, for whom they may book
    (commute passes); nobody for anyone else."""
    if not (
        user.enterprise_id
        and access.can(user, access.CREATE, Booking, enterprise_id=user.enterprise_id)
    ):
        return User.objects.none()
    people = tenancy.role_holders(
        ENTERPRISE_ROLES, park_id=user.park_id, enterprise_id=user.enterprise_id, is_active=True
    )
    return people.order_by("username")


def staff_member(*, user, rider_id) -> User:
    try:
        found = staff_of(user=user).filter(pk=int(rider_id)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise ValidationFailed.single("rider", _("not one of your staff"), ErrorCode.NOT_STAFF)
    return found


def staff_use(*, user, since: datetime.date) -> list[dict]:
    """An enterprise's staff and their rides since a day (only its own staff: scoped)."""
    rows = (
        access.scoped(user, Booking)
        .filter(departure__day__gte=since)
        .values("rider__username", "rider__display_name")
        .annotate(
            booked=Count("id", filter=~Q(status=BookingStatus.CANCELLED)),
            boarded=Count("id", filter=Q(status=BookingStatus.BOARDED)),
            no_shows=Count("id", filter=Q(status=BookingStatus.NO_SHOW)),
        )
        .order_by("rider__username")
    )
    return list(rows)


# --- figures ----------------------------------------------------------------------------------


def _today() -> datetime.date:
    return timezone.localdate()


def ridership_tile(user, park) -> TileData:
    """Riders who boarded in the last 7 days, per day."""
    today = _today()
    days = [today - datetime.timedelta(days=n) for n in range(6, -1, -1)]
    counts = dict(
        access.scoped(user, Booking)
        .filter(status=BookingStatus.BOARDED, departure__day__in=days)
        .values("departure__day")
        .annotate(n=Count("id"))
        .values_list("departure__day", "n")
    )
    series = [counts.get(d, 0) for d in days]
    return TileData(
        value=series[-1],
        unit=_("riders"),
        caption=_("boarded today; last 7 days: %(total)s") % {"total": sum(series)},
        chart={
            "xAxis": {"type": "category", "data": [d.strftime("%m-%d") for d in days]},
            "yAxis": {"type": "value"},
            "series": [{"type": "bar", "data": series}],
        },
        as_of=today.isoformat(),
        link=reverse("bus:network"),
    )


def seats_tile(user, park) -> TileData:
    """Seats offered by today's bookable trips against seats booked."""
    today = _today()
    offered = sum(row["seats"] for row in timetable(user=user, day=today))
    booked = access.scoped(user, Departure).filter(day=today).aggregate(s=Sum("booked"))["s"] or 0
    share = round(100 * booked / offered, 1) if offered else 0
    return TileData(
        value=f"{booked} / {offered}",
        unit=_("seats"),
        caption=_("booked of offered today (%(share)s%%)") % {"share": share},
        status="warn" if share > 90 else "ok",
        as_of=today.isoformat(),
        link=reverse("bus:network"),
        demo=lines(user=user).filter(is_demo=True).exists(),
    )


def bookings_for_api(*, user, everyone: bool = False):
    if everyone:
        return bookings_visible(user=user).order_by("-booked_at", "-pk")
    return (
        Booking.objects.filter(park_id=user.park_id, rider=user)
        .select_related("departure__trip__line", "rider")
        .order_by("-booked_at", "-pk")
    )


# --- demand-responsive service (定制公交) ------------------------------------------------------

# The buses are on duty from half an hour before the zone's booking window opens (to reach the
# first pick-ups) until an hour after it closes (to set the last riders down and come back).
DUTY_BEFORE_S, DUTY_AFTER_S = 30 * 60, 60 * 60


def _search_s(requests: int) -> float:
    """The guided search runs to its limit: 30 ms a request, 0.1 s at least, 3 s at most (100
    requests on 14 buses settle within that: benchmarks/bench_drt.py)."""
    return min(3.0, 0.1 + 0.03 * requests)


def demand_zones(*, user):
    return access.scoped(user, DemandZone).order_by("name")


def demand_zone_get(*, user, zone_id) -> DemandZone:
    return access.get_for(user, DemandZone, zone_id)


def demand_day_of(*, zone: DemandZone, day: datetime.date) -> DemandDay | None:
    return DemandDay.objects.filter(zone=zone, day=day).select_related("accepted_by").first()


def demand_solve(*, user, zone: DemandZone, day: datetime.date, params=None):
    """The zone's requests still waiting on that day, planned on the park's buses from the hub
    (or, without one, the park's first stop): (requests, vehicles, drt.Plan or None)."""
    requests = list(
        access.scoped(user, DemandRequest)
        .filter(zone=zone, day=day, status=DemandStatus.REQUESTED)
        .select_related("rider", "pickup_stop", "dropoff_stop")
        .order_by("time_s", "pk")
    )
    vehicles = list(access.scoped(user, Vehicle).filter(park=zone.park_id).order_by("code"))
    depot = (
        access.scoped(user, Stop)
        .filter(park=zone.park_id)
        .order_by(
            Case(When(kind=StopKind.HUB, then=0), When(kind=StopKind.METRO, then=1), default=2),
            "gtfs_id",
        )
        .first()
    )
    params = params or drt.Parameters(time_limit_s=_search_s(len(requests)))
    if not requests or not vehicles or depot is None:
        return requests, vehicles, None
    home = (float(depot.lat), float(depot.lon))
    start = max(0, zone.window_start_s - DUTY_BEFORE_S)
    buses = [
        drt.Bus(str(v.pk), home, v.seats, start, zone.window_end_s + DUTY_AFTER_S) for v in vehicles
    ]
    asked = [
        drt.Request(
            str(r.pk), (float(r.pickup_lat), float(r.pickup_lon)),
            (float(r.dropoff_lat), float(r.dropoff_lon)), r.time_s, r.seats,
        )
        for r in requests
    ]  # fmt: skip
    return requests, vehicles, drt.plan(asked, buses, params)


def demand_plan(*, user, zone_id, day: datetime.date, params: drt.Parameters | None = None):
    """A zone's day: before a planner accepts it, its waiting requests planned on the buses
    (demand_solve; nothing stored); once accepted, the runs and riders stored then. Returns the
    zone, the routes with each stop's rider and time, and the requests left out with the
    reason."""
    zone = demand_zone_get(user=user, zone_id=zone_id)
    given = params or drt.Parameters()
    accepted = demand_day_of(zone=zone, day=day)
    result = {
        "zone": zone, "day": day, "requests": [], "routes": [], "unserved": [], "served": 0,
        "window_min": given.window_s // 60, "factor": given.max_ride_factor,
        "speed_kmh": given.speed_kmh, "accepted": accepted,
    }  # fmt: skip
    if accepted is not None:
        return result | _accepted_plan(user=user, accepted=accepted)
    requests, vehicles, plan = demand_solve(user=user, zone=zone, day=day, params=params)
    result["requests"] = requests
    if plan is None:
        return result
    by_id = {str(r.pk): r for r in requests}
    for vehicle, route in zip(vehicles, plan.routes, strict=True):
        if not route.stops:
            continue
        stops = []
        for stop in route.stops:
            request = by_id[stop.request_id]
            stops.append(
                {"request": request, "kind": stop.kind.label, "at": hhmm(stop.at_s),
                 "asked": hhmm(request.time_s), "point": stop.point, "load": stop.load,
                 "place": shown(demand_place(request, stop.kind))}
            )  # fmt: skip
        result["routes"].append(
            {"vehicle": vehicle, "leaves": hhmm(route.leaves_s), "returns": hhmm(route.returns_s),
             "stops": stops}
        )  # fmt: skip
    result["unserved"] = [
        {"request": by_id[u.request_id], "reason": u.reason.label} for u in plan.unserved
    ]
    result["served"] = len(plan.served)
    return result


def demand_place(request: DemandRequest, kind: str) -> str:
    """Where a rider gets on or off, as a stored text (stored_text): the stop's name, or the
    point on the map."""
    stop = request.pickup_stop if kind == drt.Kind.PICKUP else request.dropoff_stop
    if stop is not None:
        return stop.name
    lat, lon = (
        (request.pickup_lat, request.pickup_lon)
        if kind == drt.Kind.PICKUP
        else (request.dropoff_lat, request.dropoff_lon)
    )
    return stored(
        gettext_noop("the point on the map (%(lat)s, %(lon)s)"),
        lat=f"{float(lat):.5f}", lon=f"{float(lon):.5f}",
    )  # fmt: skip


def _accepted_plan(*, user, accepted: DemandDay) -> dict:
    """The runs stored when the day was accepted: each bus's riders by their planned times."""
    requests = list(
        access.scoped(user, DemandRequest)
        .filter(zone=accepted.zone_id, day=accepted.day)
        .exclude(status=DemandStatus.REQUESTED)
        .select_related("rider", "pickup_stop", "dropoff_stop", "booking__departure__trip")
        .order_by("time_s", "pk")
    )
    trips = (
        access.scoped(user, Trip).filter(demand_day=accepted).select_related("vehicle")
    ).order_by("vehicle__code")
    routes = []
    for trip in trips:
        riders = [r for r in requests if r.booking_id and r.booking.departure.trip_id == trip.pk]
        events = sorted(
            [(r.planned_pickup_s, 1, r) for r in riders]
            + [(r.planned_dropoff_s, 0, r) for r in riders],
            key=lambda e: (e[0], e[1], e[2].pk),
        )  # at one second, who gets off goes first
        stops, load = [], 0
        for at_s, is_pickup, r in events:
            load += r.seats if is_pickup else -r.seats
            kind = drt.Kind.PICKUP if is_pickup else drt.Kind.DROPOFF
            live = r.status == DemandStatus.SCHEDULED
            stops.append(
                {"request": r, "kind": kind.label, "at": hhmm(at_s), "asked": hhmm(r.time_s),
                 "load": load, "place": shown(demand_place(r, kind)), "cancelled": not live}
            )  # fmt: skip
        routes.append({"vehicle": trip.vehicle, "leaves": hhmm(trip.starts_s), "returns": "",
                       "stops": stops, "trip": trip})  # fmt: skip
    unserved = [
        {"request": r, "reason": drt.Reason(r.reason).label}
        for r in requests
        if r.status == DemandStatus.UNSERVED
    ]
    served = sum(1 for r in requests if r.booking_id)
    return {"requests": requests, "routes": routes, "unserved": unserved, "served": served}


def my_demand_requests(*, user, limit: int = 30) -> list[DemandRequest]:
    """The rider's own requests, newest day first."""
    if not getattr(user, "park_id", None):
        return []
    return list(
        DemandRequest.objects.filter(park_id=user.park_id, rider=user)
        .select_related("zone", "pickup_stop", "dropoff_stop", "booking__departure__trip__vehicle")
        .order_by("-day", "-time_s", "-pk")[:limit]
    )


def my_demand_request(*, user, request_id) -> DemandRequest:
    """One of the rider's own requests, or NotFound (a neighbour's, another park's, absent)."""
    found = (
        DemandRequest.objects.filter(pk=request_id, rider=user, park_id=user.park_id)
        .select_related("zone", "booking__departure")
        .first()
    )
    if found is None:
        raise NotFound
    return found


def demand_next_day(*, user, zone_id) -> datetime.date:
    """The first day from today with requests still to plan in the zone, else today."""
    today = timezone.localdate()
    found = (
        access.scoped(user, DemandRequest)
        .filter(zone_id=zone_id, day__gte=today, status=DemandStatus.REQUESTED)
        .order_by("day")
        .values_list("day", flat=True)
        .first()
    )
    return found or today


def demand_map_geojson(*, user, zone: DemandZone) -> dict:
    """The zone and the park's stops, for the rider's map (a tap inside the zone marks a
    point)."""
    features = [
        {"type": "Feature", "geometry": zone.outline, "properties": {"kind": "zone",
                                                                      "name": zone.name}}
    ]  # fmt: skip
    for stop in stops(user=user):
        features.append(
            {
                "type": "Feature",
                "geometry": _dot(float(stop.lon), float(stop.lat)),
                "properties": {"kind": f"bus_{stop.kind}", "name": stop.name},
            }
        )
    return {"type": "FeatureCollection", "features": features, "demo": zone.is_demo}


# --- metro last mile --------------------------------------------------------------------------


def metro_arrivals(*, user):
    """The metro timetable at the park's stations (the park's staff and dispatchers)."""
    return access.scoped(user, MetroArrival).select_related("station", "service")


def metro_arrival_get(*, user, arrival_id) -> MetroArrival:
    return access.get_for(user, metro_arrivals(user=user), arrival_id)


def _metro_buses(*, user, day: datetime.date) -> dict[int, list[metro.Bus]]:
    """Per metro stop, the timetabled trips running that day that leave from it (a trip whose
    last stop is the station ends there: it takes nobody from the train)."""
    last = StopTime.objects.filter(trip=OuterRef("trip")).order_by("-sequence").values("sequence")
    rows = (
        access.scoped(user, StopTime)
        .filter(stop__kind=StopKind.METRO, trip__demand_day__isnull=True)
        .annotate(last=Subquery(last[:1]))
        .filter(sequence__lt=F("last"))
        .select_related("trip__service")
    )
    runs: dict[int, bool] = {}
    found: dict[int, list[metro.Bus]] = {}
    for row in rows:
        service = row.trip.service
        if service.pk not in runs:
            runs[service.pk] = runs_on(service, day)
        if runs[service.pk]:
            bus = metro.Bus(row.trip_id, row.trip.line_id, row.departure_s)
            found.setdefault(row.stop_id, []).append(bus)
    return found


def metro_connections(*, user, day: datetime.date) -> list[tuple[MetroArrival, metro.Wave]]:
    """Each train arriving that day (by the timetable) with the buses for it, its day's delay
    counted (metro.py)."""
    # No shortcut on a day without trains: the cockpit's query count stays the same every day.
    arrivals = [a for a in metro_arrivals(user=user) if runs_on(a.service, day)]
    delays = dict(
        access.scoped(user, MetroDelay).filter(day=day).values_list("arrival_id", "minutes")
    )
    buses = _metro_buses(user=user, day=day)
    return [
        (a, metro.wave(a.pk, a.arrival_s, buses.get(a.station_id, []), delays.get(a.pk, 0) * 60))
        for a in arrivals
    ]


def broken_connections(*, user, day: datetime.date) -> dict[int, BrokenConnection]:
    """The trips flagged that day (a delay broke their connection), by trip id."""
    flagged = access.scoped(user, BrokenConnection).filter(day=day, cleared_at__isnull=True)
    return {b.trip_id: b for b in flagged.select_related("arrival", "trip__line")}


def broken_departures(*, bookings) -> set[tuple[int, datetime.date]]:
    """Of these bookings, the (trip, day) pairs flagged as broken connections (one query)."""
    departures = {(b.departure.trip_id, b.departure.day) for b in bookings}
    if not departures:
        return set()
    found = BrokenConnection.objects.filter(
        trip_id__in={t for t, _d in departures},
        day__in={d for _t, d in departures},
        cleared_at__isnull=True,
    ).values_list("trip_id", "day")
    return set(found) & departures


def metro_plan(*, user, day: datetime.date) -> dict:
    """The planner's page: per train that day, its arrival (and delay), the buses its riders
    can catch with their seats offered and booked, the wait, and the flagged trips."""
    waves = metro_connections(user=user, day=day)
    trips = {
        t.pk: t
        for t in published_trips(user=user)
        .filter(pk__in={b.trip_id for _a, w in waves for b in w.timetabled + w.catchable})
        .select_related("line", "vehicle")
    }
    booked = {
        d.trip_id: d
        for d in access.scoped(user, Departure).filter(day=day, trip_id__in=trips.keys())
    }
    flagged = broken_connections(user=user, day=day)
    rows = []
    for arrival, wave in waves:
        buses, offered, taken = [], 0, 0
        for bus in wave.catchable:
            trip = trips[bus.trip_id]
            departure = booked.get(bus.trip_id)
            seats = departure.seats if departure else (trip.vehicle.seats if trip.vehicle else 0)
            offered += seats
            taken += departure.booked if departure else 0
            buses.append({"trip": trip, "time": hhmm(bus.departs_s),
                          "flagged": bus.trip_id in flagged})  # fmt: skip
        missed = [
            {"trip": trips[bus.trip_id], "time": hhmm(bus.departs_s),
             "flagged": bus.trip_id in flagged}
            for bus in wave.broken
        ]  # fmt: skip
        rows.append(
            {"arrival": arrival, "time": hhmm(arrival.arrival_s),
             "delay_min": wave.delay_s // 60, "expected": hhmm(wave.expected_s),
             "buses": buses, "missed": missed, "seats": offered, "booked": taken,
             "wait_min": wave.wait_s // 60 if wave.wait_s is not None else None,
             "connected": wave.connected}
        )  # fmt: skip
    connected = sum(1 for row in rows if row["connected"])
    return {
        "day": day, "rows": rows, "connected": connected, "waves": len(rows),
        "share": round(100 * connected / len(rows), 1) if rows else None,
        "flagged": [
            {"flag": b, "time": hhmm(b.trip.starts_s)}
            for b in sorted(flagged.values(), key=lambda b: (b.trip.starts_s, b.trip_id))
        ],
        "min_transfer_min": metro.MIN_TRANSFER_S // 60, "max_wait_min": metro.MAX_WAIT_S // 60,
        "demo": any(a.is_demo for a, _w in waves),
    }  # fmt: skip


def connections_tile(user, park) -> TileData:
    """The share of today's trains whose riders have a bus within the longest wait."""
    today = _today()
    waves = metro_connections(user=user, day=today)
    connected = sum(1 for _a, w in waves if w.connected)
    if not waves:
        return TileData(
            value="—", caption=_("no metro arrivals in the timetable today"),
            as_of=today.isoformat(), link=reverse("bus:metro"),
        )  # fmt: skip
    share = round(100 * connected / len(waves), 1)
    return TileData(
        value=share,
        unit="%",
        caption=_("%(connected)s of %(waves)s metro arrivals today have a bus within %(wait)s min")
        % {"connected": connected, "waves": len(waves), "wait": metro.MAX_WAIT_S // 60},
        status="warn" if share < 80 else "ok",
        as_of=today.isoformat(),
        link=reverse("bus:metro"),
        demo=any(a.is_demo for a, _w in waves),
    )
