"""Land and space in Chromium: the parcels with their pipeline on the park map, the factory's
occupancy, and the 亩均 ranking, from the demo park."""

import pytest
from playwright.sync_api import expect

from helpers import screenshot, sign_in
from parkpilot.demo.services import demo_load
from parkpilot.space.models import Building

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_park(transactional_db):
    demo_load()


def test_space_parcels_occupancy_and_ranking(demo_park, live_server, new_page):
    staff = new_page(width=1440, height=900)
    sign_in(staff, live_server.url, "staff")
    staff.get_by_test_id("nav").get_by_text("土地与楼宇", exact=True).click()
    expect(staff.get_by_test_id("parcel-rows")).to_contain_text("330112001001GB00001")
    expect(staff.get_by_test_id("parcel-rows")).to_contain_text("村级留用地")
    expect(staff.get_by_test_id("park-map")).to_have_attribute("data-rendered", "3")
    screenshot(staff, "space-parcels")
    staff.get_by_test_id("building-links").get_by_role("link").first.click()
    # 5 floors of 4 × 1,500 m² with 3 of 4 units let (the demo's pattern) … of 48,000 m².
    expect(staff.get_by_test_id("occupancy-total")).to_contain_text("48000")
    screenshot(staff, "space-occupancy")
    staff.get_by_test_id("nav").get_by_text("亩均效益", exact=True).click()
    screenshot(staff, "space-mujun")
    assert Building.objects.count() == 1
