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


def test_space_entry_pages(demo_park, live_server, new_page):
    """Staff enter a parcel, its first step and a building, let a unit of it and end the
    lease, and enter a year's 环境统计 tonnes: each a form posting to its service."""
    staff = new_page(width=1440, height=900)
    sign_in(staff, live_server.url, "staff")
    staff.goto(f"{live_server.url}/space/")
    staff.get_by_test_id("new-parcel").click()
    form = staff.get_by_test_id("parcel-form")
    form.locator("input[name=code]").fill("330112001004GB00001")
    form.locator("input[name=name]").fill("测试地块")
    form.locator("input[name=area_m2]").fill("-1")
    form.get_by_test_id("save-parcel").click()
    expect(staff.get_by_test_id("form-error")).to_contain_text("面积（m²）")
    screenshot(staff, "space-parcel-refused")
    staff.get_by_test_id("parcel-form").locator("input[name=area_m2]").fill("20000")
    staff.get_by_test_id("save-parcel").click()
    step = staff.get_by_test_id("step-form")
    step.locator("input[name=on]").fill("2024-05-01")
    step.get_by_test_id("save-step").click()
    expect(staff.get_by_test_id("step-rows")).to_contain_text("2024-05-01")
    building = staff.get_by_test_id("building-form")
    building.locator("input[name=name]").fill("测试楼")
    building.locator("input[name=highest]").fill("3")
    building.locator("input[name=floor_area_m2]").fill("2000")
    building.get_by_test_id("save-building").click()
    screenshot(staff, "space-parcel")
    staff.get_by_test_id("building-links").get_by_role("link", name="测试楼").click()
    unit = staff.get_by_test_id("unit-form")
    unit.locator("input[name=code]").fill("101")
    unit.locator("input[name=area_m2]").fill("1200")
    unit.get_by_test_id("save-unit").click()
    lease = staff.get_by_test_id("lease-form")
    lease.locator("input[name=start]").fill("2024-06-01")
    lease.get_by_test_id("save-lease").click()
    rows = staff.get_by_test_id("unit-rows")
    expect(rows).to_contain_text("2024-06-01")
    screenshot(staff, "space-building-units")
    rows.locator("input[name=end]").fill("2024-12-31")
    staff.get_by_test_id("end-101").click()
    expect(staff.get_by_test_id("unit-rows")).to_contain_text("空置")
    staff.goto(f"{live_server.url}/space/mujun/emissions/")
    entry = staff.get_by_test_id("emissions-form")
    for name, value in (("cod_t", "1.5"), ("nh3n_t", "0.1"), ("so2_t", "0.4"), ("nox_t", "2")):
        entry.locator(f"input[name={name}]").fill(value)
    entry.get_by_test_id("save-emissions").click()
    expect(staff.get_by_test_id("emission-rows")).to_contain_text("1.500")
    screenshot(staff, "space-emissions")
