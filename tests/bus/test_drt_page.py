"""The demand-responsive plan of the stored requests (selectors.demand_plan) and its staff page
(bus:demand): a hand-checked plan, the reasons shown, and who may see it."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from helpers import isolation_module
from parkpilot.bus import selectors
from parkpilot.bus.drt import Reason
from parkpilot.bus.models import DemandRequest, DemandZone

bus = isolation_module("bus")
DAY = bus.DAY


def _ask(zone, rider, lat, to_lat, time_s, seats=1, day=DAY):
    return DemandRequest.objects.create(
        park=zone.park, zone=zone, rider=rider, day=day,
        pickup_lat=Decimal(lat), pickup_lon=Decimal("119.801"),
        dropoff_lat=Decimal(to_lat), dropoff_lon=Decimal("119.801"), time_s=time_s, seats=seats,
    )  # fmt: skip


@pytest.fixture
def demand(park, personas):
    bus.network(park, seats=3)  # the hub at 30.233 N 119.801 E, one bus of 3 seats
    zone = DemandZone.objects.get(park=park)
    return {
        "zone": zone,
        # 0.01° north of the hub, on to 0.02°: 1,111.95 m each, at 20 km/h 200.2 s, so 201 s.
        "a": _ask(zone, personas["ent_a_user"], "30.243", "30.253", 10 * 3600, seats=2),
        "big": _ask(zone, personas["resident"], "30.243", "30.253", 11 * 3600, seats=4),
        "other_day": _ask(
            zone,
            personas["resident"],
            "30.243",
            "30.253",
            10 * 3600,
            day=DAY + datetime.timedelta(days=1),
        ),
    }


def test_the_plan_of_a_day_by_hand(demand, personas):
    plan = selectors.demand_plan(user=personas["park_staff"], zone_id=demand["zone"].pk, day=DAY)
    assert [r.pk for r in plan["requests"]] == [demand["a"].pk, demand["big"].pk]
    (route,) = plan["routes"]
    # Picked up at the requested 10:00:00; 30 s dwell and 201 s on (10:03:51); 30 s and 401 s
    # back to the hub (10:11:02); it left the hub 201 s before 10:00 (09:56:39).
    assert [(s["request"].pk, s["at"], s["load"]) for s in route["stops"]] == [
        (demand["a"].pk, "10:00", 2),
        (demand["a"].pk, "10:03", 0),
    ]
    assert (route["leaves"], route["returns"]) == ("09:56", "10:11")
    assert [(u["request"].pk, u["reason"]) for u in plan["unserved"]] == [
        (demand["big"].pk, Reason.TOO_MANY_SEATS.label)
    ]
    assert plan["served"] == 1


def test_the_staff_page_shows_the_plan(demand, personas, client):
    client.force_login(personas["park_staff"])
    response = client.get(reverse("bus:demand"), {"day": DAY.isoformat()})
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('data-testid="route"') == 1
    assert "DB01" in page and "10:03" in page
    assert "所需座位数超过任何一辆车的座位数" in page  # the reason, in Chinese
    assert "2 个请求中已安排 1 个" in page


def test_a_day_without_requests_and_a_bad_day(demand, personas, client):
    client.force_login(personas["park_staff"])
    empty = client.get(reverse("bus:demand"), {"day": "2027-01-04"})
    assert 'data-testid="no-requests"' in empty.content.decode()
    bad = client.get(reverse("bus:demand"), {"day": "2027-13-01"})
    assert bad.status_code == 200
    assert [m.message for m in bad.context["messages"]]


def test_another_park_and_an_employee_see_no_plan(demand, personas, client):
    client.force_login(personas["other_park_admin"])
    url = reverse("bus:demand")
    assert client.get(url, {"zone": demand["zone"].pk}).status_code == 404
    assert 'data-testid="route"' not in client.get(url).content.decode()  # no zone of its own
    client.force_login(personas["ent_a_user"])
    assert client.get(url, {"zone": demand["zone"].pk}).status_code == 403
    assert client.get(url, {"zone": "x"}).status_code == 403
