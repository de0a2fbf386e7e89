"""Expected arrivals from a bus's GPS fix (schedule deviation, bus/eta.py), the fix through
the MQTT door's bus handler, and the GTFS-Realtime TripUpdates feed.

The test network (tests/bus/isolation.py): stops at 30.232, 30.233 and 30.234 °N on 119.801 °E
(111 m apart, due north), timetabled 08:00, 08:04 and 08:08 on working days."""

import datetime

import orjson
import pytest
from google.transit import gtfs_realtime_pb2

from helpers import isolation_module
from parkpilot.bus import eta, handlers, realtime, selectors_live
from parkpilot.bus.models import DayRule, VehiclePosition

bus = isolation_module("bus")
pytestmark = pytest.mark.django_db
DAY = datetime.date(2027, 3, 3)  # a Wednesday, a working day
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def at(hh, mm, ss=0):
    return datetime.datetime(2027, 3, 3, hh, mm, ss, tzinfo=SHANGHAI)


STOPS = [
    eta.TimedStop(1, "S0", "青山湖科技城", 30.232, 119.801, 8 * 3600, 8 * 3600),
    eta.TimedStop(2, "S1", "公交中心站", 30.233, 119.801, 8 * 3600 + 240, 8 * 3600 + 240),
    eta.TimedStop(3, "S2", "杭叉站", 30.234, 119.801, 8 * 3600 + 480, 8 * 3600 + 480),
]


def test_a_bus_halfway_two_minutes_late():
    # Halfway between the first two stops (30.2325 °N) the timetable says 08:02; the fix is at
    # 08:04, so the bus runs 120 s late, and the stops ahead are expected 2 minutes late.
    estimate = eta.estimate(STOPS, DAY, 30.2325, 119.801, at(8, 4))
    assert estimate.delay_s == 120
    assert [(a.stop.stop_id, a.scheduled, a.expected) for a in estimate.ahead] == [
        ("S1", at(8, 4), at(8, 6)),
        ("S2", at(8, 8), at(8, 10)),
    ]


def test_early_buses_and_a_place_off_the_path():
    # At the second stop at 08:03: one minute early; only the last stop is ahead. 40 m east of
    # the path the projection is the same place.
    for lon in (119.801, 119.801 + 40 / (110_574 * 0.86479)):  # cos(30.232°) = 0.86479
        estimate = eta.estimate(STOPS, DAY, 30.233, lon, at(8, 3))
        assert estimate.delay_s == -60
        assert [(a.stop.stop_id, a.expected) for a in estimate.ahead] == [("S2", at(8, 7))]
    # Before the first stop: the whole trip is ahead, never expected before the fix itself.
    before = eta.estimate(STOPS, DAY, 30.231, 119.801, at(7, 50))
    assert [a.stop.stop_id for a in before.ahead] == ["S1", "S2"]  # S0 is where it stands
    assert all(a.expected >= at(7, 50) for a in before.ahead)


def _fix(lat, ts):
    return orjson.dumps({"vehicle": "DB01", "lat": lat, "lon": 119.801, "ts": ts.isoformat()})


def test_a_fix_through_the_handler_finds_its_trip_and_the_stop_its_arrival(park, personas):
    trip = bus.network(park)
    assert handlers.on_positions_message(
        park_id=park.pk, gateway_id=None, payload=_fix(30.2325, at(8, 4)), now=at(8, 4, 1)
    ) == 1  # fmt: skip
    assert VehiclePosition.objects.get().trip == trip  # the one its timetable runs now
    staff = personas["park_staff"]
    stop = trip.stop_times.get(sequence=3).stop
    (arrival,) = selectors_live.stop_arrivals(user=staff, stop_id=stop.pk, now=at(8, 4, 30))
    assert (arrival["expected"], arrival["delay_min"]) == (at(8, 10), 2)
    # The feed says the same.
    feed = gtfs_realtime_pb2.FeedMessage()
    feed.ParseFromString(realtime.trip_updates(user=staff, now=at(8, 4, 30)))
    (entity,) = feed.entity
    update = entity.trip_update
    assert (update.trip.trip_id, update.trip.start_date, update.delay) == (
        trip.gtfs_id, "20270303", 120,
    )  # fmt: skip
    assert [(u.stop_sequence, u.arrival.time) for u in update.stop_time_update] == [
        (2, int(at(8, 6).timestamp())),
        (3, int(at(8, 10).timestamp())),
    ]
    # Another park reads nothing of it.
    other = gtfs_realtime_pb2.FeedMessage()
    other.ParseFromString(realtime.trip_updates(user=personas["other_park_admin"], now=at(8, 5)))
    assert len(other.entity) == 0


def test_a_fix_outside_any_trip_is_stored_without_one(park, personas):
    bus.network(park)
    fix = _fix(30.2, at(12, 0))
    handlers.on_positions_message(park_id=park.pk, gateway_id=None, payload=fix, now=at(12, 0))
    assert VehiclePosition.objects.get().trip is None  # at noon it runs nothing
    assert selectors_live.estimates(user=personas["park_staff"], now=at(12, 1)) == []


def test_both_realtime_feeds_pass_the_gtfs_rt_validator(park, personas, tmp_path):
    from benchmarks.bench_bus import gtfs_rt_errors
    from parkpilot.bus import gtfs

    bus.network(park)
    handlers.on_positions_message(
        park_id=park.pk, gateway_id=None, payload=_fix(30.2325, at(8, 4)), now=at(8, 4)
    )
    staff = personas["park_staff"]
    static = tmp_path / "gtfs.zip"
    static.write_bytes(gtfs.feed_export(user=staff))
    now = at(8, 4, 30)
    feeds = {"tu": realtime.trip_updates(user=staff, now=now),
             "vp": realtime.vehicle_positions(user=staff, now=now)}  # fmt: skip
    assert gtfs_rt_errors(static, feeds, now, tmp_path) == {}
    # The validator is not vacuous: a stop the static feed does not have is an error.
    broken = gtfs_realtime_pb2.FeedMessage()
    broken.ParseFromString(feeds["tu"])
    broken.entity[0].trip_update.stop_time_update[0].stop_id = "NOWHERE"
    feeds["tu"] = broken.SerializeToString()
    assert gtfs_rt_errors(static, feeds, now, tmp_path / "broken") != {}


def test_the_stop_page_shows_a_resident_when_the_bus_comes(park, personas, client):
    trip = bus.network(park)
    now = datetime.datetime.now(SHANGHAI).replace(second=0, microsecond=0)
    # The test trip runs 08:00-08:08; a fix "now" must fall in it, so move the trip to now.
    start = now.hour * 3600 + now.minute * 60 - 120
    for st in trip.stop_times.all():
        st.arrival_s = st.departure_s = start + (st.sequence - 1) * 240
        st.save()
    trip.service.start_date = now.date() - datetime.timedelta(days=1)
    trip.service.end_date = now.date() + datetime.timedelta(days=1)
    trip.service.rule = DayRule.EVERY_DAY
    trip.service.save()
    # At the first stop now: timetabled 2 minutes ago, so 2 minutes late at the last stop.
    handlers.on_positions_message(
        park_id=park.pk, gateway_id=None, payload=_fix(30.232, now), now=now
    )
    client.force_login(personas["resident"])
    last = trip.stop_times.get(sequence=3).stop
    page = client.get(f"/bus/m/stops/{last.pk}/").content.decode()
    # The last stop is timetabled 8 minutes after the first (now - 2 min): now + 6 min, and the
    # bus runs 2 minutes late: now + 8 min.
    expected = now + datetime.timedelta(minutes=8)
    assert expected.strftime("%H:%M") in page and "晚点 2 分钟" in page
    assert "30.232" not in page  # when, not where: a resident reads no position
