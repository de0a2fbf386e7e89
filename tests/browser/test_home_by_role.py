"""Each role signs in, sees the home page of the demo park, and only what its role may see."""

import pytest
from playwright.sync_api import expect

from helpers import screenshot, sign_in
from parkpilot.demo.services import demo_load
from parkpilot.tenancy.models import Enterprise

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARK_ENTERPRISES = 26  # the enterprises named in the documents (demo/data/qingshanhu.yaml)

# role persona -> (enterprises visible, sees the audit log)
ROLES = {
    "admin": (PARK_ENTERPRISES, True),
    "staff": (PARK_ENTERPRISES, False),
    "supervisor": (PARK_ENTERPRISES, True),
    "hangcha-admin": (1, False),
    "hangcha-user": (1, False),
}  # residents land on their own front door instead: test_residents_front_door.py


@pytest.fixture
def demo_park(transactional_db):
    demo_load()


@pytest.mark.parametrize("username", sorted(ROLES))
def test_home_for_each_role(username, demo_park, live_server, new_page):
    visible_enterprises, sees_audit = ROLES[username]
    page = new_page()
    sign_in(page, live_server.url, username)
    expect(page.get_by_test_id("home-title")).to_have_text("青山湖科技城")
    # The 2020 figures as published: 规上工业增加值 85.6 亿元, +17.1%.
    figures = page.get_by_test_id("headline-figures")
    expect(figures).to_contain_text("规上工业增加值")
    expect(figures).to_contain_text("85.6")
    expect(figures).to_contain_text("17.1%")
    chart = page.get_by_test_id("economy-chart")
    expect(chart).to_have_attribute("data-rendered", "true")
    expect(chart.locator("canvas")).to_have_count(1)
    nav = page.get_by_test_id("nav")
    expect(nav.get_by_text("审计日志", exact=True)).to_have_count(1 if sees_audit else 0)
    expect(nav.get_by_text("企业", exact=True)).to_have_count(1 if visible_enterprises else 0)
    if visible_enterprises:
        expect(page.get_by_test_id("enterprise-count")).to_have_text(str(visible_enterprises))
    screenshot(page, f"home-{username}")


def test_enterprise_user_gets_404_for_another_enterprise_page(demo_park, live_server, new_page):
    own = Enterprise.objects.get(name="杭叉集团股份有限公司")
    other = Enterprise.objects.get(name="浙江南都电源动力股份有限公司")
    page = new_page()
    sign_in(page, live_server.url, "hangcha-user")
    response = page.goto(f"{live_server.url}/enterprises/{own.pk}/")
    assert response.status == 200
    expect(page.get_by_test_id("enterprise-name")).to_have_text(own.name)
    expect(page.get_by_text("演示数据").first).to_be_visible()
    assert page.goto(f"{live_server.url}/enterprises/{other.pk}/").status == 404
    assert page.goto(f"{live_server.url}/enterprises/{other.pk}/edit/").status == 404
    assert page.goto(f"{live_server.url}/audit/").status == 403


def test_enterprise_admin_edits_own_profile_and_sees_bad_input(demo_park, live_server, new_page):
    own = Enterprise.objects.get(name="杭叉集团股份有限公司")
    page = new_page()
    sign_in(page, live_server.url, "hangcha-admin")
    page.goto(f"{live_server.url}/enterprises/{own.pk}/edit/")
    expect(page.locator("input[name=name]")).to_be_disabled()
    page.fill("input[name=employees]", "-5")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("error-employees")).to_be_visible()
    page.fill("input[name=employees]", "6000")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("enterprise-name")).to_have_text(own.name)
    own.refresh_from_db()
    assert own.employees == 6000
    screenshot(page, "enterprise-detail-hangcha-admin")


def test_gateway_cannot_sign_in_with_a_password(demo_park, live_server, new_page):
    from parkpilot.tenancy.models import User

    gateway = User.objects.get(username="gateway-01")
    gateway.set_password("a-password-nobody-should-use")
    gateway.save()
    page = new_page()
    sign_in(page, live_server.url, "gateway-01", "a-password-nobody-should-use")
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")


def test_english_switch_and_phone_layout(demo_park, live_server, new_page):
    page = new_page(width=390, height=844)
    sign_in(page, live_server.url, "staff")
    expect(page.get_by_test_id("nav")).to_contain_text("首页")
    screenshot(page, "home-staff-phone-zh")
    page.get_by_test_id("lang-switch").click()
    expect(page.get_by_test_id("nav")).to_contain_text("Home")
    expect(page.get_by_text("Headline figures")).to_be_visible()
    # No sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "home-staff-phone-en")


def test_park_admin_reads_the_audit_log(demo_park, live_server, new_page):
    page = new_page()
    sign_in(page, live_server.url, "admin")
    page.get_by_test_id("nav").get_by_text("审计日志").click()
    expect(page.get_by_test_id("audit-rows")).to_contain_text("demo.load")
    screenshot(page, "audit-log-admin")


def test_the_park_map_shows_the_zones_without_a_tile_server(demo_park, live_server, new_page):
    page = new_page()
    sign_in(page, live_server.url, "staff")
    park_map = page.get_by_test_id("park-map")
    expect(park_map).to_have_attribute("data-rendered", "6")  # the park and its five zones
    expect(park_map.locator("path.leaflet-interactive")).to_have_count(6)
    expect(park_map).to_contain_text("硬科技TOD")
    screenshot(page, "home-park-map")
