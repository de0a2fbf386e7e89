"""A hundred riders book the last ten seats at once, in real connections (threads), on SQLite
and PostgreSQL: exactly ten get a seat, ninety wait in line, none fails with "locked"; then
cancellations promote the waiting in the order they came."""

import threading

import pytest
from django.db import OperationalError, connections

from helpers import isolation_module
from parkpilot.bus import services
from parkpilot.bus.models import Booking, Departure
from parkpilot.tenancy.models import Role, User

bus = isolation_module("bus")
pytestmark = pytest.mark.django_db(transaction=True)


def _at_once(count, work) -> list[str]:
    barrier = threading.Barrier(count)
    outcomes = [""] * count

    def run(i):
        barrier.wait()
        try:
            outcomes[i] = work(i)
        except OperationalError as exc:
            outcomes[i] = f"error: {exc}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return outcomes


def test_a_hundred_bookings_for_the_last_ten_seats(park):
    trip = bus.network(park, seats=12)
    early = [_rider(park, f"early{n}") for n in range(2)]
    for rider in early:  # two seats already gone: ten left
        services.booking_create(actor=rider, trip=trip, day=bus.DAY, now=bus.BEFORE)
    riders = [_rider(park, f"r{n:03d}") for n in range(100)]
    outcomes = _at_once(
        100,
        lambda i: (
            services.booking_create(actor=riders[i], trip=trip, day=bus.DAY, now=bus.BEFORE).status
        ),
    )
    assert outcomes.count("confirmed") == 10, outcomes
    assert outcomes.count("waitlisted") == 90, outcomes
    departure = Departure.objects.get(trip=trip)
    assert departure.booked == departure.seats == 12
    assert Booking.objects.filter(departure=departure, status="confirmed").count() == 12

    # Five seats given back at once: the five longest waiting get them, no one else.
    confirmed = list(Booking.objects.filter(departure=departure, status="confirmed")[:5])
    waiting = list(
        Booking.objects.filter(departure=departure, status="waitlisted").order_by("booked_at", "pk")
    )
    _at_once(
        5,
        lambda i: (
            services.booking_cancel(
                actor=confirmed[i].rider, booking=confirmed[i], now=bus.BEFORE
            ).status
        ),
    )
    departure.refresh_from_db()
    assert departure.booked == 12
    promoted = set(Booking.objects.filter(promoted_at__isnull=False).values_list("pk", flat=True))
    assert promoted == {b.pk for b in waiting[:5]}


def _rider(park, name):
    return User.objects.create_user(username=name, password="x", role=Role.RESIDENT, park=park)
