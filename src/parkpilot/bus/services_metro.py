"""Writes of the metro last mile: a train's delay, entered by a planner or posted by a feed, and
the bus trips whose connection it breaks (flagged, their riders told once).

A delay is one row per train and day; entering it again replaces the minutes. After each entry
the day's connections are worked out again from all its delays (metro.py) and compared with the
stored flags: a trip newly broken is flagged and its confirmed riders notified, a trip whose
connection a corrected delay restored is cleared, and a trip still broken is left alone, so the
same delay entered twice (a feed repeating itself) tells nobody twice. The station's row is
locked first, so two entries for the same day (a planner and the feed at once) are worked out
one after the other and never both flag, nor both notify, the same trip."""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from parkpilot.bus import metro, selectors
from parkpilot.bus.errors import ErrorCode
from parkpilot.bus.models import (
    Booking,
    BookingStatus,
    BrokenConnection,
    MetroArrival,
    MetroDelay,
    Stop,
    Trip,
)
from parkpilot.bus.services import _writing
from parkpilot.inputs import Fields
from parkpilot.notifications import services as notifications
from parkpilot.stored_text import stored
from parkpilot.tenancy import access
from parkpilot.tenancy.audit import audit_record
from parkpilot.tenancy.errors import NotFound


def metro_delay_record(
    *, actor, arrival: MetroArrival, day, minutes, via: str = "ui", now=None
) -> MetroDelay:
    """The train `arrival` is `minutes` late on `day` ("YYYY-MM-DD" or a date; 0 = on time):
    raw values as a form posts them, or typed from the API, checked here for both."""
    now = now or timezone.now()
    if arrival.park_id != actor.park_id:
        raise NotFound
    access.require(actor, access.CREATE, MetroDelay)
    fields = Fields()
    day = fields.date("day", day)
    minutes = fields.whole("minutes", minutes, low=0, high=metro.MAX_DELAY_MIN)
    fields.check()
    if not selectors.runs_on(arrival.service, day):
        fields.refuse("day", _("This train does not run on that day."), ErrorCode.NOT_RUNNING)
        fields.check()
    with _writing():
        Stop.objects.select_for_update().filter(pk=arrival.station_id).first()
        found = MetroDelay.objects.filter(arrival=arrival, day=day).first()
        before = {"minutes": found.minutes} if found else None
        if found is None:
            found = MetroDelay.objects.create(
                park_id=arrival.park_id, arrival=arrival, day=day, minutes=minutes,
                entered_by=actor, entered_at=now,
            )  # fmt: skip
        else:
            found.minutes, found.entered_by, found.entered_at = minutes, actor, now
            found.save(update_fields=["minutes", "entered_by", "entered_at"])
        audit_record(
            actor=actor, via=via, action="bus.metro_delay.record", obj=found, before=before,
            after={"arrival": arrival.pk, "day": day.isoformat(), "minutes": minutes},
        )  # fmt: skip
        found.flagged, found.cleared = _connections_recheck(
            actor=actor, park=arrival.park, day=day, now=now
        )
    return found


def _connections_recheck(*, actor, park, day: datetime.date, now) -> tuple[list, list]:
    """Flag the trips the day's delays break and clear those no longer broken; the riders of a
    newly flagged trip are told. Returns (flagged, cleared) trip ids."""
    broken: dict[int, tuple[MetroArrival, metro.Wave, metro.Bus]] = {}
    for arrival, wave in selectors.metro_connections(user=actor, day=day):
        if arrival.park_id != park.pk:  # a superuser reads every park's; flags are this one's
            continue
        for bus in wave.broken:
            broken.setdefault(bus.trip_id, (arrival, wave, bus))  # the first train to break it
    standing = {b.trip_id: b for b in BrokenConnection.objects.filter(park=park, day=day)}
    cleared = [
        trip_id
        for trip_id, row in standing.items()
        if row.cleared_at is None and trip_id not in broken
    ]
    BrokenConnection.objects.filter(park=park, day=day, trip_id__in=cleared).update(cleared_at=now)
    flagged = []
    for trip_id, (arrival, wave, bus) in broken.items():
        row = standing.get(trip_id)
        minutes = wave.delay_s // 60
        if row is None:
            BrokenConnection.objects.create(
                park=park, trip_id=trip_id, day=day, arrival=arrival, delay_min=minutes,
                flagged_at=now,
            )  # fmt: skip
        elif row.cleared_at is not None:  # broken again after a correction: news again
            BrokenConnection.objects.filter(pk=row.pk).update(
                arrival=arrival, delay_min=minutes, flagged_at=now, cleared_at=None
            )
        else:
            if row.delay_min != minutes or row.arrival_id != arrival.pk:
                BrokenConnection.objects.filter(pk=row.pk).update(
                    arrival=arrival, delay_min=minutes
                )
            continue  # already flagged and told
        flagged.append(trip_id)
        _tell_riders(park=park, bus=bus, day=day, arrival=arrival, minutes=minutes)
    if flagged or cleared:
        audit_record(
            actor=actor, via="ui", action="bus.connection.recheck", obj=park, before=None,
            after={"day": day.isoformat(), "flagged": flagged, "cleared": cleared},
        )  # fmt: skip
    return flagged, cleared


def _tell_riders(*, park, bus: metro.Bus, day: datetime.date, arrival: MetroArrival, minutes):
    trip = Trip.objects.select_related("line").get(pk=bus.trip_id)
    riders = [
        b.rider
        for b in Booking.objects.filter(
            departure__trip_id=bus.trip_id, departure__day=day, status=BookingStatus.CONFIRMED
        ).select_related("rider")
    ]
    if not riders:
        return
    title = stored(
        gettext_noop(
            "Metro %(metro)s is %(minutes)s min late: the %(line)s bus at %(time)s on "
            "%(day)s leaves before the train's riders reach it"
        ),
        metro=arrival.metro_line, minutes=minutes, line=trip.line.short_name,
        time=selectors.hhmm(bus.departs_s), day=f"{day:%m-%d}",
    )  # fmt: skip
    notifications.notify(
        park=park, recipients=riders, kind="bus.connection", title=title,
        link=reverse("bus:mine"),
    )  # fmt: skip
