"""The risk pool in Chromium, from the demo park: the park's overview with its chart, the bank's
desk where a repayment is recorded through the form, and an enterprise's application."""

import pytest
from playwright.sync_api import expect

from helpers import screenshot, sign_in
from parkpilot.demo.services import demo_load
from parkpilot.talent.models import Loan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_park(transactional_db):
    demo_load()


def test_pool_overview_bank_desk_and_application(demo_park, live_server, new_page):
    staff = new_page(width=1440, height=900)
    sign_in(staff, live_server.url, "staff")
    staff.get_by_test_id("nav").get_by_text("贷款风险池", exact=True).click()
    # The seeds: 2,620万 of the 2亿 scale drawn, 13.1%.
    expect(staff.get_by_test_id("in-use")).to_have_text("2,620")
    expect(staff.get_by_test_id("utilisation")).to_have_text("13.1")
    expect(staff.get_by_test_id("shares-chart")).to_have_attribute("data-rendered", "true")
    screenshot(staff, "talent-pool")

    bank = new_page(width=1440, height=900)
    sign_in(bank, live_server.url, "bank-hz")
    bank.get_by_test_id("nav").get_by_text("风险池贷款台账", exact=True).click()
    expect(bank.get_by_test_id("loan-rows").locator("tbody tr")).to_have_count(6)
    screenshot(bank, "talent-bank-desk")
    bank.get_by_test_id("loan-rows").get_by_role("link", name="杭州众硅电子科技有限公司").click()
    step = bank.get_by_test_id("step-repay")
    step.locator("input[name=amount]").fill("abc")
    step.get_by_role("button", name="登记").click()
    expect(bank.get_by_test_id("step-repay").get_by_test_id("error-amount")).to_be_visible()
    screenshot(bank, "talent-bank-loan-refused")
    step = bank.get_by_test_id("step-repay")
    step.locator("input[name=amount]").fill("1000000.00")
    step.get_by_role("button", name="登记").click()
    # ¥6,000,000 drawn, ¥1,000,000 repaid.
    expect(bank.get_by_test_id("outstanding")).to_have_text("5,000,000.00")
    expect(bank.get_by_test_id("loan-state")).to_have_text("还款中")
    screenshot(bank, "talent-bank-loan")

    firm = new_page(width=1440, height=900)
    sign_in(firm, live_server.url, "hangcha-admin")
    firm.goto(f"{live_server.url}/talent/mine/")
    form = firm.get_by_test_id("apply")
    form.locator("input[name=amount]").fill("3000000.00")
    form.locator("textarea[name=purpose]").fill("智能叉车研发")
    form.get_by_test_id("apply-submit").click()
    expect(firm.get_by_test_id("loan-state")).to_have_text("已申请（自主申请）")
    screenshot(firm, "talent-application")
    assert Loan.objects.filter(enterprise__name="杭叉集团股份有限公司").get().requested_fen == (
        3_000_000_00
    )
