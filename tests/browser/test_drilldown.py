"""The drill-down as park staff see it: from the cockpit to the park, a zone, an enterprise
and a meter, each with its chart and figures (readings fed through intake)."""

import pytest
from playwright.sync_api import expect

from helpers import screenshot
from parkpilot.energy.ingest.core import ingest_items
from parkpilot.energy.models import MeteringPoint, RegisterType
from parkpilot.energy.registry import registry
from parkpilot.energy.rollups import rollup_pending
from parkpilot.tenancy.credit_code import make_demo_credit_code
from parkpilot.tenancy.models import Enterprise, Park, Role, User, Zone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_drill_from_cockpit_to_meter(live_server, new_page):
    park = Park.objects.create(code="qsh", name="青山湖科技城", region_code="330112")
    zone = Zone.objects.create(park=park, code="link", name="LinkPark零碳智慧产业园")
    ent = Enterprise.objects.create(
        park=park, zone=zone, name="杭叉集团股份有限公司", industry_code="C34",
        credit_code=make_demo_credit_code("杭叉集团股份有限公司"),
    )  # fmt: skip
    User.objects.create_user(username="staff", password="pw-staff", role=Role.PARK_STAFF, park=park)
    MeteringPoint.objects.create(
        park=park, code="HC-E-001", name="总进线", owner=ent, zone=zone, kind="grid_import",
        unit="kWh", register=RegisterType.CUMULATIVE, rated_max_per_h=2000.0, interval_s=900,
    )  # fmt: skip
    registry.invalidate()
    # 0, 30, 60, 90, 120 kWh from 10:00 to 11:00 on 2026-03-01: 120 kWh at every level.
    ts = ["10:00", "10:15", "10:30", "10:45", "11:00"]
    items = [
        {"point": "HC-E-001", "ts": f"2026-03-01T{t}:00+08:00", "value": 30.0 * i}
        for i, t in enumerate(ts)
    ]
    assert not ingest_items(park_id=park.pk, items=items, source="direct").rejected
    rollup_pending()
    page = new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "staff")
    page.fill("input[name=password]", "pw-staff")
    page.get_by_test_id("login-submit").click()
    page.goto(f"{live_server.url}/cockpit/")
    page.get_by_test_id("open-drill").click()
    page.get_by_test_id("drill-period").fill("2026-03")
    page.get_by_role("button", name="查看").click()
    expect(page.get_by_test_id("drill-chart")).to_have_attribute("data-rendered", "true")
    expect(page.get_by_test_id("drill-total")).to_have_text("120.0 kWh")
    screenshot(page, "drilldown-park")
    page.get_by_role("link", name="LinkPark零碳智慧产业园").click()
    expect(page.get_by_test_id("drill-total")).to_have_text("120.0 kWh")
    page.get_by_role("link", name="杭叉集团股份有限公司").click()
    expect(page.get_by_test_id("drill-chart")).to_have_attribute("data-rendered", "true")
    expect(page.get_by_test_id("breadcrumb")).to_contain_text("LinkPark零碳智慧产业园")
    screenshot(page, "drilldown-enterprise")
    page.get_by_role("link", name="HC-E-001 总进线").click()
    expect(page.get_by_test_id("drill-total")).to_have_text("120.0 kWh")
    page.get_by_test_id("breadcrumb").get_by_role("link", name="青山湖科技城").click()
    expect(page.get_by_test_id("drill-value").first).to_have_text("120.0")
