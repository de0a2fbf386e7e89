"""The network as a GTFS feed: importing the export gives the same network (the same files,
byte for byte, from another park); both validators from PyPI find no error in a small feed with
a GTFS-Flex zone; ids are ASCII; working days become calendar_dates exceptions."""

import csv
import datetime
import io
import json
import zipfile
from decimal import Decimal

import pytest

from benchmarks.bench_bus import gtfs_guru_errors, gtfs_validator_errors
from helpers import isolation_module
from parkpilot.bus import geo, gtfs
from parkpilot.bus.models import DemandZone, Stop, StopTime, Trip
from parkpilot.tenancy.errors import ValidationFailed
from parkpilot.tenancy.models import Role, User

bus = isolation_module("bus")
pytestmark = pytest.mark.django_db


def _rows(files, name):
    return list(csv.DictReader(io.StringIO(files[name].decode())))


def test_importing_the_export_gives_the_same_network(park, other_park, personas):
    bus.network(park)
    files = gtfs.feed_files(user=personas["park_admin"])
    exported = gtfs.feed_export(user=personas["park_admin"])
    counts = gtfs.feed_import(actor=personas["other_park_admin"], park=other_park, data=exported)
    assert counts == {
        "agencies": 1, "stops": 3, "lines": 1, "services": 1, "trips": 1, "zones": 1,
    }  # fmt: skip
    again = gtfs.feed_files(user=personas["other_park_admin"])
    assert again == files
    assert gtfs.feed_export(user=personas["other_park_admin"]) == exported
    # Importing twice changes nothing (rows matched on their GTFS ids).
    gtfs.feed_import(actor=personas["other_park_admin"], park=other_park, data=exported)
    assert Trip.objects.filter(park=other_park).count() == 1
    assert StopTime.objects.filter(trip__park=other_park).count() == 3
    zone = DemandZone.objects.get(park=other_park)
    assert (zone.window_start_s, zone.window_end_s, zone.prior_notice_min) == (32400, 57600, 30)


def test_the_demo_feed_and_a_small_one_pass_both_validators(park, personas, tmp_path):
    bus.network(park)
    feed = tmp_path / "gtfs.zip"
    feed.write_bytes(gtfs.feed_export(user=personas["park_admin"]))
    assert gtfs_validator_errors(feed) == {}
    assert gtfs_guru_errors(feed) == {}
    names = zipfile.ZipFile(feed).namelist()
    assert {"locations.geojson", "booking_rules.txt"} <= set(names)


def test_the_validators_do_find_errors(park, personas, tmp_path):
    """Not vacuous: a stop time naming a stop that is not in stops.txt is an error to both."""
    bus.network(park)
    files = gtfs.feed_files(user=personas["park_admin"])
    files["stop_times.txt"] = files["stop_times.txt"].replace(b",S1,", b",NOWHERE,")
    feed = tmp_path / "broken.zip"
    with zipfile.ZipFile(feed, "w") as z:
        for name, content in files.items():
            z.writestr(name, content)
    assert "foreign_key_violation" in gtfs_validator_errors(feed)
    assert "foreign_key_violation" in gtfs_guru_errors(feed)


def test_flex_zone_rows(park, personas):
    bus.network(park)
    files = gtfs.feed_files(user=personas["park_admin"])
    flex = [r for r in _rows(files, "stop_times.txt") if r["location_id"]]
    assert [(r["stop_sequence"], r["pickup_type"], r["drop_off_type"]) for r in flex] == [
        ("1", "2", "1"),
        ("2", "1", "2"),
    ]
    assert {r["start_pickup_drop_off_window"] for r in flex} == {"09:00:00"}
    assert {r["pickup_booking_rule_id"] for r in flex} == {"DRT_booking"}
    (rule,) = _rows(files, "booking_rules.txt")
    assert (rule["booking_type"], rule["prior_notice_duration_min"]) == ("1", "30")
    (feature,) = json.loads(files["locations.geojson"])["features"]
    assert feature["id"] == "DRT" and feature["geometry"]["type"] == "Polygon"


def test_working_days_become_calendar_exceptions(park, personas):
    trip = bus.network(park)
    service = trip.service
    service.rule = "working"
    service.start_date, service.end_date = datetime.date(2026, 9, 28), datetime.date(2026, 10, 11)
    service.save()
    files = gtfs.feed_files(user=personas["park_admin"])
    (calendar,) = _rows(files, "calendar.txt")
    assert [calendar[d] for d in gtfs.WEEKDAYS] == ["1"] * 5 + ["0"] * 2
    # 2026 National Day: Thursday 1 to Wednesday 7 October off; the weekdays among them
    # (1, 2, 5, 6, 7) are removed, make-up Saturday 10 October added (chinese-calendar 1.11,
    # transcribing the State Council's notice; workcalendar.py cites the same days).
    exceptions = {(r["date"], r["exception_type"]) for r in _rows(files, "calendar_dates.txt")}
    assert exceptions == {
        ("20261001", "2"), ("20261002", "2"), ("20261005", "2"), ("20261006", "2"),
        ("20261007", "2"), ("20261010", "1"),
    }  # fmt: skip


def test_ids_must_be_ascii(park, personas):
    bus.network(park)
    Stop.objects.filter(gtfs_id="S1").update(gtfs_id="公交中心")
    with pytest.raises(ValidationFailed) as caught:
        gtfs.feed_files(user=personas["park_admin"])
    assert caught.value.errors[0].field == "stop_id"


def test_a_broken_feed_is_refused_naming_the_file(park, personas):
    with pytest.raises(ValidationFailed) as caught:
        gtfs.feed_import(actor=personas["park_admin"], park=park, data=b"not a zip")
    assert caught.value.errors[0].code == "gtfs"
    empty = io.BytesIO()
    zipfile.ZipFile(empty, "w").writestr("agency.txt", "agency_id\n")
    with pytest.raises(ValidationFailed) as caught:
        gtfs.feed_import(actor=personas["park_admin"], park=park, data=empty.getvalue())
    assert caught.value.errors[0].code == "gtfs"


def test_only_network_writers_import(park, personas):
    driver = User.objects.create_user(
        username="d", password="x", role=Role.RESIDENT, park=park, granted_roles=["bus_driver"]
    )
    from parkpilot.tenancy.errors import Forbidden

    for actor in (personas["resident"], personas["ent_a_admin"], driver):
        with pytest.raises(Forbidden):
            gtfs.feed_import(actor=actor, park=park, data=b"")


def test_gcj02_input_is_stored_as_wgs84():
    # A point near the metro station as AMap shows it (GCJ-02): WGS84 lies about 540 m off.
    # The round trip through prcoords' forward transform comes back within 1e-6 degrees.
    lat, lon = geo.to_wgs84(30.2300, 119.8060, datum="gcj02")
    back = geo.to_gcj02(lat, lon)
    assert abs(back[0] - 30.2300) < 1e-6 and abs(back[1] - 119.8060) < 1e-6
    # Metres between the two: 1° latitude ≈ 111,320 m; 1° longitude ≈ 111,320·cos(30.23°) m.
    import math

    dy = (30.2300 - float(lat)) * 111_320
    dx = (119.8060 - float(lon)) * 111_320 * math.cos(math.radians(30.23))
    assert 450 < math.hypot(dx, dy) < 650
    assert geo.to_wgs84(30.2300, 119.8060) == (Decimal("30.230000"), Decimal("119.806000"))
