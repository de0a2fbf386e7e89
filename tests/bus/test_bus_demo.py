"""The demo park's network holds the documents' figures (shared/seed-facts.yaml, transit): 5
express lines, 14 buses, 308 trips; lines 864, 848, 847, the 852 loop and the night metro
feeder from the bus hub beside the metro station. A reload changes nothing."""

import itertools

import pytest

from parkpilot.bus.models import Line, Stop, Trip, Vehicle
from parkpilot.demo.services import demo_load

pytestmark = pytest.mark.django_db


def test_the_demo_network_holds_the_documents_figures():
    demo_load()
    express = Line.objects.filter(kind="express")
    assert express.count() == 5
    assert Vehicle.objects.count() == 14
    assert Trip.objects.filter(line__kind="express").count() == 308
    assert Trip.objects.filter(line__kind="express", vehicle__isnull=True).count() == 0
    short = set(Line.objects.values_list("short_name", flat=True))
    assert {"864", "848", "847", "852", "夜间接驳"} <= short
    assert Stop.objects.filter(name="青山湖科技城公交中心站", kind="hub").exists()
    assert Stop.objects.filter(name__startswith="青山湖科技城（地铁", kind="metro").exists()
    assert Stop.objects.filter(enterprise__isnull=False).exists()  # stops at demo enterprises
    assert not Line.objects.filter(is_demo=False).exists()  # all marked 演示数据
    again = demo_load()
    assert not any(k.startswith("bus") for k in again.created | again.updated), again


def test_a_bus_never_runs_two_trips_at_once():
    demo_load()
    for vehicle in Vehicle.objects.all():
        spans = sorted(
            (t.starts_s, max(st.departure_s for st in t.stop_times.all()))
            for t in vehicle.trips.prefetch_related("stop_times")
        )
        for (_s1, end), (start, _e2) in itertools.pairwise(spans):
            assert end < start, f"{vehicle}: a trip starts at {start} before {end}"


def test_a_fresh_demo_shows_a_demand_responsive_plan(client):
    from django.urls import reverse

    from parkpilot.bus.models import DemandRequest
    from parkpilot.tenancy.models import User

    demo_load()
    asked = DemandRequest.objects.all()
    assert asked.count() == 12 and not asked.filter(is_demo=False).exists()
    (day,) = set(asked.values_list("day", flat=True))  # the next working day
    assert asked.filter(dropoff_stop__kind="metro").count() == 6  # half go to the metro
    client.force_login(User.objects.get(username="staff"))
    page = client.get(reverse("bus:demand")).content.decode()  # no day given: that day
    assert f'value="{day:%Y-%m-%d}"' in page
    assert page.count('data-testid="route"') >= 1 and "演示数据" in page
    assert 'data-testid="accept-form"' in page


def test_the_demo_metro_timetable():
    """Line 16 at 青山湖科技城 (演示数据: the documents publish no timetable): both directions
    on working days, 7 minutes apart in the peaks, 11 otherwise."""
    from parkpilot.bus.models import MetroArrival

    demo_load()
    trains = MetroArrival.objects.filter(direction=0).order_by("arrival_s")
    times = [t.arrival_s for t in trains]
    gaps = {(b - a) // 60 for a, b in itertools.pairwise(times)}
    assert gaps == {7, 11}
    # 06:10 to 07:00 every 11 min: 06:10, 06:21, 06:32, 06:43, 06:54, then 07:05 in the peak.
    assert [f"{s // 3600:02d}:{s % 3600 // 60:02d}" for s in times[:7]] == [
        "06:10", "06:21", "06:32", "06:43", "06:54", "07:05", "07:12"
    ]  # fmt: skip
    assert MetroArrival.objects.filter(direction=1).count() == len(times) == 106
    assert MetroArrival.objects.get(direction=1, arrival_s=times[0] + 180).headsign == "往绿汀路"
    assert not MetroArrival.objects.filter(is_demo=False).exists()
    assert {t.service.rule for t in MetroArrival.objects.all()} == {"working"}
    assert MetroArrival.objects.first().station.kind == "metro"
