"""Sign-in throttling, API tokens and the audit log's filters, as people use them in Chromium."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from helpers import screenshot, sign_in
from parkpilot.demo.services import demo_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_park(transactional_db):
    demo_load()


def test_a_locked_resident_is_told_to_wait_and_the_admin_unlocks(demo_park, live_server, new_page):
    page = new_page(width=390, height=844)  # residents use phones
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(page, live_server.url, "resident", password="not-my-password")
    sign_in(page, live_server.url, "resident", password=settings.PARKPILOT_DEMO_PASSWORD)
    expect(page.get_by_test_id("login-locked")).to_contain_text("登录失败次数过多")
    expect(page.get_by_test_id("login-locked")).to_contain_text("分钟")
    screenshot(page, "login-locked-390")

    admin = new_page()
    sign_in(admin, live_server.url, "admin")
    admin.get_by_test_id("nav").get_by_text("登录锁定", exact=True).click()
    expect(admin.get_by_test_id("locked-rows")).to_contain_text("resident")
    screenshot(admin, "login-locks")
    admin.get_by_test_id("unlock-resident").click()
    expect(admin.get_by_test_id("locked-rows")).to_contain_text("当前没有被锁定的登录")

    sign_in(page, live_server.url, "resident")  # waits until it has left the login page

    admin.goto(f"{live_server.url}/audit/?action=login.")
    rows = admin.get_by_test_id("audit-rows")
    expect(rows).to_contain_text("login.failed")
    expect(rows).to_contain_text("login.unlock")
    screenshot(admin, "audit-log-sign-ins")


def test_an_enterprise_admin_makes_and_revokes_a_token(demo_park, live_server, new_page):
    page = new_page(width=1440, height=900)
    sign_in(page, live_server.url, "hangcha-admin")
    page.get_by_test_id("nav").get_by_text("API 令牌", exact=True).click()
    page.get_by_text("新建令牌").click()
    page.fill("input[name=name]", "月度统计上报")
    page.fill("input[name=expires_in_days]", "abc")
    page.get_by_test_id("token-create").click()
    expect(page.get_by_test_id("error-expires_in_days")).to_be_visible()
    page.fill("input[name=expires_in_days]", "30")
    page.get_by_test_id("token-create").click()
    expect(page.get_by_test_id("token-secret")).to_contain_text("pp_")
    expect(page.get_by_test_id("token-rows")).to_contain_text("月度统计上报")
    screenshot(page, "tokens")
    page.get_by_test_id("token-rows").get_by_role("button", name="撤销").click()
    expect(page.get_by_test_id("token-rows")).to_contain_text("已撤销")
    expect(page.get_by_test_id("token-secret")).to_have_count(0)


def test_the_landing_page_names_the_park_and_leads_residents_on(demo_park, live_server, new_page):
    page = new_page(width=390, height=844)  # a resident's first visit is on a phone
    page.goto(f"{live_server.url}/")  # signed out: the sign-in page is the landing page
    expect(page.get_by_test_id("landing-parks")).to_contain_text("青山湖科技城")
    residents = page.get_by_test_id("landing-residents")
    expect(residents).to_contain_text("居民、企业员工与党员")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing off-screen
    screenshot(page, "landing-390")
    residents.get_by_role("button", name="山湖·青锋").click()  # asks to sign in, then goes on
    page.fill("input[name=username]", "resident")
    page.fill("input[name=password]", settings.PARKPILOT_DEMO_PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page).to_have_url(f"{live_server.url}/m/")
