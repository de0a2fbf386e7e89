"""GTFS-Realtime VehiclePositions: the latest fresh fix of each bus, read back with the same
bindings; GCJ-02 fixes are stored WGS84; only the network's readers get the feed."""

import datetime

import pytest
from django.test import Client
from google.transit import gtfs_realtime_pb2

from helpers import isolation_module
from parkpilot.bus import geo, realtime, services
from parkpilot.tenancy.errors import Forbidden

bus = isolation_module("bus")
pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2027, 3, 3, 0, 10, tzinfo=datetime.UTC)


def test_the_latest_fresh_fix_of_each_bus(park, personas):
    trip = bus.network(park)
    staff = personas["park_staff"]
    old = NOW - realtime.FRESH - datetime.timedelta(seconds=1)
    services.position_record(actor=staff, vehicle=trip.vehicle, lat=30.20, lon=119.80, at=old)
    services.position_record(
        actor=staff, vehicle=trip.vehicle, lat=30.2300, lon=119.8060, datum="gcj02",
        at=NOW - datetime.timedelta(seconds=30), trip=trip,
    )  # fmt: skip
    feed = gtfs_realtime_pb2.FeedMessage()
    feed.ParseFromString(realtime.vehicle_positions(user=staff, now=NOW))
    assert feed.header.gtfs_realtime_version == "2.0"
    (entity,) = feed.entity
    wgs_lat, wgs_lon = geo.to_wgs84(30.2300, 119.8060, datum="gcj02")
    assert entity.vehicle.vehicle.id == "DB01"
    assert entity.vehicle.position.latitude == pytest.approx(float(wgs_lat), abs=1e-5)
    assert entity.vehicle.position.longitude == pytest.approx(float(wgs_lon), abs=1e-5)
    assert entity.vehicle.trip.trip_id == "DB1_001"
    assert entity.vehicle.timestamp == int(NOW.timestamp()) - 30
    other = gtfs_realtime_pb2.FeedMessage()
    other.ParseFromString(realtime.vehicle_positions(user=personas["other_park_admin"], now=NOW))
    assert len(other.entity) == 0


def test_who_may_report_and_read(park, personas):
    trip = bus.network(park)
    with pytest.raises(Forbidden):
        services.position_record(actor=personas["resident"], vehicle=trip.vehicle, lat=30, lon=119)
    for persona, status in (("park_staff", 200), ("resident", 403), ("ent_a_admin", 403)):
        client = Client()
        client.force_login(personas[persona])
        assert client.get("/bus/network/vehicle-positions.pb").status_code == status, persona
