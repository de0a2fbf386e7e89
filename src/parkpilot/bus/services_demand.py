"""Writes of the demand-responsive service (定制公交): a rider's request and its cancellation,
and a planner accepting a zone's day, which turns its plan into trips with bookings.

A request and an acceptance both lock the zone's row first (`select_for_update`; on SQLite
the one writer), so no request slips into a day while it is being accepted: accepting makes the
day's `DemandDay` (unique per zone and day, so a second acceptance fails at the insert), and a
request for an accepted day is refused. The plan is computed before the transaction (the solver
takes seconds); inside it, the day's waiting requests must still be the ones planned, or
nothing is stored and the planner is asked to accept again."""

import datetime
from collections import defaultdict

from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from parkpilot.bus import drt, geo, selectors
from parkpilot.bus.errors import ErrorCode
from parkpilot.bus.models import (
    Booking,
    BookingStatus,
    DemandDay,
    DemandRequest,
    DemandStatus,
    DemandZone,
    Departure,
    Stop,
    Trip,
)
from parkpilot.bus.services import CANCEL_CUTOFF, TZ, _new_code, _writing
from parkpilot.inputs import Fields
from parkpilot.notifications import services as notifications
from parkpilot.stored_text import stored
from parkpilot.tenancy import access
from parkpilot.tenancy.audit import audit_record
from parkpilot.tenancy.errors import Code, NotFound, ValidationFailed

MAX_SEATS = 6  # one request: a family or a small team; more is a charter, not a shared ride
ENDS = ("pickup", "dropoff")


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=TZ)


def _clock(fields: Fields, field: str, value) -> int | None:
    """A time of day "HH:MM" as seconds since midnight."""
    text = fields.text(field, value, max_length=5)
    if not text:
        return None
    try:
        moment = datetime.time.fromisoformat(text)
    except ValueError:
        fields.refuse(field, _("A time as HH:MM."), Code.FORMAT)
        return None
    return moment.hour * 3600 + moment.minute * 60


def _end(fields: Fields, zone: DemandZone, end: str, stop_id, lat, lon):
    """One end of the ride: a stop of the park (its id), or a point inside the zone."""
    chosen = fields.whole(f"{end}_stop", stop_id, low=1, required=False)
    if chosen is not None:
        stop = Stop.objects.filter(park_id=zone.park_id, pk=chosen).first()
        if stop is None:
            fields.refuse(f"{end}_stop", _("Not one of the park's stops."), Code.UNKNOWN)
            return None
        return stop, stop.lat, stop.lon
    if all(v in (None, "") for v in (stop_id, lat, lon)):
        fields.refuse(f"{end}_stop", _("Choose a stop or a point on the map."), Code.REQUIRED)
        return None
    lat = fields.decimal(f"{end}_lat", lat, low=-90, high=90, places=6)
    lon = fields.decimal(f"{end}_lon", lon, low=-180, high=180, places=6)
    if lat is None or lon is None:
        return None
    if not geo.inside(float(lat), float(lon), zone.outline):
        reason = _("The point is outside the zone %(zone)s.") % {"zone": zone.name}
        fields.refuse(f"{end}_lat", reason, ErrorCode.OUTSIDE_ZONE)
        return None
    return None, lat, lon


def demand_request_create(
    *, actor, zone: DemandZone, day, time_s, seats=1, pickup_stop=None, pickup_lat=None,
    pickup_lon=None, dropoff_stop=None, dropoff_lat=None, dropoff_lon=None, now=None,
) -> DemandRequest:  # fmt: skip
    """A rider asks for a ride in the zone: from a stop or a point on the map to another, on
    `day` ("YYYY-MM-DD"), picked up around `time_s` ("HH:MM"), for `seats`. Raw values as a
    form posts them (or typed, from the API); every bad field is named at once."""
    now = now or timezone.now()
    if actor.park_id != zone.park_id:
        raise NotFound
    fields = Fields()
    day = fields.date("day", day, low=timezone.localdate(now))
    at_s = _clock(fields, "time_s", time_s)
    seats = fields.whole("seats", seats, low=1, high=MAX_SEATS)
    ends = {
        "pickup": _end(fields, zone, "pickup", pickup_stop, pickup_lat, pickup_lon),
        "dropoff": _end(fields, zone, "dropoff", dropoff_stop, dropoff_lat, dropoff_lon),
    }
    fields.check()
    if ends["pickup"][1:] == ends["dropoff"][1:]:
        fields.refuse("dropoff_stop", _("The drop-off is where you are picked up."))
    if not selectors.runs_on(zone.service, day):
        fields.refuse("day", _("The service does not run on that day."), ErrorCode.NOT_RUNNING)
    if not zone.window_start_s <= at_s <= zone.window_end_s:
        reason = _("The service runs from %(start)s to %(end)s.") % {
            "start": selectors.hhmm(zone.window_start_s),
            "end": selectors.hhmm(zone.window_end_s),
        }
        fields.refuse("time_s", reason, Code.OUT_OF_RANGE)
    elif _midnight(day) + datetime.timedelta(seconds=at_s) < now + datetime.timedelta(
        minutes=zone.prior_notice_min
    ):
        reason = _("Ask at least %(minutes)d minutes ahead.") % {"minutes": zone.prior_notice_min}
        fields.refuse("time_s", reason, ErrorCode.TOO_LATE)
    fields.check()
    with _writing():
        DemandZone.objects.select_for_update().get(pk=zone.pk)  # against a day being accepted
        if DemandDay.objects.filter(zone=zone, day=day).exists():
            raise ValidationFailed.single(
                "day",
                _("The plan for that day is made: ask for another day."),
                ErrorCode.DAY_PLANNED,
            )
        (pickup_stop, pickup_lat, pickup_lon) = ends["pickup"]
        (dropoff_stop, dropoff_lat, dropoff_lon) = ends["dropoff"]
        request = DemandRequest.objects.create(
            park_id=zone.park_id, zone=zone, rider=actor, day=day, time_s=at_s, seats=seats,
            pickup_stop=pickup_stop, pickup_lat=pickup_lat, pickup_lon=pickup_lon,
            dropoff_stop=dropoff_stop, dropoff_lat=dropoff_lat, dropoff_lon=dropoff_lon,
        )  # fmt: skip
        audit_record(
            actor=actor, via="ui", action="bus.demand.request", obj=request, before=None,
            after={"zone": zone.pk, "day": day.isoformat(), "time_s": at_s, "seats": seats},
        )  # fmt: skip
    return request


def demand_request_cancel(*, actor, request: DemandRequest, now=None) -> DemandRequest:
    """The rider withdraws a request. A scheduled one gives its seat back up to CANCEL_CUTOFF
    before the planned pick-up; the run's seats taken are counted again without it."""
    now = now or timezone.now()
    if request.rider_id != actor.pk:
        raise NotFound
    was = request.status
    if was not in (DemandStatus.REQUESTED, DemandStatus.SCHEDULED):
        raise ValidationFailed.single(
            "status", _("This request can no longer be cancelled."), Code.INVALID_TRANSITION
        )
    if was == DemandStatus.SCHEDULED:
        pickup = _midnight(request.day) + datetime.timedelta(seconds=request.planned_pickup_s)
        if now > pickup - CANCEL_CUTOFF:
            minutes = int(CANCEL_CUTOFF.total_seconds() // 60)
            raise ValidationFailed.single(
                "status",
                _("A scheduled ride can be cancelled up to %(minutes)s minutes before pick-up.")
                % {"minutes": minutes},
                ErrorCode.CANCEL_CLOSED,
            )
    with _writing():
        changed = DemandRequest.objects.filter(pk=request.pk, status=was).update(
            status=DemandStatus.CANCELLED, closed_at=now
        )
        if not changed:  # the day was accepted, or it was cancelled, meanwhile
            raise ValidationFailed.single(
                "status", _("This request changed meanwhile: look again."), Code.CONFLICT
            )
        if was == DemandStatus.SCHEDULED:
            _release(request, now)
        audit_record(
            actor=actor, via="ui", action="bus.demand.cancel", obj=request,
            before={"status": was}, after={"status": DemandStatus.CANCELLED},
        )  # fmt: skip
    request.refresh_from_db()
    return request


def _release(request: DemandRequest, now) -> None:
    """A scheduled request is gone: its booking closes when no other request of the rider rides
    on it, and the run's seats taken become the most on board at once without it."""
    booking = request.booking
    others = DemandRequest.objects.filter(booking=booking, status=DemandStatus.SCHEDULED)
    if not others.exists():
        Booking.objects.filter(pk=booking.pk, status=BookingStatus.CONFIRMED).update(
            status=BookingStatus.CANCELLED, closed_at=now
        )
    riding = DemandRequest.objects.filter(
        booking__departure=booking.departure_id, status=DemandStatus.SCHEDULED
    )
    Departure.objects.filter(pk=booking.departure_id).update(booked=peak_load(riding))


def peak_load(requests) -> int:
    """The most seats taken at once by these requests' planned rides (who gets off at a second
    leaves before who gets on then)."""
    events = sorted(
        [(r.planned_pickup_s, 1, r.seats) for r in requests]
        + [(r.planned_dropoff_s, 0, -r.seats) for r in requests]
    )
    load = peak = 0
    for _at, _kind, change in events:
        load += change
        peak = max(peak, load)
    return peak


def _reason_msgid(reason: drt.Reason) -> str:
    with translation.override(None):  # the English msgid, shown in the reader's language later
        return str(reason.label)


def demand_day_accept(*, actor, zone: DemandZone, day, now=None, params=None) -> DemandDay:
    """Accept the zone's plan for `day`: each bus with riders becomes a run (a Trip of that day
    with its Departure) and each served request a confirmed booking on it with its planned
    times; an unserved one keeps the planner's reason. Each rider is told. Once per day."""
    now = now or timezone.now()
    if actor.park_id != zone.park_id:
        raise NotFound
    access.require(actor, access.CREATE, DemandDay)
    fields = Fields()
    day = fields.date("day", day)
    fields.check()
    if DemandDay.objects.filter(zone=zone, day=day).exists():
        raise ValidationFailed.single(
            "day", _("The plan for that day is already accepted."), ErrorCode.DAY_PLANNED
        )
    requests, vehicles, plan = selectors.demand_solve(user=actor, zone=zone, day=day, params=params)
    if plan is None:
        raise ValidationFailed.single("day", _("Nothing to plan on that day."), Code.INVALID)
    by_id = {str(r.pk): r for r in requests}
    try:
        with _writing():
            DemandZone.objects.select_for_update().get(pk=zone.pk)
            accepted = DemandDay.objects.create(
                park_id=zone.park_id, zone=zone, day=day, accepted_by=actor, accepted_at=now
            )
            waiting = set(
                DemandRequest.objects.filter(zone=zone, day=day, status=DemandStatus.REQUESTED)
                .values_list("pk", flat=True)
            )  # fmt: skip
            if waiting != {r.pk for r in requests}:
                raise ValidationFailed.single(
                    "day",
                    _("Requests came or went while planning: accept again."),
                    ErrorCode.PLAN_CHANGED,
                )
            told = _store_plan(accepted, plan, vehicles, by_id)
            audit_record(
                actor=actor, via="ui", action="bus.demand.accept", obj=accepted, before=None,
                after={"zone": zone.pk, "day": day.isoformat(), "served": len(plan.served),
                       "unserved": len(plan.unserved)},
            )  # fmt: skip
            _tell(zone, day, told)
    except IntegrityError:  # another planner accepted the day first
        raise ValidationFailed.single(
            "day", _("The plan for that day is already accepted."), ErrorCode.DAY_PLANNED
        ) from None
    return accepted


def _store_plan(accepted: DemandDay, plan: drt.Plan, vehicles, by_id: dict) -> list:
    """The runs, bookings and requests' outcomes of an accepted plan; returns whom to tell."""
    zone, day = accepted.zone, accepted.day
    seen, told = set(), []
    for n, (vehicle, route) in enumerate(zip(vehicles, plan.routes, strict=True), start=1):
        if not route.stops:
            continue
        peak = max(stop.load for stop in route.stops)
        if peak > vehicle.seats:  # the planner keeps capacity; a broken plan is not stored
            raise ValidationFailed.single("day", _("The plan overfills a bus."), Code.CONFLICT)
        trip = Trip.objects.create(
            park_id=zone.park_id, line=zone.line, service=zone.service,
            gtfs_id=f"{zone.gtfs_id}_{day:%Y%m%d}_{n:02d}", headsign=zone.name,
            vehicle=vehicle, starts_s=route.leaves_s, demand_day=accepted,
        )  # fmt: skip
        departure = Departure.objects.create(
            park_id=zone.park_id, trip=trip, day=day, seats=vehicle.seats, booked=peak,
            departs_at=_midnight(day) + datetime.timedelta(seconds=route.leaves_s),
        )  # fmt: skip
        times = defaultdict(dict)
        for stop in route.stops:
            times[stop.request_id][stop.kind] = stop.at_s
        bookings = {}  # a rider's two requests on one run share one seat booking
        for request_id, at in times.items():
            if request_id in seen:
                raise ValidationFailed.single(
                    "day", _("The plan serves a request twice."), Code.CONFLICT
                )
            seen.add(request_id)
            request = by_id[request_id]
            booking = bookings.get(request.rider_id)
            if booking is None:
                booking = bookings[request.rider_id] = Booking.objects.create(
                    park_id=zone.park_id, departure=departure, rider=request.rider,
                    enterprise_id=request.rider.enterprise_id, booked_by=request.rider,
                    status=BookingStatus.CONFIRMED, code=_new_code(),
                    booked_at=accepted.accepted_at,
                )  # fmt: skip
            pickup_s, dropoff_s = at[drt.Kind.PICKUP], at[drt.Kind.DROPOFF]
            _settle(request, status=DemandStatus.SCHEDULED, booking=booking,
                    planned_pickup_s=pickup_s, planned_dropoff_s=dropoff_s)  # fmt: skip
            told.append((request, booking, vehicle, None))
    for unserved in plan.unserved:
        request = by_id[unserved.request_id]
        _settle(request, status=DemandStatus.UNSERVED, reason=unserved.reason.value)
        told.append((request, None, None, unserved.reason))
    return told


def _settle(request: DemandRequest, **outcome) -> None:
    if not DemandRequest.objects.filter(pk=request.pk, status=DemandStatus.REQUESTED).update(
        **outcome
    ):
        raise ValidationFailed.single(
            "day", _("Requests came or went while planning: accept again."),
            ErrorCode.PLAN_CHANGED,
        )  # fmt: skip
    for name, value in outcome.items():
        setattr(request, name, value)


def _tell(zone: DemandZone, day: datetime.date, told: list) -> None:
    """Each rider: when and where the bus picks them up, or why no bus could."""
    link = reverse("bus:demand_mine")
    for request, booking, vehicle, reason in told:
        if booking is not None:
            place = selectors.demand_place(request, drt.Kind.PICKUP)
            title = stored(
                gettext_noop(
                    "Demand-responsive ride on %(day)s: picked up at %(time)s, %(place_msg)s"
                ),
                day=f"{day:%m-%d}", time=selectors.hhmm(request.planned_pickup_s),
                place_msg=place,
            )  # fmt: skip
            body = stored(
                gettext_noop("Bus %(vehicle)s; boarding code %(code)s."),
                vehicle=vehicle.code, code=booking.code,
            )  # fmt: skip
        else:
            title = stored(
                gettext_noop("No bus for your ride on %(day)s at %(time)s: %(reason_msg)s"),
                day=f"{day:%m-%d}", time=selectors.hhmm(request.time_s),
                reason_msg=_reason_msgid(reason),
            )  # fmt: skip
            body = ""
        notifications.notify(
            park=zone.park, recipients=[request.rider], kind="bus.demand", title=title,
            body=body, link=link,
        )  # fmt: skip
