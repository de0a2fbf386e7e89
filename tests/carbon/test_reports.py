"""The 碳体检报告: PDF text really contains the Chinese names (not tofu), XLSX sheets, tenancy of
the files (an enterprise never fetches another's, even guessing the URL), the batch's progress."""

import io

import pytest
from carbon_helpers import feed, ramp
from openpyxl import load_workbook
from pypdf import PdfReader

from parkpilot.carbon import services
from parkpilot.carbon.models import Report, ReportBatch
from parkpilot.tenancy.actors import system_actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(park, zone, ent_a, make_point, factors):
    make_point("A-E1", owner=ent_a, zone=zone)
    feed(park, {"A-E1": ramp(10000)})
    services.settings_upsert(
        actor=system_actor(park), via="test", park=park, year=2022,
        tou_hours={"sharp": [10], "peak": [8, 9, 11], "valley": [0, 1, 2, 3, 4, 5, 6, 22, 23]},
    )  # fmt: skip
    return services.report_generate(
        actor=system_actor(ent_a.park), via="test", enterprise_id=ent_a.pk, year=2022, month=3
    )


def test_pdf_text_has_company_and_indicator_names(report):
    pages = PdfReader(io.BytesIO(bytes(report.pdf))).pages
    # Table cells wrap; the words are checked with the line breaks taken out.
    text = "".join(p.extract_text() for p in pages).replace("\n", "")
    needed = ["杭叉集团股份有限公司", "能源消费总量", "碳排放总量", "能耗强度", "碳排放强度"]
    needed += ["企业碳体检报告", "华东区域电网", "关于发布2022年电力二氧化碳排放因子"]
    for word in needed:
        assert word in text, word
    assert "5.617" in text  # 10,000 kWh × 0.5617 kgCO2/kWh
    # All the load falls 10:00-11:00, the sharp hour: a finding names that figure.
    figures = [f["figure"] for f in report.content["findings"]]
    assert "尖峰时段用电占比" in figures
    assert report.content["profile"]["tou_shares"]["sharp"] == 1.0


def test_xlsx_sheets(report):
    wb = load_workbook(io.BytesIO(bytes(report.xlsx)))
    assert wb.sheetnames == [
        "概况",
        "四项指标",
        "能源",
        "排放",
        "典型日负荷",
        "排放因子",
        "发现与建议",
    ]
    assert wb["概况"]["B2"].value == "杭叉集团股份有限公司"
    emissions = list(wb["排放"].iter_rows(min_row=2, values_only=True))
    assert emissions[0][0] == "外购电力" and round(emissions[0][-1], 6) == 5.617
    # 环比 and 同比 are shown as percentages of the number they are (issue 23).
    header = [c.value for c in wb["四项指标"][1]]
    assert header[3:5] == ["环比", "同比"]
    assert {c.number_format for row in wb["四项指标"].iter_rows(min_row=2, min_col=4, max_col=5)
            for c in row} == {"0.0%"}  # fmt: skip


def test_enterprise_downloads_only_its_own(report, api_as, client, personas):
    url = f"/api/v1/carbon/reports/{report.pk}/pdf"
    assert api_as("ent_a_user").get(url).status_code == 200
    assert api_as("park_staff").get(url).status_code == 200
    assert api_as("ent_b_user").get(url).status_code == 404
    client.force_login(personas["ent_b_user"])
    assert client.get(f"/carbon/reports/{report.pk}.pdf").status_code == 404
    client.force_login(personas["ent_a_user"])
    response = client.get(f"/carbon/reports/{report.pk}.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")


def test_batch_makes_every_enterprise_report_with_progress(
    park, ent_a, ent_b, factors, personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the job starts after commit
        batch = services.batch_create(
            actor=personas["park_staff"], via="test", park=park, year=2022, month=3
        )
    batch = ReportBatch.objects.get(pk=batch.pk)
    assert (batch.total, batch.done, batch.failed, batch.status) == (2, 2, 0, "done")
    assert Report.objects.filter(batch=batch).count() == 2
