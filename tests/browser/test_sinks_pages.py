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


def test_the_plots_on_the_map_and_a_seller_on_its_phone(demo_park, live_server, new_page):
    staff = new_page(width=1440, height=900)
    sign_in(staff, live_server.url, "staff")
    staff.goto(f"{live_server.url}/sinks/")
    staff.get_by_test_id("sink-projects").get_by_role("link").first.click()
    expect(staff.get_by_test_id("park-map")).to_have_attribute("data-rendered", "5")  # 5 plots
    expect(staff.get_by_test_id("sale-trades")).to_contain_text("杭叉集团股份有限公司")
    # The demo's auction: 500 t at ¥68.50 = ¥34,250.00; the collective's 40% is ¥13,700.00.
    expect(staff.get_by_test_id("proceeds-total")).to_have_text("¥34250.00")
    expect(staff.get_by_test_id("sink-proceeds")).to_contain_text("13700.00")
    screenshot(staff, "sinks-project-map")

    seller = new_page(width=390, height=844)
    sign_in(seller, live_server.url, "sinks-seller")
    seller.get_by_role("link", name="我的碳汇销售").click()
    expect(seller.get_by_test_id("seller-projects")).to_contain_text(
        "临安太湖源农户森林碳汇收储项目"
    )
    screenshot(seller, "sinks-seller-projects")
    seller.get_by_test_id("seller-projects").get_by_role("link").first.click()
    expect(seller.get_by_test_id("sold-total")).to_have_text("500")
    expect(seller.get_by_test_id("sale-trades")).not_to_contain_text("杭叉")  # no buyers' names
    expect(seller.get_by_test_id("park-map")).to_have_attribute("data-rendered", "5")
    expect(seller.get_by_test_id("statement")).to_contain_text("签发")
    width = seller.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the seller's page scrolls sideways ({width} px)"
    screenshot(seller, "sinks-seller-project")
