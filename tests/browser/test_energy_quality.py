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


def test_quality_page_suspect_decisions_and_quarantine(live_server, new_page):
    """A zero that recovered (refused), a meter replaced by one showing 500 (adopted after an
    hour of rises) and a quarantined point, as staff see them; staff accept the zero and
    confirm the replacement with its start value."""
    from datetime import timedelta

    from django.utils import timezone

    from parkpilot.energy.models import PointQuarantine, SuspectDecision
    from parkpilot.tenancy.models import AuditLog

    demo_load()
    park = Park.objects.get()
    hangcha = Enterprise.objects.get(name="杭叉集团股份有限公司")
    for code in ("HC-E-101", "HC-E-102", "HC-E-103"):
        MeteringPoint.objects.get_or_create(
            park=park, code=code,
            defaults=dict(owner=hangcha, kind="grid_import", unit="kWh", register="cumulative",
                          rated_max_per_h=50.0),
        )  # fmt: skip
    registry.invalidate()
    rate = 10 / 60
    items = []
    for m in range(150):
        hh, mm = 8 + m // 60, m % 60
        ts = f"2026-03-01T{hh:02d}:{mm:02d}:00+08:00"
        zero = 0.0 if m == 20 else 1000 + rate * m
        replaced = 2000 + rate * m if m < 40 else 500 + rate * (m - 40)
        held = 0.0 if m >= 145 else 3000 + rate * m  # ends in zeros: held, undecided
        items += [{"point": "HC-E-101", "ts": ts, "value": zero},
                  {"point": "HC-E-102", "ts": ts, "value": replaced},
                  {"point": "HC-E-103", "ts": ts, "value": held}]  # fmt: skip
    ingest_items(park_id=park.pk, items=items, source="mqtt")
    rollup_pending()
    assert SuspectDecision.objects.filter(decision="refused").count() == 1
    assert SuspectDecision.objects.filter(decision="replaced").count() == 1
    broken = MeteringPoint.objects.filter(park=park).exclude(code__startswith="HC-E-1").first()
    assert SuspectDecision.objects.filter(point__code="HC-E-103").count() == 0
    PointQuarantine.objects.create(
        point=broken, reason="IntegrityError: CHECK constraint failed: readings",
        since=timezone.now(), retry_at=timezone.now() + timedelta(minutes=2),
        span_lo=0.0, span_hi=1.0,
    )  # fmt: skip

    page = new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "staff")
    page.fill("input[name=password]", "qingshanhu-demo")
    page.get_by_test_id("login-submit").click()
    page.goto(f"{live_server.url}/energy/quality/")
    suspects = page.get_by_test_id("suspects")
    expect(suspects).to_contain_text("零或接近零的读数")
    expect(suspects).to_contain_text("已采用换表或复位")
    expect(page.get_by_test_id("quarantine")).to_contain_text("CHECK constraint failed")
    expect(page.get_by_test_id("quarantined-count")).to_have_text("1")
    expect(page.get_by_test_id("held")).to_contain_text("HC-E-103")
    screenshot(page, "energy-quality-suspects")

    page.get_by_role("button", name="接受读数").click()
    expect(page.get_by_test_id("suspects")).to_contain_text("工作人员已改判")
    form = page.get_by_test_id("confirm-replacement").first
    form.locator("input[name=start_value]").fill("499.9")
    form.get_by_role("button", name="确认换表").click()
    expect(page.get_by_test_id("suspects")).to_contain_text("工作人员确认换表")
    page.get_by_role("button", name="立即重试").click()
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"suspect_reading.accept", "metering_point.replacement_confirm",
            "metering_point.quarantine_retry"} <= actions  # fmt: skip
