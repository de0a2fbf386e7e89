"""The drill-down as park staff see it: from the cockpit to the park, a zone, an enterprise
and a meter, each with its chart, figures and carbon indicators (readings fed through intake),
and the industry filter kept in the address."""

import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from helpers import screenshot
from parkpilot.carbon import services
from parkpilot.economy.models import EnterpriseMonthly
from parkpilot.energy.ingest.core import ingest_items
from parkpilot.energy.models import MeteringPoint, RegisterType
from parkpilot.energy.registry import registry
from parkpilot.energy.rollups import rollup_pending
from parkpilot.tenancy.actors import system_actor
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
    actor = system_actor(park)
    for quantity, region, value, unit in (
        ("tce", "national", "0.1229", "kgce/kWh"),
        ("co2", "east_china", "0.5617", "kgCO2/kWh"),
        ("co2", "national", "0.5366", "kgCO2/kWh"),
    ):
        services.factor_create(
            actor=actor, via="test", park=park, carrier="electricity", quantity=quantity,
            region=region, year=2026, value=value, unit=unit, document="test",
            effective_from=date(2026, 1, 1),
        )  # fmt: skip
    services.settings_upsert(actor=actor, via="test", park=park, year=2026)
    services.industry_average_upsert(
        actor=actor, via="test", park=park, industry_code="C34", year=2026, intensity="0.01"
    )
    EnterpriseMonthly.objects.create(
        park=park, enterprise=ent, year=2026, month=3, value_added=Decimal("10.0")
    )
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
    # 120 kWh: 0.0147 tce, 0.067 tCO2; per 10.0 万元: 0.0067 tCO2; ranked 1 of 1 in C34.
    expect(page.get_by_test_id("ind-energy_tce")).to_have_text("0.015")
    expect(page.get_by_test_id("ind-co2_t")).to_have_text("0.067")
    expect(page.get_by_test_id("ind-carbon_intensity")).to_have_text("0.0067")
    expect(page.get_by_test_id("ind-year-ago-co2_t")).to_have_text("0.000")
    expect(page.get_by_test_id("drill-rank")).to_have_text("1 / 1")
    # The same period last year is the chart's second series.
    assert (
        page.evaluate(
            "echarts.getInstanceByDom(document.getElementById('drill-chart'))"
            ".getOption().series.length"
        )
        == 2
    )
    page.get_by_test_id("drill-industry").select_option("C34")
    page.get_by_role("button", name="查看").click()
    expect(page).to_have_url(re.compile(r"industry=C34"))
    expect(page.get_by_test_id("drill-total")).to_have_text("120.0 kWh")
    screenshot(page, "drilldown-enterprise")
    page.get_by_role("link", name="HC-E-001 总进线").click()
    expect(page.get_by_test_id("drill-total")).to_have_text("120.0 kWh")
    page.get_by_test_id("breadcrumb").get_by_role("link", name="青山湖科技城").click()
    expect(page.get_by_test_id("drill-value").first).to_have_text("120.0")
