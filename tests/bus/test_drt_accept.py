"""A planner accepts a zone's day (services_demand.demand_day_accept): the plan becomes runs
with the riders' bookings in one transaction, each request served once, seats kept, the day
accepted once; each rider is told when and where, or why not."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import translation

from helpers import isolation_module
from parkpilot.bus import gtfs, selectors, services_demand
from parkpilot.bus.models import Booking, DemandDay, DemandRequest, DemandZone, Departure, Trip
from parkpilot.notifications.models import Notification
from parkpilot.stored_text import shown
from parkpilot.tenancy.errors import Forbidden, NotFound, ValidationFailed

bus = isolation_module("bus")
DAY, BEFORE = bus.DAY, bus.BEFORE
TZ = datetime.timezone(datetime.timedelta(hours=8))


def _ask(zone, rider, lat, to_lat, time_s, seats=1):
    return DemandRequest.objects.create(
        park=zone.park, zone=zone, rider=rider, day=DAY,
        pickup_lat=Decimal(lat), pickup_lon=Decimal("119.801"),
        dropoff_lat=Decimal(to_lat), dropoff_lon=Decimal("119.801"), time_s=time_s, seats=seats,
    )  # fmt: skip


@pytest.fixture
def demand(park, personas):
    bus.network(park, seats=3)  # the hub at 30.233 N 119.801 E, one bus DB01 of 3 seats
    zone = DemandZone.objects.get(park=park)
    return {
        "zone": zone,
        # As in test_drt_page: 0.01° north of the hub, on to 0.02°: 201 s each leg at 20 km/h.
        "a": _ask(zone, personas["ent_a_user"], "30.243", "30.253", 10 * 3600, seats=2),
        "big": _ask(zone, personas["resident"], "30.243", "30.253", 11 * 3600, seats=4),
    }


def _accept(demand, personas, who="park_staff"):
    return services_demand.demand_day_accept(
        actor=personas[who], zone=demand["zone"], day=DAY.isoformat(), now=BEFORE
    )


def test_accepting_makes_a_run_with_its_bookings_by_hand(demand, personas):
    accepted = _accept(demand, personas)
    (trip,) = Trip.objects.filter(demand_day=accepted)
    # It leaves the hub 201 s before the 10:00:00 pick-up: 09:56:39 (35,799 s).
    assert (trip.gtfs_id, trip.starts_s, trip.vehicle.code) == ("DRT_20270303_01", 35_799, "DB01")
    departure = Departure.objects.get(trip=trip)
    assert departure.departs_at == datetime.datetime(2027, 3, 3, 9, 56, 39, tzinfo=TZ)
    assert (departure.day, departure.seats, departure.booked) == (DAY, 3, 2)  # 2 on board at most
    a, big = (DemandRequest.objects.get(pk=demand[k].pk) for k in ("a", "big"))
    # Picked up at 10:00:00; 30 s dwell and 201 s on: set down at 10:03:51 (36,231 s).
    assert (a.status, a.planned_pickup_s, a.planned_dropoff_s) == ("scheduled", 36_000, 36_231)
    assert (a.booking.departure, a.booking.status, a.booking.rider) == (
        departure, "confirmed", personas["ent_a_user"],
    )  # fmt: skip
    assert a.booking.enterprise == personas["ent_a_user"].enterprise
    assert (big.status, big.reason, big.booking) == ("unserved", "too_many_seats", None)
    told = {n.recipient.username: n for n in Notification.objects.filter(kind="bus.demand")}
    with translation.override("zh-hans"):
        assert shown(told["a-user"].title) == (
            "定制公交 03-03：10:00 在地图上的点 (30.24300, 119.80100) 上车"
        )
        assert shown(told["a-user"].body) == f"车辆 DB01，乘车码 {a.booking.code}。"
        assert shown(told["resident"].title) == (
            "您 03-03 11:00 的定制公交未能安排：所需座位数超过任何一辆车的座位数"
        )
    # The run is no timetabled trip: not bookable from the timetable, not in the static feed.
    rows = selectors.timetable(user=personas["resident"], day=DAY)
    assert [r["trip"].gtfs_id for r in rows] == ["DB1_001"]
    trips_txt = gtfs.feed_files(user=personas["park_staff"])["trips.txt"].decode()
    assert "DRT_20270303_01" not in trips_txt


def test_a_day_is_accepted_once_and_takes_no_more_requests(demand, personas):
    _accept(demand, personas)
    with pytest.raises(ValidationFailed) as exc:
        _accept(demand, personas)
    assert [(e.field, e.code) for e in exc.value.errors] == [("day", "day_planned")]
    assert Trip.objects.filter(demand_day__isnull=False).count() == 1
    hub = bus.Stop.objects.get(park=demand["zone"].park, gtfs_id="S1")
    with pytest.raises(ValidationFailed) as exc:
        services_demand.demand_request_create(
            actor=personas["resident"], zone=demand["zone"], day=DAY.isoformat(),
            time_s="12:00", pickup_stop=hub.pk, dropoff_lat="30.265", dropoff_lon="119.87",
            now=BEFORE,
        )  # fmt: skip
    assert [(e.field, e.code) for e in exc.value.errors] == [("day", "day_planned")]


def test_seats_are_kept_and_each_request_served_once(park, personas):
    bus.network(park, seats=3)
    zone = DemandZone.objects.get(park=park)
    riders = [personas[p] for p in ("resident", "ent_a_user", "ent_b_user")]
    asked = [_ask(zone, r, "30.243", "30.253", 10 * 3600, seats=2) for r in riders]
    services_demand.demand_day_accept(actor=personas["park_staff"], zone=zone, day=DAY, now=BEFORE)
    rows = list(DemandRequest.objects.filter(pk__in=[r.pk for r in asked]))
    scheduled = [r for r in rows if r.status == "scheduled"]
    assert len(scheduled) + sum(r.status == "unserved" for r in rows) == 3
    assert len({r.booking_id for r in scheduled}) == len(scheduled) == Booking.objects.count()
    for departure in Departure.objects.filter(trip__demand_day__isnull=False):
        riding = [r for r in scheduled if r.booking.departure_id == departure.pk]
        assert departure.booked == services_demand.peak_load(riding) <= departure.seats == 3


def test_the_peak_load_by_hand():
    ride = lambda on, off, seats: SimpleNamespace(  # noqa: E731
        planned_pickup_s=on, planned_dropoff_s=off, seats=seats
    )
    # 100: 2 on; 150: 3; 200: 2 off (1) then 2 on (3); 250: 1; 300: 0. Boarding before
    # alighting at 200 would count 5.
    assert services_demand.peak_load([ride(100, 200, 2), ride(150, 300, 1), ride(200, 250, 2)]) == 3


def test_cancelling_a_scheduled_ride_gives_the_seats_back(demand, personas):
    _accept(demand, personas)
    a = DemandRequest.objects.get(pk=demand["a"].pk)
    services_demand.demand_request_cancel(actor=personas["ent_a_user"], request=a, now=BEFORE)
    a.refresh_from_db()
    assert (a.status, a.booking.status, a.booking.departure.booked) == ("cancelled", "cancelled", 0)
    # Within 30 minutes of the pick-up it is too late (the seat counts, as for a timetabled bus).
    b = _ask(demand["zone"], personas["ent_b_user"], "30.243", "30.253", 10 * 3600)
    DemandRequest.objects.filter(pk=b.pk).update(
        status="scheduled", booking=a.booking, planned_pickup_s=36_000, planned_dropoff_s=36_231
    )
    b.refresh_from_db()
    late = datetime.datetime(2027, 3, 3, 9, 45, tzinfo=TZ)
    with pytest.raises(ValidationFailed) as exc:
        services_demand.demand_request_cancel(actor=personas["ent_b_user"], request=b, now=late)
    assert [(e.field, e.code) for e in exc.value.errors] == [("status", "cancel_closed")]


def test_who_may_accept(demand, personas):
    with pytest.raises(Forbidden):  # a supervisor reads the network, does not run it
        _accept(demand, personas, who="supervisor")
    assert not DemandDay.objects.exists()


def test_the_staff_page_accepts_and_then_shows_the_runs(demand, personas, client):
    client.force_login(personas["park_staff"])
    url = reverse("bus:demand")
    page = client.get(url, {"zone": demand["zone"].pk}).content.decode()  # the day with requests
    assert 'data-testid="accept-form"' in page and 'value="2027-03-03"' in page
    posted = {"zone": demand["zone"].pk, "day": DAY.isoformat()}
    done = client.post(reverse("bus:demand_accept"), posted, follow=True).content.decode()
    assert "已接受排班：1 个班次" in done
    assert 'data-testid="accepted"' in done and 'data-testid="accept-form"' not in done
    assert "09:56" in done and "10:03" in done
    again = client.post(reverse("bus:demand_accept"), posted, follow=True).content.decode()
    assert "该日排班已接受" in again
    assert DemandDay.objects.count() == 1


def test_another_park_and_riders_cannot_accept(demand, personas, client):
    posted = {"zone": demand["zone"].pk, "day": DAY.isoformat()}
    client.force_login(personas["other_park_admin"])
    assert client.post(reverse("bus:demand_accept"), posted).status_code == 404
    client.force_login(personas["resident"])
    assert client.post(reverse("bus:demand_accept"), posted).status_code == 403
    client.force_login(personas["supervisor"])
    page = client.get(reverse("bus:demand"), {"zone": demand["zone"].pk}).content.decode()
    assert 'data-testid="accept-form"' not in page
    assert not DemandDay.objects.exists() and not Booking.objects.exists()
    with pytest.raises(NotFound):
        services_demand.demand_day_accept(
            actor=personas["other_park_admin"],
            zone=selectors.demand_zone_get(user=personas["other_park_admin"],
                                           zone_id=demand["zone"].pk),
            day=DAY,
        )  # fmt: skip
