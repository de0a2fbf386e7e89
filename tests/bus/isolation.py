"""Digital bus API routes (tests/tenancy/test_route_isolation.py), and the factories the page
cases (page_isolation.py) and the bus tests reuse."""

import datetime
from decimal import Decimal

from parkpilot.bus import services
from parkpilot.bus.models import (
    Agency,
    Booking,
    DayRule,
    DemandZone,
    Driver,
    Line,
    LineKind,
    MetroArrival,
    MetroDelay,
    ServiceCalendar,
    Stop,
    StopKind,
    StopTime,
    Trip,
    Vehicle,
)

DAY = datetime.date(2027, 3, 3)  # a Wednesday in the calendar below
BEFORE = datetime.datetime(2027, 3, 2, 12, 0, tzinfo=datetime.UTC)  # "now", a day ahead


def network(park, *, seats=3, driver_user=None, suffix=""):
    """A line from the metro station to an enterprise, one trip at 08:00 with `seats` seats,
    and one demand-responsive zone."""
    agency = Agency.objects.create(
        park=park, gtfs_id=f"AG{suffix}", name="数字巴士", url="https://bus.example.org/"
    )
    service = ServiceCalendar.objects.create(
        park=park, gtfs_id=f"DAILY{suffix}", name="每日", rule=DayRule.EVERY_DAY,
        start_date=datetime.date(2027, 1, 1), end_date=datetime.date(2027, 12, 31),
    )  # fmt: skip
    stops = [
        Stop.objects.create(
            park=park,
            gtfs_id=f"S{n}{suffix}",
            name=name,
            kind=kind,
            lat=Decimal("30.232") + Decimal(n) / 1000,
            lon=Decimal("119.801"),
        )
        for n, (name, kind) in enumerate(
            [
                ("青山湖科技城", StopKind.METRO),
                ("公交中心站", StopKind.HUB),
                ("杭叉站", StopKind.STOP),
            ]
        )
    ]
    line = Line.objects.create(
        park=park, agency=agency, gtfs_id=f"DB1{suffix}", short_name="快线1号",
        kind=LineKind.EXPRESS, bookable=True,
    )  # fmt: skip
    vehicle = Vehicle.objects.create(park=park, code=f"DB01{suffix}", seats=seats)
    driver = Driver.objects.create(park=park, name="驾驶员", user=driver_user)
    trip = Trip.objects.create(
        park=park, line=line, service=service, gtfs_id=f"DB1_001{suffix}", headsign="杭叉站",
        vehicle=vehicle, driver=driver, starts_s=8 * 3600,
    )  # fmt: skip
    for n, stop in enumerate(stops):
        at = 8 * 3600 + n * 240
        StopTime.objects.create(trip=trip, stop=stop, sequence=n + 1, arrival_s=at, departure_s=at)
    DemandZone.objects.create(
        park=park, line=line, service=service, gtfs_id=f"DRT{suffix}", name="定制公交区",
        outline={"type": "Polygon", "coordinates": [[[119.85, 30.26], [119.88, 30.26],
                 [119.88, 30.29], [119.85, 30.26]]]},
        window_start_s=9 * 3600, window_end_s=16 * 3600, prior_notice_min=30,
        message="提前30分钟预约",
    )  # fmt: skip
    return trip


def booked(personas, ent_a, persona="ent_a_user"):
    trip = Trip.objects.filter(park=ent_a.park).first() or network(ent_a.park)
    rider = personas[persona]
    return services.booking_create(actor=rider, trip=trip, day=DAY, now=BEFORE)


def _lines(api_as, personas, ent_a, ent_b):
    network(ent_a.park)
    mine = api_as("resident").get("/api/v1/bus/lines").json()
    assert [line["gtfs_id"] for line in mine] == ["DB1"]  # the park's own riders see it
    assert api_as("other_park_admin").get("/api/v1/bus/lines").json() == []


def _booking_list(api_as, personas, ent_a, ent_b):
    booking = booked(personas, ent_a)
    own = api_as("ent_a_user").get("/api/v1/bus/bookings").json()["items"]
    assert [b["id"] for b in own] == [booking.pk]
    admin = api_as("ent_a_admin").get("/api/v1/bus/bookings?everyone=true").json()["items"]
    assert [b["id"] for b in admin] == [booking.pk]  # its own staff's
    for persona in ("ent_b_user", "other_park_admin", "resident"):
        for query in ("", "?everyone=true"):
            listed = api_as(persona).get(f"/api/v1/bus/bookings{query}").json()["items"]
            assert booking.pk not in [b["id"] for b in listed], persona


def _booking_create(api_as, personas, ent_a, ent_b):
    trip = network(ent_a.park)
    payload = {"trip_id": trip.pk, "day": DAY.isoformat()}
    assert api_as("other_park_admin").post("/api/v1/bus/bookings", payload).status_code == 404
    # An enterprise books for its own staff only.
    foreign = payload | {"rider_id": personas["ent_a_user"].pk}
    answer = api_as("ent_b_user").post("/api/v1/bus/bookings", foreign)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"][-1] == "rider"
    assert not Booking.objects.exists()
    made = api_as("ent_a_admin").post("/api/v1/bus/bookings", foreign)
    assert made.status_code == 201, made.json()  # the case is not vacuous
    assert made.json()["rider"] == "a-user"


def _booking_cancel(api_as, personas, ent_a, ent_b):
    booking = booked(personas, ent_a)
    for persona in ("ent_b_user", "other_park_admin", "resident"):
        answer = api_as(persona).post(f"/api/v1/bus/bookings/{booking.pk}/cancel", {})
        assert answer.status_code == 404, persona
    booking.refresh_from_db()
    assert booking.status == "confirmed"


def trains(trip, times=((7, 50), (7, 55), (8, 12), (8, 30))):
    """Line 16 trains at the trip's metro stop, on the trip's calendar (07:50, 07:55, 08:12,
    08:30 unless told)."""
    station = trip.stop_times.get(stop__kind=StopKind.METRO).stop
    made = []
    for h, m in times:
        train = MetroArrival.objects.create(
            park=trip.park, station=station, service=trip.service, metro_line="16号线",
            direction=0, headsign="往九州街", arrival_s=h * 3600 + m * 60,
        )  # fmt: skip
        made.append(train)
    return made


def _metro_arrivals(api_as, personas, ent_a, ent_b):
    made = trains(network(ent_a.park))
    listed = api_as("park_staff").get("/api/v1/bus/metro/arrivals").json()
    assert [a["time"] for a in listed] == ["07:50", "07:55", "08:12", "08:30"]
    assert listed[0]["id"] == made[0].pk
    for persona in ("ent_b_user", "ent_a_admin", "resident", "other_park_admin"):
        assert api_as(persona).get("/api/v1/bus/metro/arrivals").json() == [], persona


def _metro_delay_create(api_as, personas, ent_a, ent_b):
    arrival = trains(network(ent_a.park))[0]
    payload = {"arrival_id": arrival.pk, "day": DAY.isoformat(), "minutes": 8}
    for persona in ("ent_b_user", "ent_a_admin", "resident", "other_park_admin"):
        answer = api_as(persona).post("/api/v1/bus/metro/delays", payload)
        assert answer.status_code == 404, persona
    assert not MetroDelay.objects.exists()
    made = api_as("park_staff").post("/api/v1/bus/metro/delays", payload)
    assert made.status_code == 201, made.json()  # the case is not vacuous


CASES = {
    ("GET", "/api/v1/bus/lines"): _lines,
    ("GET", "/api/v1/bus/bookings"): _booking_list,
    ("POST", "/api/v1/bus/bookings"): _booking_create,
    ("POST", "/api/v1/bus/bookings/{booking_id}/cancel"): _booking_cancel,
    ("GET", "/api/v1/bus/metro/arrivals"): _metro_arrivals,
    ("POST", "/api/v1/bus/metro/delays"): _metro_delay_create,
}
