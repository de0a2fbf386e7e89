"""The sink registry in Chromium: the park's registry and a project, an enterprise retiring
credits and bidding, the registry's check staying consistent."""

import pytest
from playwright.sync_api import expect

from helpers import screenshot, sign_in
from parkpilot.demo.services import demo_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_park(transactional_db):
    demo_load()


def test_registry_project_and_an_enterprise_retiring(demo_park, live_server, new_page):
    staff = new_page(width=1440, height=900)
    sign_in(staff, live_server.url, "staff")
    staff.get_by_test_id("nav").get_by_text("林业碳汇", exact=True).click()
    expect(staff.get_by_test_id("registry-check")).to_have_text("一致")
    expect(staff.get_by_test_id("retired-total")).to_have_text("200")  # the demo's retirement
    screenshot(staff, "sinks-registry")
    staff.get_by_test_id("sink-projects").get_by_role("link").first.click()
    expect(staff.get_by_test_id("sink-plots")).to_contain_text("太湖源镇白沙村集体")
    screenshot(staff, "sinks-project")

    hangcha = new_page(width=1440, height=900)
    sign_in(hangcha, live_server.url, "hangcha-admin")
    hangcha.get_by_test_id("nav").get_by_text("本企业碳汇", exact=True).click()
    expect(hangcha.get_by_test_id("live-total")).to_have_text("300")  # 500 bought, 200 retired
    retire = hangcha.locator("form:has([data-testid=retire-submit]) input[name=quantity]")
    retire.fill("1000")
    hangcha.get_by_test_id("retire-submit").click()
    expect(hangcha.get_by_test_id("sink-message")).to_contain_text("持有 300 吨，需要 1000 吨")
    retire.fill("50")
    hangcha.get_by_test_id("retire-submit").click()
    expect(hangcha.get_by_test_id("live-total")).to_have_text("250")
    hangcha.locator("form:has([data-testid=buy-submit]) input[name=quantity]").fill("20")
    hangcha.get_by_test_id("buy-submit").click()
    expect(hangcha.get_by_test_id("sink-message")).to_contain_text("已购买")
    expect(hangcha.get_by_test_id("live-total")).to_have_text("270")
    screenshot(hangcha, "sinks-holdings")
    staff.goto(f"{live_server.url}/sinks/")
    expect(staff.get_by_test_id("retired-total")).to_have_text("250")
    expect(staff.get_by_test_id("registry-check")).to_have_text("一致")
