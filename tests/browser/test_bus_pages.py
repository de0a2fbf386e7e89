"""数字巴士 on a phone (390x844): a rider books a seat from the timetable and gets a boarding
code with its QR; the driver checks the code on their phone; the network map on the desktop.
Screenshots go to test-artifacts/."""

import datetime
import re

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from helpers import isolation_module, screenshot, sign_in
from parkpilot.bus.models import Booking, Trip
from parkpilot.tenancy.models import Role, User

bus = isolation_module("bus")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def park_morning():
    """Each test runs at the next 10:00 park time, so a bus at 23:50 has not left and "two minutes
    ago" falls on the same service day whenever the suite runs (CI once ran past 23:50 and failed).
    Forward, never back: the browser's clock stays real and a cookie must not look expired."""
    now = timezone.localtime()
    morning = now.replace(hour=10, minute=0, second=0, microsecond=0)
    if morning <= now:
        morning += datetime.timedelta(days=1)
    with time_machine.travel(morning, tick=True):
        yield


def _fits(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the phone"


def _signed_in(new_page, live_server, user, **size):
    page = new_page(**(size or PHONE))
    sign_in(page, live_server.url, user.username, f"pw-{user.username}")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


def _late_trip(park, driver_user):
    """A trip late tonight (23:50), so it has not left whenever the test runs today."""
    trip = bus.network(park, seats=1, driver_user=driver_user)
    today = timezone.localdate()
    trip.service.start_date, trip.service.end_date = today, today + datetime.timedelta(days=7)
    trip.service.save()
    Trip.objects.filter(pk=trip.pk).update(starts_s=23 * 3600 + 50 * 60)
    return trip


def test_book_a_seat_and_board_with_the_code(personas, park, live_server, new_page):
    driver = User.objects.create_user(
        username="driver", password="pw-driver", role=Role.RESIDENT, park=park,
        granted_roles=["bus_driver"], display_name="驾驶员",
    )  # fmt: skip
    _late_trip(park, driver)
    page = _signed_in(new_page, live_server, personas["resident"])
    page.goto(f"{live_server.url}/bus/m/")
    expect(page.get_by_test_id("trips")).to_contain_text("快线1号")
    expect(page.get_by_test_id("trips")).to_contain_text("余 1 座")
    expect(page.get_by_test_id("period-note")).to_contain_text("演示数据")
    _fits(page)
    screenshot(page, "bus-timetable-phone")
    page.get_by_role("button", name="订座").click()
    expect(page.get_by_test_id("messages")).to_contain_text("订座成功")
    expect(page.get_by_test_id("qr").locator("svg")).to_be_visible()
    code = page.get_by_test_id("code").inner_text()
    assert code == Booking.objects.get(rider=personas["resident"]).code
    _fits(page)
    screenshot(page, "bus-ride-phone")

    # A second rider finds the bus full and waits in line.
    other = _signed_in(new_page, live_server, personas["ent_a_user"])
    other.goto(f"{live_server.url}/bus/m/")
    expect(other.get_by_test_id("trips")).to_contain_text("已满")
    other.get_by_role("button", name="候补").click()
    expect(other.get_by_test_id("messages")).to_contain_text("候补")

    driving = _signed_in(new_page, live_server, driver)
    driving.goto(f"{live_server.url}/bus/driver/")
    expect(driving.get_by_test_id("departure")).to_contain_text("已订 1 / 1 座")
    driving.get_by_test_id("code-input").fill(code.lower())
    driving.get_by_role("button", name="验票").click()
    expect(driving.get_by_test_id("messages")).to_contain_text("已上车")
    _fits(driving)
    screenshot(driving, "bus-driver-phone")
    assert Booking.objects.get(code=code).status == "boarded"


def test_the_demo_network_map(live_server, new_page):
    from parkpilot.demo.services import demo_load

    demo_load()
    page = new_page(width=1440, height=900)
    sign_in(page, live_server.url, "staff")
    page.goto(f"{live_server.url}/bus/network/")
    expect(page.get_by_test_id("lines")).to_contain_text("852路区间环线")
    expect(page.get_by_test_id("counts")).to_contain_text("14 辆车")
    expect(page.get_by_test_id("period-note")).to_contain_text("5 条快线、14 辆车、308 个班次")
    # The park and its five zones, 11 lines (5 express, 864, 848, 847, 852, night, demand),
    # the stops and the demand-responsive zone.
    map_ = page.get_by_test_id("park-map")
    expect(map_).to_have_attribute("data-rendered", re.compile(r"\d+"))
    assert int(map_.get_attribute("data-rendered")) >= 1 + 5 + 10 + 12 + 1
    expect(map_).to_have_attribute("data-live-count", "0")  # no bus has reported yet
    from parkpilot.bus import services
    from parkpilot.bus.models import Vehicle
    from parkpilot.tenancy.models import User

    staff = User.objects.get(username="staff")
    services.position_record(actor=staff, vehicle=Vehicle.objects.get(code="DB01"),
                             lat=30.232, lon=119.806, datum="gcj02")  # fmt: skip
    page.reload()
    expect(map_).to_have_attribute("data-live-count", "1")
    screenshot(page, "bus-network-map")


def test_an_enterprise_books_for_its_staff(personas, park, live_server, new_page):
    _late_trip(park, None)
    page = _signed_in(new_page, live_server, personas["ent_a_admin"], width=1440, height=900)
    page.goto(f"{live_server.url}/bus/staff/")
    options = page.locator("select[name=rider] option").all_inner_texts()
    assert "b-user" not in " ".join(options)  # another enterprise's people are not offered
    page.select_option("select[name=rider]", str(personas["ent_a_user"].pk))
    page.get_by_test_id("book-for-staff").get_by_role("button", name="预订").click()
    expect(page.get_by_test_id("messages")).to_contain_text("已为")
    expect(page.get_by_test_id("staff-use")).to_contain_text("a-user")
    screenshot(page, "bus-staff-commuting")
    booking = Booking.objects.get()
    assert (booking.rider, booking.booked_by) == (personas["ent_a_user"], personas["ent_a_admin"])


def test_a_stop_on_the_phone_says_when_the_bus_comes(personas, park, live_server, new_page):
    import orjson

    from parkpilot.bus import handlers
    from parkpilot.bus.models import DayRule

    trip = bus.network(park)
    now = timezone.localtime().replace(second=0, microsecond=0)
    start = now.hour * 3600 + now.minute * 60 - 120  # the first stop 2 minutes ago
    for stop_time in trip.stop_times.all():
        stop_time.arrival_s = stop_time.departure_s = start + (stop_time.sequence - 1) * 240
        stop_time.save()
    service = trip.service
    service.rule, service.start_date = DayRule.EVERY_DAY, now.date() - datetime.timedelta(days=1)
    service.save()
    fix = {"vehicle": trip.vehicle.code, "lat": 30.232, "lon": 119.801, "ts": now.isoformat()}
    handlers.on_positions_message(park_id=park.pk, gateway_id=None, payload=orjson.dumps(fix))
    page = _signed_in(new_page, live_server, personas["resident"])
    page.goto(f"{live_server.url}/bus/m/")
    page.get_by_test_id("stops").get_by_role("link", name="杭叉站").click()
    arrivals = page.get_by_test_id("arrivals")
    expect(arrivals).to_contain_text("快线1号")
    expect(arrivals).to_contain_text("晚点 2 分钟")
    expect(arrivals).to_contain_text((now + datetime.timedelta(minutes=8)).strftime("%H:%M"))
    _fits(page)
    screenshot(page, "bus-stop-arrivals-phone")


def test_a_rider_asks_for_a_demand_responsive_ride_on_the_phone(personas, park, live_server,
                                                               new_page):  # fmt: skip
    from parkpilot.bus import services_demand
    from parkpilot.bus.geo import inside
    from parkpilot.bus.models import DemandRequest, DemandZone

    bus.network(park)
    zone = DemandZone.objects.get(park=park)
    page = _signed_in(new_page, live_server, personas["resident"])
    page.goto(f"{live_server.url}/bus/m/demand/")
    form = page.get_by_test_id("demand-form")
    form.locator("input[name=day]").fill(bus.DAY.isoformat())
    form.locator("input[name=time_s]").fill("10:00")
    form.locator("select[name=pickup_stop]").select_option(label="公交中心站")
    form.locator("input[name=map_target][value=dropoff]").check()
    # The zone is a triangle (south-west, south-east, north-east corners): a tap three quarters
    # east and four fifths south of its box's top-left corner is inside it.
    box = page.locator(".park-map path.leaflet-interactive").first.bounding_box()
    page.mouse.click(box["x"] + 0.75 * box["width"], box["y"] + 0.8 * box["height"])
    expect(page.get_by_test_id("park-map")).to_have_attribute("data-picked", "dropoff")
    _fits(page)
    screenshot(page, "bus-demand-request-phone")
    form.get_by_role("button", name="提交请求").click()
    expect(page.get_by_test_id("messages")).to_contain_text("请求已提交")
    expect(page.get_by_test_id("demand-requests")).to_contain_text("等待当天排班")
    asked = DemandRequest.objects.get()
    assert asked.pickup_stop.name == "公交中心站"
    assert inside(float(asked.dropoff_lat), float(asked.dropoff_lon), zone.outline)

    services_demand.demand_day_accept(actor=personas["park_staff"], zone=zone, day=bus.DAY)
    page.reload()
    expect(page.get_by_test_id("demand-requests")).to_contain_text("已安排")
    expect(page.get_by_test_id("demand-requests")).to_contain_text("乘车码")
    _fits(page)
    screenshot(page, "bus-demand-scheduled-phone")
