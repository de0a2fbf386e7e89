"""The metro last mile in a real browser: the planner's page per line-16 train, a delay entered
there breaks a bus's connection (flagged on the page), and the rider sees the flag on their
ride on the phone (390x844). Screenshots go to test-artifacts/."""

import pytest
from playwright.sync_api import expect

from helpers import isolation_module, screenshot, sign_in
from parkpilot.bus import services
from parkpilot.bus.models import BrokenConnection
from parkpilot.notifications.models import Notification

bus = isolation_module("bus")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_planner_enters_a_delay_and_the_rider_sees_the_broken_connection(
    personas, park, live_server, new_page
):
    trip = bus.network(park)  # 快线1号 leaves the metro stop at 08:00
    bus.trains(trip)  # 07:50 and 07:55 catch it; 08:12 and 08:30 have no bus
    rider = personas["resident"]
    services.booking_create(actor=rider, trip=trip, day=bus.DAY, now=bus.BEFORE)

    page = new_page(width=1440, height=900)
    sign_in(page, live_server.url, "staff", "pw-staff")
    page.goto(f"{live_server.url}/bus/network/metro/?day={bus.DAY}")
    expect(page.get_by_test_id("metro-summary")).to_have_text(
        "4 趟列车中 2 趟有班车接驳（50.0%）。"
    )
    waves = page.get_by_test_id("wave")
    expect(waves).to_have_count(4)
    expect(waves.nth(0)).to_contain_text("快线1号 08:00")
    expect(waves.nth(0)).to_contain_text("10 分钟")  # 07:50 to 08:00
    expect(waves.nth(2)).to_contain_text("无班车")
    expect(waves.nth(2)).to_have_class("no-connection")
    expect(waves.nth(0)).not_to_have_class("no-connection")

    # The 07:50 train 8 minutes late: at 07:58, at the stop 08:01, after the bus has left.
    form = page.get_by_test_id("delay-form")
    form.locator("select[name=arrival]").select_option(label="07:50 16号线 往九州街")
    form.locator("input[name=minutes]").fill("8")
    form.get_by_role("button", name="录入晚点").click()
    expect(page.get_by_test_id("messages")).to_contain_text("标记 1 个班次")
    flagged = page.get_by_test_id("flagged")
    expect(flagged).to_contain_text("快线1号 08:00 → 杭叉站：16号线晚点 8 分钟")
    expect(waves.nth(0)).to_contain_text("07:50 → 07:58")
    expect(waves.nth(0)).to_contain_text("快线1号 08:00 赶不上")
    expect(waves.nth(0)).to_have_class("no-connection")
    expect(page.get_by_test_id("metro-summary")).to_have_text(
        "4 趟列车中 1 趟有班车接驳（25.0%）。"
    )
    screenshot(page, "bus-metro-planner")
    assert BrokenConnection.objects.get().trip == trip
    assert Notification.objects.get(kind="bus.connection").recipient == rider

    # Over 180 minutes (the form does not know the bound) is refused naming the field.
    form.locator("input[name=minutes]").fill("200")
    form.get_by_role("button", name="录入晚点").click()
    expect(page.get_by_test_id("messages")).to_contain_text("晚点（分钟）：不能大于 180。")
    assert BrokenConnection.objects.get().cleared_at is None

    phone = new_page(width=390, height=844)
    sign_in(phone, live_server.url, rider.username, f"pw-{rider.username}")
    phone.goto(f"{live_server.url}/bus/m/rides/")
    expect(phone.get_by_test_id("connection-broken")).to_have_text("地铁晚点：接驳中断")
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    screenshot(phone, "bus-metro-ride-phone")


def test_the_demo_line_16_timetable_on_the_planners_page(live_server, new_page):
    import datetime

    from django.utils import timezone

    from parkpilot import workcalendar
    from parkpilot.demo.services import demo_load

    demo_load()
    day = timezone.localdate()
    while not workcalendar.is_working_day(day):
        day += datetime.timedelta(days=1)
    page = new_page(width=1440, height=900)
    sign_in(page, live_server.url, "staff")
    page.goto(f"{live_server.url}/bus/network/metro/?day={day}")
    expect(page.get_by_test_id("wave")).to_have_count(212)  # 106 trains each way
    expect(page.locator("main")).to_contain_text("演示数据")
    expect(page.get_by_test_id("metro-summary")).to_contain_text("212 趟列车中")
    screenshot(page, "bus-metro-demo")
