"""Issued reports as documents: numbered immutable versions, a re-issue after a factor change
(version 1 byte-identical, version 2 with the difference), the PDF's number, version, factor
ids and demo mark, and immutability below the ORM."""

import hashlib
import io
from datetime import date

import pytest
from carbon_helpers import feed, load_factors, ramp
from django.db import DatabaseError, connection, transaction
from pypdf import PdfReader

from parkpilot.carbon import services
from parkpilot.carbon.models import EmissionFactor, Report, ReportVersion
from parkpilot.tenancy.actors import system_actor
from parkpilot.tenancy.errors import ValidationFailed
from parkpilot.tenancy.models import AuditLog

pytestmark = pytest.mark.django_db

NOTICE_2022 = "《关于发布2022年电力二氧化碳排放因子的公告》生态环境部 国家统计局 2024-12-20"
NOTICE_2023 = "《关于发布2023年电力二氧化碳排放因子的公告》生态环境部 国家统计局 2026-01"


def _text(pdf: bytes) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return "".join(p.extract_text() for p in pages).replace("\n", "")


@pytest.fixture
def march_2023(park, zone, ent_a, make_point):
    """10,000 kWh of grid electricity for 杭叉 in March 2023, before the 2023 notice is
    entered: the 华东 factor of 2023 is the 2022 value carried forward, marked demo."""
    load_factors(park, year=2023, skip={("electricity", "co2", "east_china")})
    carried = services.factor_create(
        actor=system_actor(park), via="test", park=park, carrier="electricity", quantity="co2",
        region="east_china", year=2023, value="0.5617", unit="kgCO2/kWh", document=NOTICE_2022,
        effective_from=date(2024, 12, 20), note="沿用2022年公布值（演示）", is_demo=True,
    )  # fmt: skip
    make_point("A-E1", owner=ent_a, zone=zone)
    feed(park, {"A-E1": ramp(10000)}, day="2023-03-15")
    return carried


def _publish_2023_notice(park, staff):
    # The 2023 notice: 华东区域电网 0.5500 kgCO2/kWh (carbon-reference.md: 中国电力报 and
    # 新浪财经, 2026-01). Same key as the carried value, so it is version 2 of that factor.
    return services.factor_create(
        actor=staff, via="test", park=park, carrier="electricity", quantity="co2",
        region="east_china", year=2023, value="0.5500", unit="kgCO2/kWh", document=NOTICE_2023,
        effective_from=date(2026, 1, 15),
    )  # fmt: skip


def test_reissue_after_a_factor_change_keeps_version_1_and_shows_the_difference(
    march_2023, park, ent_a, personas
):
    staff = personas["park_staff"]
    report = services.report_issue(
        actor=system_actor(ent_a.park), via="test", enterprise_id=ent_a.pk, year=2023, month=3
    )
    v1 = ReportVersion.objects.get(report=report, version=1)
    v1_pdf, v1_xlsx = bytes(v1.pdf), bytes(v1.xlsx)
    # 10,000 kWh × 0.5617 kgCO2/kWh (2022 华东, carried forward) = 5.617 tCO2.
    assert v1.content["co2_t"] == pytest.approx(5.617)
    assert v1.pdf_sha256 == hashlib.sha256(v1_pdf).hexdigest()

    new_factor = _publish_2023_notice(park, staff)
    with pytest.raises(ValidationFailed) as err:  # a person re-issuing says why
        services.report_issue(actor=staff, via="test", enterprise_id=ent_a.pk, year=2023, month=3)
    assert err.value.errors[0].field == "reason"

    reason = "2023年电力排放因子公告发布 / 2023 factor notice published"
    services.report_issue(
        actor=staff, via="test", enterprise_id=ent_a.pk, year=2023, month=3, reason=reason
    )
    report.refresh_from_db()
    assert report.latest_version == 2
    v1_again = ReportVersion.objects.get(report=report, version=1)
    assert bytes(v1_again.pdf) == v1_pdf and bytes(v1_again.xlsx) == v1_xlsx
    assert v1_again.pdf_sha256 == hashlib.sha256(v1_pdf).hexdigest() == v1.pdf_sha256
    assert v1_again.content_sha256 == v1.content_sha256
    assert v1_again.content["co2_t"] == pytest.approx(5.617)

    v2 = ReportVersion.objects.get(report=report, version=2)
    assert v2.reason == reason and v2.issued_by_id == staff.pk
    # 10,000 kWh × 0.5500 kgCO2/kWh (2023 华东, the notice) = 5.500 tCO2: −0.117 t, −2.083%.
    rows = {r["key"]: r for r in v2.difference}
    co2 = rows["co2_t"]
    assert co2["before"] == pytest.approx(5.617) and co2["after"] == pytest.approx(5.5)
    assert co2["delta"] == pytest.approx(-0.117) and co2["changed"]
    assert co2["relative"] == pytest.approx(-0.117 / 5.617)
    assert rows["factor.grid_electricity"]["before"] == 0.5617
    assert rows["factor.grid_electricity"]["after"] == 0.55
    assert f"EF-{new_factor.pk}-v2" in rows["factor_ids"]["after"]
    assert f"EF-{march_2023.pk}-v1" in rows["factor_ids"]["before"]
    # 10,000 kWh × 0.1229 kgce/kWh (GB/T 2589-2020 当量值) = 1.229 tce, unchanged.
    assert (
        rows["energy_tce"]["before"] == pytest.approx(1.229) and not rows["energy_tce"]["changed"]
    )
    assert v2.content_sha256 != v1.content_sha256
    assert v2.content["document"]["previous"]["pdf_sha256"] == v1.pdf_sha256

    issues = AuditLog.objects.filter(action="carbon.report.issue", object_id=str(report.pk))
    last = issues.order_by("-id").first()
    assert issues.count() == 2 and last.before["version"] == 1 and last.after["version"] == 2
    assert "co2_t" in last.after["changed"] and last.after["reason"] == reason


def test_pdf_carries_number_version_factor_ids_and_the_demo_mark(march_2023, park, ent_a, personas):
    report = services.report_issue(
        actor=system_actor(ent_a.park), via="test", enterprise_id=ent_a.pk, year=2023, month=3
    )
    number = f"CR-QSH-2023-03-{ent_a.pk:05d}"
    assert report.number == number
    text = _text(bytes(report.pdf))
    tce = EmissionFactor.objects.get(park=park, year=2023, carrier="electricity", quantity="tce")
    national = EmissionFactor.objects.get(
        park=park, year=2023, carrier="electricity", quantity="co2", region="national"
    )
    assert number in text and "第 1 版" in text
    assert f"EF-{march_2023.pk}-v1" in text  # the carried-forward 华东 factor
    assert "演示数据" in text and f"排放因子 EF-{march_2023.pk}-v1" in text
    assert f"EF-{tce.pk}-v1" in text  # the 当量值 used for tce
    assert f"EF-{national.pk}-v1" not in text  # 华东 applies, so the national one is unused

    _publish_2023_notice(park, personas["park_staff"])
    services.report_issue(
        actor=personas["park_staff"], via="test", enterprise_id=ent_a.pk, year=2023, month=3,
        reason="新公告",
    )  # fmt: skip
    report.refresh_from_db()
    text = _text(bytes(report.pdf))
    new = EmissionFactor.objects.get(park=park, year=2023, region="east_china", version=2)
    assert "第 2 版" in text and f"EF-{new.pk}-v2" in text
    assert "关于发布2023年电力二氧化碳排放因子的公告" in text
    # Nothing of version 2 is demo data (real notice, real enterprise, no demo settings).
    assert "演示数据" not in text
    assert report.latest.is_demo is False and report.versions.get(version=1).is_demo is True


def test_versions_are_immutable_in_the_model_and_below_it(march_2023, ent_a):
    report = services.report_issue(
        actor=system_actor(ent_a.park), via="test", enterprise_id=ent_a.pk, year=2023, month=3
    )
    v1 = report.latest
    v1.reason = "changed"
    with pytest.raises(PermissionError):
        v1.save()
    with pytest.raises(PermissionError):
        ReportVersion.objects.filter(pk=v1.pk).update(reason="changed")
    with pytest.raises(PermissionError):
        v1.delete()
    table = ReportVersion._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET pdf_sha256 = 'x' WHERE id = %s", [v1.pk])
    if connection.vendor == "postgresql":  # SQLite leaves DELETE to the model (test flush)
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [v1.pk])
    assert ReportVersion.objects.get(pk=v1.pk).pdf_sha256 == v1.pdf_sha256


def test_versions_api_and_pages(march_2023, park, ent_a, personas, api_as, client):
    staff = personas["park_staff"]
    report = services.report_issue(
        actor=system_actor(ent_a.park), via="test", enterprise_id=ent_a.pk, year=2023, month=3
    )
    _publish_2023_notice(park, staff)
    body = {"enterprise_id": ent_a.pk, "year": 2023, "month": 3}
    assert api_as("park_staff").post("/api/v1/carbon/reports", body).status_code == 422
    created = api_as("park_staff").post("/api/v1/carbon/reports", {**body, "reason": "新公告"})
    assert created.status_code == 201 and created.json()["version"] == 2
    versions = api_as("ent_a_user").get(f"/api/v1/carbon/reports/{report.pk}/versions").json()
    assert [v["version"] for v in versions] == [2, 1]
    v1_pdf = api_as("ent_a_user").get(versions[1]["pdf_url"])
    assert hashlib.sha256(v1_pdf.content).hexdigest() == versions[1]["pdf_sha256"]

    client.force_login(personas["ent_a_user"])
    page = client.get(f"/carbon/reports/{report.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and report.number in html and "新公告" in html
    assert "0.5617" in html and "0.5500" in html  # the factor, side by side
    assert "reissue-form" not in html  # enterprises read; park operators issue
    got = client.get(f"/carbon/reports/{report.pk}/v1.pdf")
    assert got.status_code == 200 and got.content == bytes(report.versions.get(version=1).pdf)
    client.force_login(personas["ent_b_user"])
    assert client.get(f"/carbon/reports/{report.pk}/").status_code == 404
    assert client.get(f"/carbon/reports/{report.pk}/v1.pdf").status_code == 404

    client.force_login(staff)
    response = client.post(f"/carbon/reports/{report.pk}/", {"reason": "复核"})
    assert response.status_code == 302
    assert Report.objects.get(pk=report.pk).latest_version == 3
