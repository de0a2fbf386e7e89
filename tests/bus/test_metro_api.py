"""A feed posts a train's delay through the API (/api/v1/bus/metro/delays); the planner enters
it on the page. Bad input is refused naming the field; other tenants get 404 (the isolation
cases in isolation.py); nothing is stored when refused."""

import pytest

from helpers import isolation_module
from parkpilot.bus.models import BrokenConnection, MetroDelay
from parkpilot.notifications.models import Notification
from parkpilot.tenancy.models import Role, User

bus = isolation_module("bus")
pytestmark = pytest.mark.django_db
URL = "/api/v1/bus/metro/delays"


@pytest.fixture
def w1(park):
    return bus.trains(bus.network(park))[0]  # 07:50; the bus leaves the metro stop at 08:00


@pytest.mark.parametrize(
    "change, field",
    [
        ({"minutes": "abc"}, "minutes"),
        ({"minutes": -1}, "minutes"),
        ({"minutes": 181}, "minutes"),
        ({"day": "2027-02-30"}, "day"),
        ({"day": "2026-12-31"}, "day"),  # before the calendar starts: the train does not run
    ],
)
def test_bad_input_names_the_field(api_as, w1, change, field):
    payload = {"arrival_id": w1.pk, "day": bus.DAY.isoformat(), "minutes": 8} | change
    answer = api_as("park_staff").post(URL, payload)
    assert answer.status_code == 422, answer.json()
    assert [e["loc"][-1] for e in answer.json()["detail"]] == [field]
    assert not MetroDelay.objects.exists()


def test_an_unknown_train_is_404(api_as, w1):
    payload = {"arrival_id": w1.pk + 1000, "day": bus.DAY.isoformat(), "minutes": 8}
    assert api_as("park_staff").post(URL, payload).status_code == 404


def test_a_supervisor_reads_but_does_not_post(api_as, w1):
    payload = {"arrival_id": w1.pk, "day": bus.DAY.isoformat(), "minutes": 8}
    assert api_as("supervisor").get("/api/v1/bus/metro/arrivals").status_code == 200
    assert api_as("supervisor").post(URL, payload).status_code == 403
    assert not MetroDelay.objects.exists()


def test_a_dispatchers_feed_posts_and_repeats_itself(client, park, w1, riders):
    from parkpilot.bus import services
    from parkpilot.tenancy.services import api_token_create

    trip = bus.Trip.objects.get(park=park)
    services.booking_create(actor=riders[0], trip=trip, day=bus.DAY, now=bus.BEFORE)
    feed = User.objects.create_user(
        username="metro-feed", password="pw-feed", role=Role.RESIDENT, park=park,
        granted_roles=["bus_dispatcher"],
    )  # fmt: skip
    token = api_token_create(actor=None, via="test", user=feed, name="feed")
    payload = {"arrival_id": w1.pk, "day": bus.DAY.isoformat(), "minutes": 8}
    first = client.post(URL, payload, content_type="application/json",
                        HTTP_AUTHORIZATION=f"Bearer {token}")  # fmt: skip
    assert first.status_code == 201, first.json()
    body = first.json()
    assert (body["minutes"], body["flagged"], body["cleared"]) == (8, [trip.pk], [])
    again = client.post(URL, payload, content_type="application/json",
                        HTTP_AUTHORIZATION=f"Bearer {token}")  # fmt: skip
    assert (again.status_code, again.json()["flagged"]) == (201, [])
    assert Notification.objects.filter(kind="bus.connection").count() == 1
    assert MetroDelay.objects.get().entered_by == feed


def test_the_planners_page(client, personas, w1):
    client.force_login(personas["park_staff"])
    page = client.get(f"/bus/network/metro/?day={bus.DAY}")
    assert page.status_code == 200
    rows = page.context["plan"]["rows"]
    assert [(r["time"], r["connected"]) for r in rows] == [
        ("07:50", True), ("07:55", True), ("08:12", False), ("08:30", False)
    ]  # fmt: skip
    assert page.context["may_enter"]
    posted = client.post(
        "/bus/network/metro/delay/",
        {"arrival": w1.pk, "day": bus.DAY.isoformat(), "minutes": "x"},
        follow=True,
    )
    assert "晚点（分钟）：须为整数。" in [str(m) for m in posted.context["messages"]]
    assert not MetroDelay.objects.exists()
    posted = client.post(
        "/bus/network/metro/delay/",
        {"arrival": w1.pk, "day": bus.DAY.isoformat(), "minutes": "8"},
        follow=True,
    )
    assert "晚点已录入：标记 1 个班次，解除 0 个。" in [str(m) for m in posted.context["messages"]]
    assert BrokenConnection.objects.get().delay_min == 8
    assert posted.context["plan"]["flagged"][0]["flag"].trip.gtfs_id == "DB1_001"


@pytest.mark.parametrize("persona", ["resident", "ent_a_admin", "ent_a_user"])
def test_the_page_is_not_for_riders_or_enterprises(client, personas, w1, persona):
    client.force_login(personas[persona])
    assert client.get("/bus/network/metro/").status_code == 403
    answer = client.post("/bus/network/metro/delay/", {"arrival": w1.pk, "day": bus.DAY,
                                                       "minutes": "8"})  # fmt: skip
    assert answer.status_code == 403
    assert not MetroDelay.objects.exists()
