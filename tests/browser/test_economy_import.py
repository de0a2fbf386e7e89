"""The statistics office imports a workbook in the browser: a bad file is refused with each
error's sheet, row, column and reason, and nothing is written; the corrected file goes in."""

import io

import pytest
from django.conf import settings
from openpyxl import Workbook
from playwright.sync_api import expect

from helpers import screenshot
from parkpilot.demo.services import demo_load
from parkpilot.economy.models import EnterpriseMonthly
from parkpilot.economy.workbook import COLUMNS
from parkpilot.tenancy.models import Enterprise

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _workbook(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "2018-09"
    ws.append([title for _f, title, _p in COLUMNS])
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_import_refuses_a_bad_file_then_accepts_the_fixed_one(live_server, new_page):
    demo_load()
    hangcha = Enterprise.objects.get(name="杭叉集团股份有限公司")
    nandu = Enterprise.objects.get(name="浙江南都电源动力股份有限公司")
    before = EnterpriseMonthly.objects.count()
    page = new_page(width=1440, height=900)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "staff")
    page.fill("input[name=password]", settings.PARKPILOT_DEMO_PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.goto(f"{live_server.url}/economy/import/")

    good = [hangcha.credit_code, hangcha.name, 120000, 24000, 125000, 5000, 5100, 4800, 950]
    bad = [nandu.credit_code, nandu.name, "约八万", 16000, 85000, 3000, 2600, 3200, 700]
    page.set_input_files(
        "input[name=file]",
        {
            "name": "2018-09.xlsx",
            "mimeType": "application/octet-stream",
            "buffer": _workbook([good, bad]),
        },
    )
    page.get_by_test_id("import-submit").click()
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_contain_text("2018-09")
    expect(errors).to_contain_text("工业总产值（万元）")
    expect(errors).to_contain_text("应为数字")
    expect(errors.locator("tbody tr")).to_have_count(1)
    expect(errors.locator("tbody tr td").nth(1)).to_have_text("3")
    assert EnterpriseMonthly.objects.count() == before
    screenshot(page, "economy-import-refused-zh")

    bad[2] = 80000
    page.set_input_files(
        "input[name=file]",
        {
            "name": "2018-09.xlsx",
            "mimeType": "application/octet-stream",
            "buffer": _workbook([good, bad]),
        },
    )
    page.get_by_test_id("import-submit").click()
    expect(page.get_by_test_id("import-ok")).to_contain_text("2")
    assert EnterpriseMonthly.objects.count() == before + 2
    screenshot(page, "economy-import-ok-zh")
