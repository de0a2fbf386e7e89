"""The metro last mile: which buses a train's riders catch, and what a train's delay breaks.

The network, by hand (all leaving the metro stop 青山湖科技城; transfer 3 to 15 min):
    A  快线1号 08:00 (3 seats)       B  快线1号 08:20 (3 seats)
    C  快线2号 08:10 (5 seats)       D  快线1号 ending at the station at 08:00 (takes nobody)
Trains: W1 07:50, W2 07:55, W3 08:12, W4 08:30.
    W1 window 07:53-08:05: A, wait 10      W2 window 07:58-08:10: A and C, wait 5
    W3 window 08:15-08:27: B, wait 8       W4 window 08:33-08:45: nothing
so 3 of 4 trains connect (75.0 %)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from helpers import isolation_module
from parkpilot.bus import metro, selectors, services, services_metro
from parkpilot.bus.models import (
    BookingStatus,
    BrokenConnection,
    Line,
    LineKind,
    MetroDelay,
    Stop,
    StopKind,
    StopTime,
    Trip,
    Vehicle,
)
from parkpilot.notifications.models import Notification
from parkpilot.stored_text import shown
from parkpilot.tenancy.errors import Forbidden, ValidationFailed

bus = isolation_module("bus")
pytestmark = pytest.mark.django_db
DAY = bus.DAY


def _trip(a, gtfs_id, line, seats, stops_and_times):
    vehicle = Vehicle.objects.create(park=a.park, code=f"V{gtfs_id}", seats=seats)
    trip = Trip.objects.create(
        park=a.park, line=line, service=a.service, gtfs_id=gtfs_id, headsign="杭叉站",
        vehicle=vehicle, starts_s=stops_and_times[0][1],
    )  # fmt: skip
    for n, (stop, at) in enumerate(stops_and_times, start=1):
        StopTime.objects.create(trip=trip, stop=stop, sequence=n, arrival_s=at, departure_s=at)
    return trip


@pytest.fixture
def net(park):
    a = bus.network(park, seats=3)  # 快线1号 08:00 from the metro stop
    station = Stop.objects.get(park=park, kind=StopKind.METRO)
    far = Stop.objects.get(park=park, gtfs_id="S2")
    line2 = Line.objects.create(
        park=park, agency=a.line.agency, gtfs_id="DB2", short_name="快线2号",
        kind=LineKind.EXPRESS, bookable=True,
    )  # fmt: skip
    h = 3600
    b = _trip(a, "DB1_002", a.line, 3, [(station, 8 * h + 20 * 60), (far, 8 * h + 28 * 60)])
    c = _trip(a, "DB2_001", line2, 5, [(station, 8 * h + 10 * 60), (far, 8 * h + 18 * 60)])
    d = _trip(a, "DB1_003", a.line, 3, [(far, 7 * h + 52 * 60), (station, 8 * h)])
    trains = bus.trains(a)
    return {"A": a, "B": b, "C": c, "D": d, "trains": trains}


def _book(trip, riders):
    return [services.booking_create(actor=r, trip=trip, day=DAY, now=bus.BEFORE) for r in riders]


def test_the_waves_and_their_buses(net, personas, riders):
    _book(net["A"], riders[:2])
    plan = selectors.metro_plan(user=personas["park_staff"], day=DAY)
    got = [
        (r["time"], [f"{b['trip'].gtfs_id} {b['time']}" for b in r["buses"]], r["seats"],
         r["booked"], r["wait_min"], r["connected"])
        for r in plan["rows"]
    ]  # fmt: skip
    assert got == [
        ("07:50", ["DB1_001 08:00"], 3, 2, 10, True),
        ("07:55", ["DB1_001 08:00", "DB2_001 08:10"], 8, 2, 5, True),
        ("08:12", ["DB1_002 08:20"], 3, 0, 8, True),
        ("08:30", [], 0, 0, None, False),
    ]  # D ends at the station: in no wave
    assert (plan["connected"], plan["waves"], plan["share"]) == (3, 4, 75.0)


def test_the_arithmetic_at_the_edges():
    buses = [metro.Bus(1, 1, 8 * 3600)]
    # 3 min exactly after the train: caught; 15 min exactly: caught; 2 or 16: not.
    assert metro.wave(1, 8 * 3600 - 180, buses).connected
    assert metro.wave(1, 8 * 3600 - 900, buses).connected
    assert not metro.wave(1, 8 * 3600 - 120, buses).connected
    assert not metro.wave(1, 8 * 3600 - 960, buses).connected


def test_a_delay_breaks_the_connection_and_tells_the_riders_once(net, personas, riders):
    _book(net["A"], riders[:4])  # 3 seats: three confirmed, the fourth waits
    w1 = net["trains"][0]
    staff = personas["park_staff"]
    # W1 8 min late: at 07:58, at the stop 08:01, after A (08:00); the next 快线1号 is B at
    # 08:20, past 07:58 + 15 = 08:13: A's connection is broken (C at 08:10 is another line).
    made = services_metro.metro_delay_record(actor=staff, arrival=w1, day=DAY, minutes=8)
    assert (made.flagged, made.cleared) == ([net["A"].pk], [])
    flag = BrokenConnection.objects.get()
    assert (flag.trip, flag.day, flag.arrival, flag.delay_min) == (net["A"], DAY, w1, 8)
    told = Notification.objects.filter(kind="bus.connection")
    confirmed = {b.rider_id for b in net["A"].departures.get().bookings.filter(
        status=BookingStatus.CONFIRMED)}  # fmt: skip
    assert {n.recipient_id for n in told} == confirmed and len(confirmed) == 3
    with translation.override("zh-hans"):
        assert shown(told[0].title) == (
            "地铁16号线晚点 8 分钟：03-03 08:00 的快线1号班车将在列车乘客到达前发车"
        )
    # The same delay again (a feed repeating itself), and a longer one: nobody told twice.
    again = services_metro.metro_delay_record(actor=staff, arrival=w1, day=DAY, minutes=8)
    longer = services_metro.metro_delay_record(actor=staff, arrival=w1, day=DAY, minutes=9)
    assert (again.flagged, longer.flagged) == ([], [])
    assert told.count() == 3
    assert MetroDelay.objects.get().minutes == 9
    assert BrokenConnection.objects.get().delay_min == 9
    # The page shows the flag, and the wave's riders' bus now is C (08:10), 3 min after 07:59.
    row = selectors.metro_plan(user=staff, day=DAY)["rows"][0]
    assert (row["expected"], row["wait_min"], row["delay_min"]) == ("07:59", 11, 9)
    assert [b["trip"] for b in row["missed"]] == [net["A"]]
    assert row["missed"][0]["flagged"]
    assert list(selectors.broken_connections(user=riders[0], day=DAY)) == [net["A"].pk]


def test_a_corrected_delay_clears_the_flag(net, personas, riders):
    _book(net["A"], riders[:1])
    w1, staff = net["trains"][0], personas["park_staff"]
    services_metro.metro_delay_record(actor=staff, arrival=w1, day=DAY, minutes=8)
    # 6 min: at 07:56, at the stop 07:59, before A leaves at 08:00: restored.
    fixed = services_metro.metro_delay_record(actor=staff, arrival=w1, day=DAY, minutes=6)
    assert (fixed.flagged, fixed.cleared) == ([], [net["A"].pk])
    assert BrokenConnection.objects.get().cleared_at is not None
    assert selectors.broken_connections(user=staff, day=DAY) == {}
    assert Notification.objects.filter(kind="bus.connection").count() == 1
    # Broken once more after the correction: that is news again.
    services_metro.metro_delay_record(actor=staff, arrival=w1, day=DAY, minutes=8)
    assert Notification.objects.filter(kind="bus.connection").count() == 2


def test_a_later_bus_of_the_same_line_is_no_break(net, personas):
    # W1 25 min late: at 08:15, at the stop 08:18; B (快线1号) leaves 08:20, within 15 min.
    made = services_metro.metro_delay_record(
        actor=personas["park_staff"], arrival=net["trains"][0], day=DAY, minutes=25
    )
    assert made.flagged == []
    assert not BrokenConnection.objects.exists()


def test_a_delay_on_one_day_leaves_the_next_alone(net, personas):
    services_metro.metro_delay_record(
        actor=personas["park_staff"], arrival=net["trains"][0], day=DAY, minutes=8
    )
    after = selectors.metro_plan(user=personas["park_staff"], day=DAY + datetime.timedelta(1))
    assert after["rows"][0]["delay_min"] == 0 and after["flagged"] == []
    assert [f["time"] for f in selectors.metro_plan(user=personas["park_staff"], day=DAY)[
        "flagged"]] == ["08:00"]  # fmt: skip


@pytest.mark.parametrize(
    "day, minutes, field",
    [
        (DAY, -1, "minutes"),
        (DAY, 181, "minutes"),
        (DAY, "1.5", "minutes"),
        (DAY, "", "minutes"),
        ("2027-02-30", 5, "day"),
        (datetime.date(2026, 12, 31), 5, "day"),  # the calendar starts in 2027
    ],
)
def test_bad_input_names_the_field(net, personas, day, minutes, field):
    with pytest.raises(ValidationFailed) as refused:
        services_metro.metro_delay_record(
            actor=personas["park_staff"], arrival=net["trains"][0], day=day, minutes=minutes
        )
    assert [e.field for e in refused.value.errors] == [field]
    assert not MetroDelay.objects.exists()


def test_only_the_network_writers_enter_delays(net, personas, other_park):
    with pytest.raises(Forbidden):  # the supervisor reads the page, writes nothing
        services_metro.metro_delay_record(
            actor=personas["supervisor"], arrival=net["trains"][0], day=DAY, minutes=8
        )
    assert not MetroDelay.objects.exists()


def test_the_connections_tile(park, personas, django_assert_num_queries):
    from django.utils import timezone

    a = bus.network(park)
    today = timezone.localdate()
    a.service.start_date, a.service.end_date = today, today
    a.service.save()
    bus.trains(a)  # 07:50 and 07:55 catch A (08:00), 08:12 and 08:30 nothing
    # The trains, the day's delays, the buses leaving the metro stop (the cockpit's pin).
    with django_assert_num_queries(3):
        tile = selectors.connections_tile(personas["park_staff"], park)
    assert (tile.value, tile.unit, tile.status) == (50.0, "%", "warn")
    assert tile.caption == "今日 4 趟地铁到站中，2 趟在 15 分钟内有班车接驳"
    assert selectors.connections_tile(personas["other_park_admin"], park).value == "—"
    a.service.start_date = a.service.end_date = today - datetime.timedelta(days=1)
    a.service.save()
    with django_assert_num_queries(3):  # a day without trains costs the same
        assert selectors.connections_tile(personas["park_staff"], park).value == "—"


def test_the_seats_come_from_the_vehicle_until_booked(net, personas):
    Vehicle.objects.filter(pk=net["C"].vehicle_id).update(seats=Decimal(7))
    row = selectors.metro_plan(user=personas["park_staff"], day=DAY)["rows"][1]
    assert (row["seats"], row["booked"]) == (3 + 7, 0)
