"""The cockpit's bus tiles, from bookings made here; who sees them is the network rule."""

import datetime

import pytest
from django.utils import timezone

from helpers import isolation_module
from parkpilot.bus import rules, selectors, services
from parkpilot.bus.models import Booking, Trip

bus = isolation_module("bus")
pytestmark = pytest.mark.django_db


def _tonight(park, seats):
    """A trip at 23:50 today, running every day this week (booked as of this morning, so the
    test holds at 23:55 too, when the bus has left)."""
    trip = bus.network(park, seats=seats)
    today = timezone.localdate()
    trip.service.start_date, trip.service.end_date = today, today + datetime.timedelta(days=7)
    trip.service.save()
    Trip.objects.filter(pk=trip.pk).update(starts_s=23 * 3600 + 50 * 60)
    trip.refresh_from_db()
    return trip


def _morning():
    return timezone.localtime().replace(hour=0, minute=1, second=0, microsecond=0)


def test_seats_offered_against_booked(park, personas, riders):
    trip = _tonight(park, seats=4)
    for rider in riders[:3]:
        services.booking_create(actor=rider, trip=trip, day=timezone.localdate(), now=_morning())
    tile = selectors.seats_tile(personas["park_staff"], park)
    # One bookable trip today with a 4-seat vehicle: 4 offered; 3 riders booked: 3/4 = 75.0 %.
    assert tile.value == "3 / 4"
    assert "75.0%" in tile.caption


def test_ridership_counts_who_boarded(park, personas, riders):
    trip = _tonight(park, seats=4)
    made = [
        services.booking_create(actor=r, trip=trip, day=timezone.localdate(), now=_morning())
        for r in riders[:3]
    ]
    Booking.objects.filter(pk__in=[made[0].pk, made[1].pk]).update(status="boarded")
    tile = selectors.ridership_tile(personas["park_staff"], park)
    # Two of the three boarded today; nothing earlier in the week.
    assert tile.value == 2
    assert tile.chart["series"][0]["data"] == [0, 0, 0, 0, 0, 0, 2]
    assert selectors.ridership_tile(personas["other_park_admin"], park).value == 0


def test_the_tiles_are_for_the_park_and_dispatchers(personas):
    assert rules.NETWORK.allows(personas["park_staff"])
    for persona in ("ent_a_admin", "ent_a_user", "resident"):
        assert not rules.NETWORK.allows(personas[persona]), persona
