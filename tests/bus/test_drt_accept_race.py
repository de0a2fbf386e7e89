"""Two planners accept the same zone's day at the same moment, in real connections (threads),
on SQLite and PostgreSQL: one plan is stored, once (one run, each rider booked once, one
notification each); the other planner is told the day is already accepted; nothing fails with
"locked" and nothing is half-written."""

import threading
from decimal import Decimal

import pytest
from django.db import connections

from helpers import isolation_module
from parkpilot.bus import services_demand
from parkpilot.bus.models import Booking, DemandDay, DemandRequest, DemandZone, Trip
from parkpilot.notifications.models import Notification
from parkpilot.tenancy.errors import ValidationFailed

bus = isolation_module("bus")
pytestmark = pytest.mark.django_db(transaction=True)


def _ask(zone, rider, time_s):
    return DemandRequest.objects.create(
        park=zone.park, zone=zone, rider=rider, day=bus.DAY,
        pickup_lat=Decimal("30.243"), pickup_lon=Decimal("119.801"),
        dropoff_lat=Decimal("30.253"), dropoff_lon=Decimal("119.801"), time_s=time_s, seats=1,
    )  # fmt: skip


def test_two_planners_accept_the_same_day_at_once(park, personas):
    bus.network(park, seats=3)
    zone = DemandZone.objects.get(park=park)
    riders = [personas["ent_a_user"], personas["resident"]]
    for i, rider in enumerate(riders):
        _ask(zone, rider, (10 + i) * 3600)
    planners = [personas["park_staff"], personas["park_admin"]]
    barrier = threading.Barrier(2)
    outcomes = [""] * 2

    def accept(i):
        barrier.wait()
        try:
            services_demand.demand_day_accept(actor=planners[i], zone=zone,
                                              day=bus.DAY.isoformat(), now=bus.BEFORE)  # fmt: skip
            outcomes[i] = "accepted"
        except ValidationFailed as refused:
            outcomes[i] = refused.errors[0].code
        except Exception as exc:  # a lock error or a 500 is the failure sought
            outcomes[i] = f"error: {exc!r}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(outcomes) == ["accepted", "day_planned"], outcomes
    (accepted,) = DemandDay.objects.filter(zone=zone)
    runs = Trip.objects.filter(demand_day=accepted)
    assert runs.count() >= 1
    booked = list(Booking.objects.filter(departure__trip__in=runs).values_list("rider", flat=True))
    assert sorted(booked) == sorted(r.pk for r in riders)  # each rider booked once
    assert set(DemandRequest.objects.values_list("status", flat=True)) == {"scheduled"}
    for rider in riders:  # told once, not once per planner
        assert Notification.objects.filter(recipient=rider, kind__startswith="bus.").count() == 1
