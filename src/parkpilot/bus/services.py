"""Writes of the digital bus: keyword-only, atomic, audited.

Seats move only by guarded conditional UPDATEs on the departure's row
(`UPDATE ... SET booked = booked + 1 WHERE booked < seats`): the database decides who gets the
last seat, so concurrent bookings never overbook, on PostgreSQL (the row lock and the re-checked
condition) and on SQLite (writers queue at BEGIN IMMEDIATE). Whoever finds no seat is put on the
waiting list, and a cancelled seat goes to the longest waiting rider at once."""

import contextlib
import datetime
import secrets
import threading
from zoneinfo import ZoneInfo

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from parkpilot.bus import geo, selectors
from parkpilot.bus.errors import ErrorCode
from parkpilot.bus.models import (
    Booking,
    BookingStatus,
    Departure,
    Trip,
    VehiclePosition,
)
from parkpilot.inputs import Fields
from parkpilot.notifications import services as notifications
from parkpilot.stored_text import stored
from parkpilot.tenancy import access
from parkpilot.tenancy.audit import audit_record
from parkpilot.tenancy.errors import Code, NotFound, ValidationFailed

TZ = ZoneInfo("Asia/Shanghai")
# A confirmed seat can be given back up to this long before the bus leaves; later it counts.
CANCEL_CUTOFF = datetime.timedelta(minutes=30)
# A confirmed rider who has not boarded this long after departure did not show up.
NO_SHOW_AFTER = datetime.timedelta(minutes=15)
LIVE = (BookingStatus.CONFIRMED, BookingStatus.WAITLISTED, BookingStatus.BOARDED)
# Boarding codes: no 0/O or 1/I, so they read back from a screen without doubt.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def departs_at(trip: Trip, day: datetime.date) -> datetime.datetime:
    """When the trip leaves its first stop on that service day (GTFS counts from midnight)."""
    midnight = datetime.datetime.combine(day, datetime.time(0), tzinfo=TZ)
    return midnight + datetime.timedelta(seconds=trip.starts_s)


def departure_for(*, trip: Trip, day: datetime.date) -> Departure:
    """The trip on that day, with its vehicle's seats; made on first use."""
    if not selectors.runs_on(trip.service, day):
        raise ValidationFailed.single(
            "day", _("this trip does not run on that day"), ErrorCode.NOT_RUNNING
        )
    seats = trip.vehicle.seats if trip.vehicle_id else 0
    departure, _made = Departure.objects.get_or_create(
        trip=trip,
        day=day,
        defaults={"park_id": trip.park_id, "seats": seats, "departs_at": departs_at(trip, day)},
    )
    return departure


# SQLite has one writer at a time; the others poll its busy handler, sleeping up to 100 ms
# between tries, so under a burst the wait, not the work, makes the tail. Writers of this
# process queue on a lock instead (other processes still meet the busy handler).
_SQLITE_WRITER = threading.Lock()


@contextlib.contextmanager
def _writing():
    """One write transaction; on SQLite queued in-process first."""
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with _SQLITE_WRITER, transaction.atomic():
            yield
    else:
        with transaction.atomic():
            yield


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(8))


def _check_may_book_for(actor, rider) -> None:
    """Oneself; an enterprise's administrator its own staff; dispatchers and operators anyone
    of the park."""
    if rider.pk == actor.pk:
        return
    if (
        rider.park_id == actor.park_id
        and access.can(actor, access.CREATE, Booking, enterprise_id=rider.enterprise_id)
        and (rider.enterprise_id is not None or access.can(actor, access.CHANGE, Booking))
    ):
        return
    raise ValidationFailed.single(
        "rider", _("you can book only for your own staff"), ErrorCode.NOT_STAFF
    )


def booking_create(*, actor, trip: Trip, day, rider=None, now=None) -> Booking:
    """A seat on the trip that day (a date, or "YYYY-MM-DD" as a form posts it), or a place on
    its waiting list when the bus is full."""
    rider = rider or actor
    now = now or timezone.now()
    fields = Fields()
    day = fields.date("day", day)
    fields.check()
    _check_may_book_for(actor, rider)
    if rider.park_id != trip.park_id:
        raise NotFound
    if not trip.line.bookable:
        raise ValidationFailed.single(
            "trip", _("seats on this line are not booked ahead"), ErrorCode.NOT_BOOKABLE
        )
    departure = departure_for(trip=trip, day=day)
    if departure.departs_at <= now:
        raise ValidationFailed.single("day", _("this bus has already left"), ErrorCode.DEPARTED)
    try:
        with _writing():
            # The guarded UPDATE decides: a seat, or the waiting list (its rowcount).
            took = Departure.objects.filter(pk=departure.pk, booked__lt=F("seats")).update(
                booked=F("booked") + 1
            )
            booking = Booking.objects.create(
                park_id=trip.park_id,
                departure=departure,
                rider=rider,
                enterprise_id=rider.enterprise_id,
                booked_by=actor,
                status=BookingStatus.CONFIRMED if took else BookingStatus.WAITLISTED,
                code=_new_code(),
                booked_at=now,
            )
            audit_record(
                actor=actor,
                via="ui",
                action="bus.booking.create",
                obj=booking,
                before=None,
                after={"departure": departure.pk, "rider": rider.pk, "status": booking.status},
            )
    except IntegrityError:
        # The partial unique index: this rider already holds a live booking on the departure
        # (the seat taken above rolled back with it).
        raise ValidationFailed.single(
            "trip", _("you already have a booking on this bus"), ErrorCode.ALREADY_BOOKED
        ) from None
    return booking


def _may_change(actor, booking: Booking) -> bool:
    return booking.rider_id == actor.pk or access.can(
        actor, access.CHANGE, booking, fields={"status"}
    )


def booking_cancel(*, actor, booking: Booking, now=None) -> Booking:
    """Give the seat (or the place in line) back; a freed seat goes to the first one waiting.
    A confirmed seat is given back only up to CANCEL_CUTOFF before departure."""
    now = now or timezone.now()
    if not _may_change(actor, booking):
        raise NotFound
    departure = booking.departure
    if booking.status not in (BookingStatus.CONFIRMED, BookingStatus.WAITLISTED):
        raise ValidationFailed.single(
            "status", _("this booking can no longer be cancelled"), Code.INVALID_TRANSITION
        )
    if booking.status == BookingStatus.CONFIRMED and now > departure.departs_at - CANCEL_CUTOFF:
        minutes = int(CANCEL_CUTOFF.total_seconds() // 60)
        raise ValidationFailed.single(
            "status",
            _("seats can be cancelled up to %(minutes)s minutes before departure")
            % {"minutes": minutes},
            ErrorCode.CANCEL_CLOSED,
        )
    was = booking.status
    with _writing():
        changed = Booking.objects.filter(pk=booking.pk, status=was).update(
            status=BookingStatus.CANCELLED, closed_at=now
        )
        if not changed:  # cancelled or boarded meanwhile
            raise ValidationFailed.single(
                "status", _("this booking can no longer be cancelled"), Code.INVALID_TRANSITION
            )
        promoted = None
        if was == BookingStatus.CONFIRMED:
            Departure.objects.filter(pk=departure.pk).update(booked=F("booked") - 1)
            promoted = _promote(departure, now)
        audit_record(
            actor=actor,
            via="ui",
            action="bus.booking.cancel",
            obj=booking,
            before={"status": was},
            after={
                "status": BookingStatus.CANCELLED,
                "promoted": promoted.pk if promoted else None,
            },
        )
    booking.refresh_from_db()
    return booking


def _promote(departure: Departure, now) -> Booking | None:
    """Give a free seat to the longest waiting rider, if any (each step guarded)."""
    while True:
        waiting = (
            Booking.objects.filter(departure=departure, status=BookingStatus.WAITLISTED)
            .order_by("booked_at", "pk")
            .first()
        )
        if waiting is None:
            return None
        took = Departure.objects.filter(pk=departure.pk, booked__lt=F("seats")).update(
            booked=F("booked") + 1
        )
        if not took:
            return None
        if Booking.objects.filter(pk=waiting.pk, status=BookingStatus.WAITLISTED).update(
            status=BookingStatus.CONFIRMED, promoted_at=now
        ):
            notifications.notify(
                park=departure.park,
                recipients=[waiting.rider],
                kind="bus.promoted",
                title=stored(
                    gettext_noop("You have a seat on the %(line)s bus at %(time)s"),
                    line=departure.trip.line.short_name,
                    time=timezone.localtime(departure.departs_at, TZ).strftime("%m-%d %H:%M"),
                ),
                link=reverse("bus:mine"),
            )
            return waiting
        # That rider left the line meanwhile: the seat goes back, try the next one.
        Departure.objects.filter(pk=departure.pk).update(booked=F("booked") - 1)


def booking_board(*, actor, code: str, now=None) -> Booking:
    """The driver checks a boarding code: a confirmed seat on one of their departures boards."""
    now = now or timezone.now()
    code = "".join(ch for ch in code.upper() if ch.isalnum())
    booking = selectors.booking_by_code(user=actor, code=code)
    if booking is None:
        raise ValidationFailed.single(
            "code", _("this code is not on your buses"), ErrorCode.CODE_UNKNOWN
        )
    access.require(actor, "board", booking)
    if booking.status == BookingStatus.BOARDED:
        return booking
    if booking.status != BookingStatus.CONFIRMED:
        raise ValidationFailed.single(
            "code",
            _("this booking holds no seat: %(status)s") % {"status": booking.get_status_display()},
            ErrorCode.NOT_BOARDING,
        )
    with transaction.atomic():
        Booking.objects.filter(pk=booking.pk, status=BookingStatus.CONFIRMED).update(
            status=BookingStatus.BOARDED, closed_at=now
        )
        audit_record(
            actor=actor,
            via="ui",
            action="bus.booking.board",
            obj=booking,
            before={"status": BookingStatus.CONFIRMED},
            after={"status": BookingStatus.BOARDED},
        )
    booking.refresh_from_db()
    return booking


def no_shows_mark(*, park, now=None) -> int:
    """Confirmed seats not boarded NO_SHOW_AFTER departure count as no-shows (the seat stays
    taken: the bus left with it empty)."""
    now = now or timezone.now()
    with transaction.atomic():
        return Booking.objects.filter(
            park=park,
            status=BookingStatus.CONFIRMED,
            departure__departs_at__lt=now - NO_SHOW_AFTER,
        ).update(status=BookingStatus.NO_SHOW, closed_at=now)


def position_record(*, actor, vehicle, lat: float, lon: float, at=None, datum="wgs84", trip=None):
    """A bus's GPS fix, stored in WGS84 (a GCJ-02 fix from a Chinese map SDK converted)."""
    access.require(actor, access.CHANGE, vehicle)
    wgs_lat, wgs_lon = geo.to_wgs84(lat, lon, datum=datum)
    return VehiclePosition.objects.create(
        park_id=vehicle.park_id,
        vehicle=vehicle,
        trip=trip,
        lat=wgs_lat,
        lon=wgs_lon,
        at=at or timezone.now(),
    )
