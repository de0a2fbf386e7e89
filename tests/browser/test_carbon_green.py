"""The enterprise's carbon page shows all four indicators with their basis, both scope 2
figures; the green-power page enters certificates (a duplicate id refused next to the field)
and the market-based figure drops. Chromium (zh-Hans) against uvicorn; screenshots in
test-artifacts/ (carbon-enterprise-indicators.png, carbon-green-power.png)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from helpers import AsgiServer, drop_server_connections, screenshot, sign_in
from parkpilot.carbon.models_green import GreenCertificate
from parkpilot.demo.services import demo_load
from parkpilot.energy.ingest.core import ingest_items
from parkpilot.energy.models import MeteringPoint
from parkpilot.energy.registry import registry
from parkpilot.energy.rollups import rollup_pending
from parkpilot.tenancy.models import Enterprise

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume synchronous"),
]


@pytest.fixture
def asgi_server(transactional_db):
    demo_load()
    registry.invalidate()
    _feed_hangcha()
    server = AsgiServer().start()
    yield server
    server.stop()
    drop_server_connections()


def _feed_hangcha():
    """200 MWh on 杭叉's main meter over the first 10 hours of this month (5 MWh a quarter,
    20 MW: under its 30.9 MW rated cap). More than the demo's green-power trade brings to a
    month (1,200 MWh a year: at most 31/365 × 1,200 = 101.9 MWh)."""
    ent = Enterprise.objects.get(name="杭叉集团股份有限公司")
    point = MeteringPoint.objects.get(owner=ent, kind="grid_import", parent=None)
    start = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    step = 5000 / point.multiplier
    items = [
        {"point": point.code, "ts": (start + timedelta(minutes=15 * i)).isoformat(),
         "value": i * step}
        for i in range(41)
    ]  # fmt: skip
    assert ingest_items(park_id=ent.park_id, items=items, source="direct").accepted == 41
    rollup_pending()


def test_enterprise_page_shows_all_four_indicators_and_both_scope2(asgi_server, new_page):
    page = new_page()
    sign_in(page, asgi_server.url, "hangcha-user")
    page.goto(f"{asgi_server.url}/carbon/mine/")
    indicators = page.get_by_test_id("indicators")
    expect(indicators).to_be_visible()
    # 能耗强度 and 碳排放强度 have values now that every metered month has value added.
    expect(page.get_by_test_id("carbon-intensity")).not_to_have_text("—")
    expect(page.get_by_test_id("value-added-demo")).to_be_visible()
    expect(page.get_by_test_id("grade")).to_contain_text("K=")
    expect(page.get_by_test_id("per-m2")).to_have_count(0)
    expect(page.get_by_test_id("scope2-location")).to_be_visible()
    expect(page.get_by_test_id("carried-forward").first).to_contain_text("2023")
    # 杭叉's demo green-power trade covers this year: the market-based figure is lower.
    location = float(page.get_by_test_id("scope2-location").inner_text().replace(",", ""))
    market = float(page.get_by_test_id("scope2-market").inner_text().replace(",", ""))
    assert 0 < market < location
    screenshot(page, "carbon-enterprise-indicators")


def test_green_power_page_enters_certificates_once(asgi_server, new_page):
    page = new_page()
    sign_in(page, asgi_server.url, "hangcha-admin")
    page.goto(f"{asgi_server.url}/carbon/green-power/")
    expect(page.get_by_test_id("green-purchases")).to_contain_text("DEMO-GT")
    before = float(page.get_by_test_id("scope2-market").inner_text().replace(",", ""))
    today = timezone.localdate()
    form = page.get_by_test_id("green-form")
    form.locator("select[name=kind]").select_option("certificate")
    form.locator("input[name=quantity_mwh]").fill("2")
    form.locator("input[name=period_start]").fill(f"{today:%Y-%m}-01")
    form.locator("input[name=period_end]").fill(f"{today:%Y-%m-%d}")
    form.locator("input[name=seller]").fill("某光伏电站")
    # An id the demo already registered for 杭氧: refused, nothing saved, the input kept.
    taken = GreenCertificate.objects.order_by("serial").first().serial
    form.locator("textarea[name=certificates]").fill(f"GEC-T-1\n{taken}")
    form.get_by_role("button").click()
    expect(page.get_by_test_id("error-certificates")).to_contain_text(taken)
    expect(page.locator("input[name=quantity_mwh]")).to_have_value("2")
    page.locator("textarea[name=certificates]").fill("GEC-T-1\nGEC-T-2")
    page.get_by_test_id("green-form").get_by_role("button").click()
    expect(page.get_by_test_id("green-purchases")).to_contain_text("GEC-T-2")
    after = float(page.get_by_test_id("scope2-market").inner_text().replace(",", ""))
    # 2 MWh more green power at 0.5500 kgCO2/kWh (华东 2023, 《关于发布2023年电力二氧化碳排放因子
    # 的公告》, carried forward): the market-based figure falls by 2,000 × 0.55 kg = 1.100 t.
    assert round(before - after, 3) == 1.1
    screenshot(page, "carbon-green-power")
