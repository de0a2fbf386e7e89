"""山湖·青锋 on a phone (390x844): a resident signs in, lands on the front door, sees the unread
count on the bell, reads a message (the count goes down), finds their items, and the pages fit
the screen. Screenshots of each tab go to test-artifacts/."""

import pytest
from playwright.sync_api import expect

from helpers import screenshot, sign_in
from parkpilot.demo.services import demo_load
from parkpilot.notifications.services import notify
from parkpilot.tenancy.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def demo_park(transactional_db):
    demo_load()


def _fits_the_screen(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the phone"


def test_a_resident_on_a_phone(demo_park, live_server, new_page):
    resident = User.objects.get(username="resident")
    for title in ("社区停水通知", "积分到账"):
        notify(park=resident.park, recipients=[resident], kind="demo", title=title, link="/m/")
    page = new_page(**PHONE)
    sign_in(page, live_server.url, "resident")
    expect(page).to_have_url(f"{live_server.url}/m/")
    expect(page.get_by_test_id("bell")).to_have_attribute("data-unread", "2")
    expect(page.get_by_test_id("entries")).to_contain_text("我的事项")
    expect(page.get_by_test_id("tabs")).to_be_visible()
    _fits_the_screen(page)
    screenshot(page, "residents-home-phone")

    page.get_by_test_id("tabs").get_by_text("消息").click()
    expect(page.get_by_test_id("notifications")).to_contain_text("社区停水通知")
    _fits_the_screen(page)
    screenshot(page, "residents-messages-phone")
    page.get_by_text("积分到账").click()  # opens its link, and it counts as read
    expect(page.get_by_test_id("bell")).to_have_attribute("data-unread", "1")

    page.get_by_test_id("tabs").get_by_text("我的事项").click()
    expect(page.get_by_test_id("no-items")).to_be_visible()
    screenshot(page, "residents-items-phone")
    page.get_by_test_id("tabs").get_by_role("link", name="我的", exact=True).click()
    expect(page.get_by_test_id("who")).to_be_visible()
    _fits_the_screen(page)
    screenshot(page, "residents-me-phone")


def test_an_employee_finds_their_service_request_under_my_items(demo_park, live_server, new_page):
    page = new_page(**PHONE)
    sign_in(page, live_server.url, "hangcha-user")
    page.goto(f"{live_server.url}/m/")
    expect(page.locator("html")).to_have_attribute("data-service-worker", "registered")
    page.get_by_test_id("tabs").get_by_text("我的事项").click()
    items = page.get_by_test_id("my-items").or_(page.get_by_test_id("no-items"))
    expect(items).to_be_visible()
    _fits_the_screen(page)
    screenshot(page, "residents-items-employee-phone")
