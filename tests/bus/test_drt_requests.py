"""Riders ask for a demand-responsive ride (services_demand.demand_request_create) from the
residents' front door: from a stop or a point inside the zone, a day, a time, seats; every bad
field named at once; their own requests listed and cancelled, nobody else's."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from helpers import isolation_module
from parkpilot.bus import services_demand
from parkpilot.bus.models import DemandRequest, DemandZone
from parkpilot.tenancy.errors import NotFound, ValidationFailed

bus = isolation_module("bus")
DAY, BEFORE = bus.DAY, bus.BEFORE
# Inside the test zone's triangle (119.85/30.26, 119.88/30.26, 119.88/30.29): at 119.87 E its
# diagonal is at 30.28 N, so 30.265 N is inside; 30.285 N is above the diagonal, outside.
INSIDE = ("30.265000", "119.870000")
OUTSIDE = ("30.285000", "119.860000")


@pytest.fixture
def drt_zone(park):
    bus.network(park)
    return DemandZone.objects.get(park=park)


def _ask(actor, zone, **given):
    values = {
        "day": DAY.isoformat(), "time_s": "10:00", "seats": "2",
        "pickup_stop": str(bus.Stop.objects.get(park=zone.park, gtfs_id="S1").pk),
        "dropoff_lat": INSIDE[0], "dropoff_lon": INSIDE[1],
    } | given  # fmt: skip
    return services_demand.demand_request_create(actor=actor, zone=zone, now=BEFORE, **values)


def _fields(exc) -> dict:
    return {e.field: e.code for e in exc.value.errors}


def test_a_request_from_a_stop_to_a_point(drt_zone, personas):
    zone = drt_zone
    made = _ask(personas["resident"], zone)
    made.refresh_from_db()
    hub = bus.Stop.objects.get(park=zone.park, gtfs_id="S1")  # 公交中心站, 30.233 N 119.801 E
    assert (made.pickup_stop, made.pickup_lat, made.pickup_lon) == (
        hub, Decimal("30.233000"), Decimal("119.801000"),
    )  # fmt: skip
    assert (made.dropoff_stop, made.dropoff_lat, made.dropoff_lon) == (
        None, Decimal("30.265000"), Decimal("119.870000"),
    )  # fmt: skip
    assert (made.day, made.time_s, made.seats, made.status) == (DAY, 36_000, 2, "requested")


def test_every_bad_field_is_named_at_once(drt_zone, personas):
    zone = drt_zone
    with pytest.raises(ValidationFailed) as exc:
        _ask(personas["resident"], zone, day="2027-13-01", time_s="25:00", seats="0",
             pickup_stop="", dropoff_lat=OUTSIDE[0], dropoff_lon=OUTSIDE[1])  # fmt: skip
    assert _fields(exc) == {
        "day": "format", "time_s": "format", "seats": "out_of_range",
        "pickup_stop": "required", "dropoff_lat": "outside_zone",
    }  # fmt: skip
    assert not DemandRequest.objects.exists()


def test_the_service_window_the_notice_and_the_day(drt_zone, personas):
    zone = drt_zone
    rider = personas["resident"]
    # The zone runs 09:00-16:00; 16:30 is outside.
    with pytest.raises(ValidationFailed) as exc:
        _ask(rider, zone, time_s="16:30")
    assert _fields(exc) == {"time_s": "out_of_range"}
    # "Now" is 2027-03-02 20:00 in Hangzhou: a day before it is refused.
    with pytest.raises(ValidationFailed) as exc:
        _ask(rider, zone, day="2027-03-01")
    assert _fields(exc) == {"day": "out_of_range"}
    late = datetime.datetime(2027, 3, 3, 1, 45, tzinfo=datetime.UTC)  # 09:45 in Hangzhou
    with pytest.raises(ValidationFailed) as exc:
        services_demand.demand_request_create(
            actor=rider, zone=zone, day="2027-03-03", time_s="10:00", seats=1,
            pickup_lat=INSIDE[0], pickup_lon=INSIDE[1], dropoff_stop=str(
                bus.Stop.objects.get(park=zone.park, gtfs_id="S0").pk), now=late,
        )  # fmt: skip
    assert _fields(exc) == {"time_s": "too_late"}  # 15 minutes ahead, 30 needed
    with pytest.raises(ValidationFailed) as exc:  # the service calendar ends 2027-12-31
        _ask(rider, zone, day="2028-01-04")
    assert _fields(exc) == {"day": "not_running"}


def test_a_stop_of_another_park_and_the_same_place_twice(drt_zone, personas, other_park):
    zone = drt_zone
    foreign = bus.network(other_park, suffix="X").stop_times.first().stop
    with pytest.raises(ValidationFailed) as exc:
        _ask(personas["resident"], zone, pickup_stop=str(foreign.pk))
    assert _fields(exc) == {"pickup_stop": "unknown"}
    hub = str(bus.Stop.objects.get(park=zone.park, gtfs_id="S1").pk)
    with pytest.raises(ValidationFailed) as exc:
        _ask(personas["resident"], zone, dropoff_stop=hub, dropoff_lat="", dropoff_lon="")
    assert _fields(exc) == {"dropoff_stop": "invalid"}


def test_another_parks_rider_cannot_ask_in_the_zone(drt_zone, personas):
    zone = drt_zone
    with pytest.raises(NotFound):
        _ask(personas["other_park_admin"], zone)


def test_a_rider_cancels_only_their_own(drt_zone, personas):
    zone = drt_zone
    made = _ask(personas["resident"], zone)
    with pytest.raises(NotFound):
        services_demand.demand_request_cancel(actor=personas["ent_a_user"], request=made)
    done = services_demand.demand_request_cancel(actor=personas["resident"], request=made)
    assert done.status == "cancelled"
    with pytest.raises(ValidationFailed) as exc:
        services_demand.demand_request_cancel(actor=personas["resident"], request=done)
    assert _fields(exc) == {"status": "invalid_transition"}


def test_the_phone_page_asks_lists_and_cancels(drt_zone, personas, client):
    zone = drt_zone
    client.force_login(personas["resident"])
    page = client.get(reverse("bus:demand_mine"))
    assert page.status_code == 200
    assert 'data-testid="demand-form"' in page.content.decode()
    hub = bus.Stop.objects.get(park=zone.park, gtfs_id="S1")
    posted = {
        "zone": zone.pk, "day": DAY.isoformat(), "time_s": "10:00", "seats": "1",
        "pickup_stop": hub.pk, "dropoff_lat": INSIDE[0], "dropoff_lon": INSIDE[1],
    }  # fmt: skip
    answer = client.post(reverse("bus:demand_request"), posted, follow=True)
    made = DemandRequest.objects.get()
    listed = answer.content.decode()
    assert "请求已提交" in listed and "公交中心站 → 地图上的点 (30.26500, 119.87000)" in listed
    assert "03-03 10:00" in listed and "等待当天排班" in listed
    # A bad time comes back with the field's reason and what was typed.
    bad = client.post(reverse("bus:demand_request"), posted | {"time_s": "7 点"})
    assert bad.status_code == 200
    assert "请按 HH:MM 填写时间。" in bad.content.decode()
    assert 'value="7 点"' in bad.content.decode()
    client.post(reverse("bus:demand_cancel", args=[made.pk]))
    made.refresh_from_db()
    assert made.status == "cancelled"


def test_a_bad_zone_is_named_not_a_server_error(drt_zone, personas, client):
    zone = drt_zone
    client.force_login(personas["resident"])
    answer = client.post(reverse("bus:demand_request"), {"zone": "abc"}, follow=True)
    assert answer.status_code == 200
    assert not DemandRequest.objects.exists()
    other = client.post(reverse("bus:demand_request"), {"zone": zone.pk + 1000})
    assert other.status_code == 404
