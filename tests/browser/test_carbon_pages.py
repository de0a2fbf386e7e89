"""Carbon pages in Chromium (zh-Hans), served by uvicorn so the live figures stream (SSE):
new readings change the park's figures on the open page, without a reload."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from helpers import AsgiServer, drop_server_connections, screenshot, sign_in
from parkpilot.carbon import cockpit, services
from parkpilot.demo.services import demo_load
from parkpilot.energy.ingest.core import ingest_items
from parkpilot.energy.models import MeteringPoint
from parkpilot.energy.registry import registry
from parkpilot.energy.rollups import rollup_pending
from parkpilot.tenancy.actors import system_actor
from parkpilot.tenancy.models import Enterprise, User

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume synchronous"),
]


@pytest.fixture
def asgi_server(transactional_db):
    demo_load()
    registry.invalidate()
    server = AsgiServer().start()
    yield server
    server.stop()
    drop_server_connections()


def _feed_hangcha(kwh_per_step: float = 50.0):
    ent = Enterprise.objects.get(name="杭叉集团股份有限公司")
    point = MeteringPoint.objects.filter(owner=ent, kind="grid_import", parent=None).first()
    now = timezone.now()
    start = max(now - timedelta(minutes=30), timezone.localtime(now).replace(day=1, hour=0))
    step = kwh_per_step / point.multiplier
    items = [
        {"point": point.code, "ts": (start + timedelta(minutes=i)).isoformat(), "value": i * step}
        for i in range(3)
    ]
    result = ingest_items(park_id=ent.park_id, items=items, source="direct")
    assert result.accepted == 3, result.as_dict()
    rollup_pending()


def test_park_page_updates_live(asgi_server, new_page):
    page = new_page()
    sign_in(page, asgi_server.url, "staff")
    page.goto(f"{asgi_server.url}/carbon/")
    co2 = page.get_by_test_id("live-co2")
    expect(co2).to_be_visible()
    expect(page.get_by_test_id("live-mode")).to_have_text("实时")  # says it is live
    before = co2.inner_text()
    _feed_hangcha()
    staff = User.objects.get(username="staff")
    expected = cockpit.live_figures(user=staff, park=staff.park)["co2_t"]
    assert str(expected) != before
    # The stream polls every 0.5 s: the new figure arrives without a reload, well within 2 s.
    expect(co2).to_have_text(str(expected), timeout=2_000)
    expect(page.get_by_test_id("top-emitters")).to_contain_text("杭叉集团股份有限公司")
    screenshot(page, "carbon-park")


def test_enterprise_page_reports_and_factors(asgi_server, new_page):
    _feed_hangcha()
    ent = Enterprise.objects.get(name="杭叉集团股份有限公司")
    today = timezone.localdate()
    services.report_generate(
        actor=system_actor(ent.park),
        via="test",
        enterprise_id=ent.pk,
        year=today.year,
        month=today.month,
    )
    page = new_page()
    sign_in(page, asgi_server.url, "hangcha-user")
    page.goto(f"{asgi_server.url}/carbon/mine/")
    expect(page.get_by_test_id("indicators")).to_be_visible()
    expect(page.get_by_test_id("reports")).to_contain_text(f"{today:%Y-%m}")
    screenshot(page, "carbon-enterprise")
    page.goto(f"{asgi_server.url}/carbon/reports/")
    expect(page.get_by_test_id("report-list")).to_contain_text("杭叉集团股份有限公司")
    screenshot(page, "carbon-reports")
    staff = new_page()
    sign_in(staff, asgi_server.url, "staff")
    staff.goto(f"{asgi_server.url}/carbon/factors/")
    expect(staff.get_by_test_id("factors")).to_contain_text("0.5617")
    screenshot(staff, "carbon-factors")


def test_staff_keep_budgets_and_grading_settings(asgi_server, new_page):
    page = new_page()
    sign_in(page, asgi_server.url, "staff")
    page.goto(f"{asgi_server.url}/carbon/")
    page.get_by_test_id("settings-link").click()
    page.wait_for_url(f"{asgi_server.url}/carbon/settings/")
    form = page.get_by_test_id("budget-form")
    form.locator("select[name=enterprise_id]").select_option(label="杭叉集团股份有限公司")
    form.locator("input[name=energy_tce]").fill("1234.5")
    form.locator("input[name=co2_t]").fill("-1")
    form.get_by_role("button").click()
    # Refused: the reason next to the field, nothing saved, what was typed kept.
    expect(page.get_by_test_id("error-budget-co2_t")).to_contain_text("须为正数")
    expect(page.get_by_test_id("budget-list")).not_to_contain_text("1234.5")
    form = page.get_by_test_id("budget-form")
    expect(form.locator("input[name=energy_tce]")).to_have_value("1234.5")
    form.locator("input[name=co2_t]").fill("3456")
    form.get_by_role("button").click()
    expect(page.get_by_test_id("saved")).to_be_visible()
    row = page.get_by_test_id("budget-list").locator("tr", has_text="杭叉集团股份有限公司")
    expect(row).to_contain_text("1234.5")
    expect(row).to_contain_text("3456")
    expect(page.get_by_test_id("settings-list")).to_contain_text("0.6 / 0.8 / 1.2 / 2.0")
    averages = page.get_by_test_id("average-form")
    averages.locator("input[name=industry_code]").fill("C34")
    averages.locator("input[name=intensity]").fill("abc")
    averages.get_by_role("button").click()
    expect(page.get_by_test_id("error-average-intensity")).to_contain_text("须为数字")
    expect(page.get_by_test_id("saved")).to_have_count(0)
    screenshot(page, "carbon-settings")
