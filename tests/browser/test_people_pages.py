"""People administration in Chromium: an enterprise admin invites a colleague, who sets a
password with the one-time link and signs in; the admin then deactivates them."""

import re

import pytest
from playwright.sync_api import expect

from helpers import screenshot, sign_in
from parkpilot.demo.services import demo_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Hangcha-new-2026"


@pytest.fixture
def demo_park(transactional_db):
    demo_load()


def test_an_enterprise_admin_invites_and_deactivates_a_colleague(demo_park, live_server, new_page):
    admin = new_page(width=1440, height=900)
    sign_in(admin, live_server.url, "hangcha-admin")
    admin.get_by_test_id("nav").get_by_text("人员", exact=True).click()
    rows = admin.get_by_test_id("people-rows")
    expect(rows).to_contain_text("hangcha-admin")
    expect(rows).not_to_contain_text("nandu-user")  # another enterprise's people: not listed
    admin.get_by_test_id("invite-open").click()
    admin.fill("input[name=username]", "hangcha li")
    admin.fill("input[name=display_name]", "李工")
    admin.fill("input[name=email]", "li@example.com")
    admin.get_by_test_id("invite-submit").click()
    expect(admin.get_by_test_id("error-username")).to_contain_text("只能使用字母、数字")
    expect(admin.locator("input[name=display_name]")).to_have_value("李工")  # kept as typed
    admin.fill("input[name=username]", "hangcha-li")
    admin.get_by_test_id("invite-submit").click()
    link = admin.get_by_test_id("invite-link").locator("code").inner_text()
    screenshot(admin, "people-invited")

    person = new_page(width=390, height=844)  # the colleague opens the link on a phone
    person.goto(link)
    person.fill("input[name=new_password1]", PASSWORD)
    person.fill("input[name=new_password2]", PASSWORD)
    screenshot(person, "set-password-390")
    person.get_by_test_id("password-submit").click()
    expect(person.get_by_test_id("password-done")).to_be_visible()
    sign_in(person, live_server.url, "hangcha-li", password=PASSWORD)
    person.wait_for_url(lambda url: "/accounts/login/" not in url)

    admin.goto(f"{live_server.url}/accounts/people/?q=hangcha-li")
    admin.get_by_test_id("people-rows").get_by_text("hangcha-li").click()
    admin.get_by_test_id("person-deactivate").click()
    expect(admin.get_by_test_id("person-deactivated")).to_be_visible()
    expect(admin.get_by_test_id("person-history")).to_contain_text("user.deactivate")
    screenshot(admin, "person-deactivated")
    person.reload()  # the colleague's open session ends with the deactivation
    expect(person).to_have_url(re.compile(r"/accounts/login/"))
