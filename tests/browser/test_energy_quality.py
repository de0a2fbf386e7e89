"""The data-quality page as people see it, with real readings and a refused one."""

import pytest
from playwright.sync_api import expect

from helpers import screenshot
from parkpilot.demo.services import demo_load
from parkpilot.energy.ingest.core import ingest_items
from parkpilot.energy.models import MeteringPoint
from parkpilot.energy.registry import registry
from parkpilot.energy.rollups import rollup_pending
from parkpilot.tenancy.models import Enterprise, Park

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_quality_page(live_server, new_page):
    demo_load()
    park = Park.objects.get()
    hangcha = Enterprise.objects.get(name="杭叉集团股份有限公司")
    MeteringPoint.objects.get_or_create(
        park=park, code="HC-E-001",
        defaults=dict(owner=hangcha, kind="grid_import", unit="kWh", register="cumulative",
                      rated_max_per_h=2000.0),
    )  # fmt: skip
    registry.invalidate()
    ingest_items(park_id=park.pk, items=[
        {"point": "HC-E-001", "ts": f"2026-03-01T10:{m:02d}:00+08:00", "value": 100.0 + m}
        for m in range(30)
    ] + [{"point": "HC-E-999", "ts": "2026-03-01T10:00:00+08:00", "value": 1.0}],
        source="mqtt")  # fmt: skip
    rollup_pending()
    page = new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "staff")
    page.fill("input[name=password]", "qingshanhu-demo")
    page.get_by_test_id("login-submit").click()
    page.goto(f"{live_server.url}/energy/quality/")
    expect(page.get_by_test_id("completeness-chart")).to_have_attribute("data-rendered", "true")
    expect(page.get_by_test_id("open-letters")).to_have_text("1")
    expect(page.get_by_test_id("dead-letters")).to_contain_text("未知计量点")
    screenshot(page, "energy-quality")
    page.get_by_role("button", name="忽略").click()
    expect(page.get_by_test_id("open-letters")).to_have_text("0")
