"""A report or batch for a period outside the platform's range is bad input: a 422 naming the
field, never a 500 nor a batch left "running"; the report workbook keeps typed text as text."""

import io

import pytest
from carbon_helpers import feed, ramp
from openpyxl import load_workbook

from parkpilot.carbon import services
from parkpilot.carbon.models import ReportBatch
from parkpilot.tenancy.actors import system_actor

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("year", [0, -1, 10**6])
def test_a_report_for_an_impossible_year_names_the_field(year, api_as, ent_a):
    response = api_as("park_staff").post(
        "/api/v1/carbon/reports", {"enterprise_id": ent_a.pk, "year": year, "month": 3}
    )
    assert response.status_code == 422, response.content
    assert "year" in [d["loc"][-1] for d in response.json()["detail"]]


def test_a_report_for_month_13_names_the_month(api_as, ent_a):
    response = api_as("park_staff").post(
        "/api/v1/carbon/reports", {"enterprise_id": ent_a.pk, "year": 2022, "month": 13}
    )
    assert response.status_code == 422
    assert "month" in [d["loc"][-1] for d in response.json()["detail"]]


@pytest.mark.parametrize("year", [-1, 0])
def test_a_batch_for_an_impossible_year_is_refused_and_nothing_runs(year, api_as, park):
    response = api_as("park_staff").post("/api/v1/carbon/reports/batches", {"year": year})
    assert response.status_code == 422, response.content
    assert "year" in [d["loc"][-1] for d in response.json()["detail"]]
    assert ReportBatch.objects.count() == 0  # no batch, so none stuck "running"


def test_the_report_workbook_keeps_a_formula_like_name_as_text(
    park, zone, ent_a, make_point, factors
):
    """The XLSX export goes through parkpilot.spreadsheets: an enterprise named like a formula
    is written as a text cell, never as a live formula."""
    ent_a.name = '=HYPERLINK("http://example.invalid","点击")'
    ent_a.save()
    make_point("A-E1", owner=ent_a, zone=zone)
    feed(park, {"A-E1": ramp(10000)})
    report = services.report_generate(
        actor=system_actor(ent_a.park), via="test", enterprise_id=ent_a.pk, year=2022, month=3
    )
    sheet = load_workbook(io.BytesIO(bytes(report.xlsx)))["概况"]
    name = next(row[1] for row in sheet.iter_rows() if row[0].value == "企业")
    assert name.value == ent_a.name
    assert name.data_type == "s"


def test_the_service_itself_refuses_the_year_whoever_calls_it(park, personas):
    """The page and the demo call the service, not the API: the bound lives there."""
    from parkpilot.tenancy.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        services.batch_create(actor=personas["park_staff"], via="test", park=park, year=-1, month=0)
    assert [e.field for e in refused.value.errors] == ["year"]
    assert ReportBatch.objects.count() == 0


@pytest.mark.parametrize("kind", ["pdf", "xlsx"])
def test_a_report_id_beyond_the_column_is_not_found(kind, api_as, park):
    # Found by the API fuzz bench at 10 examples: 2**63 overflowed SQLite's INTEGER (500).
    url = f"/api/v1/carbon/reports/{2**63}/versions/1/{kind}"
    assert api_as("park_admin").get(url).status_code == 404
