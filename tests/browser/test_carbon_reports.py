"""The report library in Chromium (zh-Hans): a report's versions, a re-issue with its reason
through the page, and the side-by-side difference after a factor's new version."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from helpers import AsgiServer, drop_server_connections, screenshot, sign_in
from parkpilot.carbon import services
from parkpilot.carbon.models import EmissionFactor, Report
from parkpilot.demo.services import demo_load
from parkpilot.energy.ingest.core import ingest_items
from parkpilot.energy.models import MeteringPoint
from parkpilot.energy.registry import registry
from parkpilot.energy.rollups import rollup_pending
from parkpilot.tenancy.actors import system_actor
from parkpilot.tenancy.models import Enterprise, User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def asgi_server(transactional_db):
    demo_load()
    registry.invalidate()
    server = AsgiServer().start()
    yield server
    server.stop()
    drop_server_connections()


def _hangcha_report():
    """杭叉 uses 2,000 kWh in the last half hour; that month's report is issued (version 1)."""
    ent = Enterprise.objects.get(name="杭叉集团股份有限公司")
    point = MeteringPoint.objects.filter(owner=ent, kind="grid_import", parent=None).first()
    # Readings in the past whatever the hour (at 00:10 a reading dated 00:30 would be refused
    # as future): the last three quarter-hours up to now.
    now = timezone.localtime()
    start = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
    start -= timedelta(minutes=30)
    step = 1000 / point.multiplier
    items = [
        {"point": point.code, "ts": (start + timedelta(minutes=15 * i)).isoformat(),
         "value": i * step}
        for i in range(3)
    ]  # fmt: skip
    assert ingest_items(park_id=ent.park_id, items=items, source="direct").accepted == 3
    rollup_pending()
    return services.report_issue(
        actor=system_actor(ent.park),
        via="test",
        enterprise_id=ent.pk,
        year=start.year,
        month=start.month,
    )


def test_reissue_shows_versions_and_the_difference(asgi_server, new_page):
    staff = User.objects.get(username="staff")
    # Before the 2023 notice is entered, this year carries forward the 2022 华东 0.5617
    # (《关于发布2022年电力二氧化碳排放因子的公告》): the demo's 2023 electricity rows removed.
    notice_2023 = EmissionFactor.objects.filter(
        park=staff.park, carrier="electricity", quantity="co2", year=2023
    )
    assert notice_2023.exists()
    notice_2023.delete()
    report = _hangcha_report()
    v1_factors = {f["id"] for f in report.latest.content["factors"]}
    # The 2023 notice's 华东 value (0.5500 kgCO2/kWh) replaces the carried-forward 0.5617.
    entered = services.factor_create(
        actor=staff, via="test", park=staff.park, carrier="electricity", quantity="co2",
        region="east_china", year=2023, value="0.5500", unit="kgCO2/kWh",
        document="《关于发布2023年电力二氧化碳排放因子的公告》生态环境部 国家统计局 2026-01",
        effective_from=date(2026, 1, 15),
    )  # fmt: skip
    assert entered.pk not in v1_factors

    page = new_page()
    sign_in(page, asgi_server.url, "staff")
    page.goto(f"{asgi_server.url}/carbon/reports/")
    page.get_by_role("link", name=report.number).click()
    expect(page.get_by_test_id("report-number")).to_have_text(report.number)
    page.fill("input[name=reason]", "华东电网因子更新为2023年公告值")
    page.get_by_test_id("reissue-form").get_by_role("button").click()
    expect(page.get_by_test_id("versions").locator("tbody tr")).to_have_count(2)
    expect(page.get_by_test_id("reason")).to_have_text("华东电网因子更新为2023年公告值")
    difference = page.get_by_test_id("difference")
    expect(difference).to_contain_text("0.5617")
    expect(difference).to_contain_text("0.5500")
    expect(difference.locator("tr.changed").first).to_be_visible()
    assert Report.objects.get(pk=report.pk).latest_version == 2
    # Version 2 names the 2023 factor (carried forward to this year); version 1 is unchanged.
    reissued = Report.objects.get(pk=report.pk).latest.content["factors"]
    assert entered.pk in {f["id"] for f in reissued}
    assert next(f for f in reissued if f["id"] == entered.pk)["carried_forward"] is True
    assert {f["id"] for f in report.versions.get(version=1).content["factors"]} == v1_factors
    screenshot(page, "carbon-report-versions")
