"""The carbon park page in Chromium (zh-Hans) on the demo park: this month is labelled partial;
last month, once closed, shows its snapshot version and that its figures come from it; staff
close it from the page with a reason (it ended only days ago, so the rule has not closed it)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from helpers import AsgiServer, drop_server_connections, screenshot, sign_in
from parkpilot.carbon.models import PeriodClose
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


def _feed_hangcha(day, steps: range, kwh_per_step: float = 250.0):
    """杭叉's main grid meter: readings every 15 minutes from 10:00 on `day` (local)."""
    ent = Enterprise.objects.get(name="杭叉集团股份有限公司")
    point = MeteringPoint.objects.filter(owner=ent, kind="grid_import", parent=None).first()
    start = timezone.make_aware(timezone.datetime(day.year, day.month, day.day, 10))
    items = [
        {"point": point.code, "ts": (start + timedelta(minutes=15 * i)).isoformat(),
         "value": i * kwh_per_step / point.multiplier}
        for i in steps
    ]  # fmt: skip
    result = ingest_items(park_id=ent.park_id, items=items, source="direct")
    assert result.accepted == len(items), result.as_dict()
    rollup_pending()


@pytest.fixture
def asgi_server(transactional_db):
    demo_load()
    registry.invalidate()
    server = AsgiServer().start()
    yield server
    server.stop()
    drop_server_connections()


def test_park_page_shows_partial_and_closed_periods(asgi_server, new_page, settings):
    settings.PARKPILOT_CLOSE_AFTER_DAYS = 40  # last month is not due by days: staff close it
    settings.PARKPILOT_CLOSE_COMPLETENESS = 101  # nor by completeness
    page = new_page()
    sign_in(page, asgi_server.url, "staff")
    page.goto(f"{asgi_server.url}/carbon/")
    expect(page.get_by_test_id("partial-label")).to_have_text("部分期间")
    expect(page.get_by_test_id("period-state")).to_contain_text("本月尚未结束")
    expect(page.get_by_test_id("live-partial")).to_be_visible()
    screenshot(page, "carbon-park-partial")

    last = timezone.localdate().replace(day=1) - timedelta(days=1)
    _feed_hangcha(last.replace(day=15), range(5))  # 4 × 250 = 1,000 kWh last month
    page.goto(f"{asgi_server.url}/carbon/?period={last:%Y-%m}")
    expect(page.get_by_test_id("period-state")).to_contain_text("已结束，未结账")
    page.get_by_test_id("close-form").locator("summary").click()
    page.get_by_test_id("close-form").get_by_role("button").click()
    # Not due and no reason: refused, the reason named.
    expect(page.get_by_test_id("close-error")).to_contain_text("须说明原因")
    page.get_by_test_id("close-form").locator("input[name=reason]").fill("月报提前报送")
    page.get_by_test_id("close-form").get_by_role("button").click()
    expect(page.get_by_test_id("closed-label")).to_have_text("已结账")
    expect(page.get_by_test_id("period-state")).to_contain_text("快照第 1 版")
    expect(page.get_by_test_id("period-state")).to_contain_text("月报提前报送")
    expect(page.get_by_test_id("since-closing")).to_contain_text("结账后无新到数据")
    expect(page.get_by_test_id("top-emitters")).to_contain_text("杭叉集团股份有限公司")
    snapshot_co2 = page.get_by_test_id("park-totals").inner_text()
    # A late reading for the closed month: shown as arrived since closing, the snapshot kept.
    _feed_hangcha(last.replace(day=15), range(5, 7))
    page.reload()
    expect(page.get_by_test_id("since-closing")).to_contain_text("结账后新到数据")
    assert page.get_by_test_id("park-totals").inner_text() == snapshot_co2
    screenshot(page, "carbon-park-closed")
    closing = PeriodClose.objects.get()
    assert (closing.version, closing.rule, closing.reason) == (1, "staff", "月报提前报送")
