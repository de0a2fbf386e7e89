"""An enterprise-month typed on the page: what the browser cannot check goes to the service as
typed (text fields, not number inputs that would post "many" as blank), each refusal is shown
beside its field in the input layer's words, nothing is written; the corrected month is kept."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from helpers import screenshot
from parkpilot.demo.services import demo_load
from parkpilot.economy.models import EnterpriseMonthly
from parkpilot.tenancy.models import Enterprise

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_bad_month_is_refused_by_field_then_the_fixed_one_saved(live_server, new_page):
    demo_load()
    hangcha = Enterprise.objects.get(name="杭叉集团股份有限公司")
    before = EnterpriseMonthly.objects.count()
    page = new_page(width=1440, height=900)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "staff")
    page.fill("input[name=password]", settings.PARKPILOT_DEMO_PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.goto(f"{live_server.url}/economy/monthly/new/?enterprise={hangcha.pk}")

    page.fill("input[name=year]", "2018")
    page.fill("input[name=month]", "13")
    page.fill("input[name=output_value]", "-1")
    page.fill("input[name=employees]", "many")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("error-month")).to_have_text("不能大于 12。")
    expect(page.get_by_test_id("error-output_value")).to_have_text("不能小于 0。")
    expect(page.get_by_test_id("error-employees")).to_have_text("须为整数。")
    expect(page.locator("input[name=employees]")).to_have_value("many")  # kept as typed
    assert EnterpriseMonthly.objects.count() == before
    screenshot(page, "economy-monthly-refused-zh")

    page.fill("input[name=month]", "9")
    page.fill("input[name=output_value]", "120000")
    page.fill("input[name=employees]", "1800")
    page.get_by_test_id("save").click()
    expect(page).to_have_url(f"{live_server.url}/economy/monthly/?year=2018&month=9")
    row = EnterpriseMonthly.objects.get(enterprise=hangcha, year=2018, month=9)
    assert (row.output_value, row.employees, row.source) == (120000, 1800, "form")
