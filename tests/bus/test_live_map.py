"""Live buses on the network map (bus:live_buses): each bus's latest fix of the last five
minutes, the park's network readers only, another park's buses never."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from helpers import isolation_module
from parkpilot.bus import selectors_live, services
from parkpilot.bus.models import Vehicle

bus = isolation_module("bus")
pytestmark = pytest.mark.django_db


def _fix(actor, vehicle, lat, at, trip=None):
    services.position_record(actor=actor, vehicle=vehicle, lat=lat, lon=119.801, at=at, trip=trip)


def test_each_bus_at_its_latest_fresh_fix(park, personas):
    trip = bus.network(park)
    other = Vehicle.objects.create(park=park, code="DB02", seats=30)
    stale = Vehicle.objects.create(park=park, code="DB03", seats=30)
    now = timezone.now()
    staff = personas["park_staff"]
    _fix(staff, trip.vehicle, 30.240, now - datetime.timedelta(minutes=2), trip)
    _fix(staff, trip.vehicle, 30.241, now - datetime.timedelta(seconds=30), trip)  # the latest
    _fix(staff, other, 30.250, now - datetime.timedelta(minutes=4))
    _fix(staff, stale, 30.260, now - datetime.timedelta(minutes=6))  # older than five minutes
    live = selectors_live.live_buses_geojson(user=staff, now=now)
    assert [f["properties"]["name"] for f in live["features"]] == ["DB01 快线1号", "DB02"]
    # A dot of 90 m around the fix: its ring's northmost point is 90 / 111,320 degrees north.
    ring = live["features"][0]["geometry"]["coordinates"][0]
    assert max(p[1] for p in ring) == pytest.approx(30.241 + 90 / 111_320, abs=1e-6)


def test_readers_only_and_their_own_park(park, other_park, personas, client):
    trip = bus.network(park)
    _fix(personas["park_staff"], trip.vehicle, 30.241, timezone.now(), trip)
    url = reverse("bus:live_buses")
    client.force_login(personas["park_staff"])
    assert len(client.get(url).json()["features"]) == 1
    client.force_login(personas["other_park_admin"])
    assert client.get(url).json()["features"] == []
    for persona in ("resident", "ent_a_user"):
        client.force_login(personas[persona])
        assert client.get(url).status_code == 403, persona


def test_the_network_page_asks_for_the_live_layer(park, personas, client):
    bus.network(park)
    client.force_login(personas["park_staff"])
    page = client.get(reverse("bus:network")).content.decode()
    assert f'data-live="{reverse("bus:live_buses")}"' in page
