"""Exports never hand a spreadsheet program a formula it did not compute itself, and text with
control characters (which XLSX cannot hold) no longer breaks an export."""

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from parkpilot.projects import selectors, services, xlsx
from parkpilot.spreadsheets import append_row, csv_cell

pytestmark = pytest.mark.django_db

HOSTILE = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_csv_cell_starting_like_a_formula_is_quoted(text):
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["杭叉集团", "A-1", 12.5, -3, None, ""])
def test_ordinary_values_pass_unchanged(value):
    assert csv_cell(value) == value


def test_xlsx_cells_stay_text_and_lose_control_characters():
    book = Workbook()
    append_row(book.active, [*HOSTILE, "bell\x07name", 7])
    out = io.BytesIO()
    book.save(out)
    row = next(load_workbook(io.BytesIO(out.getvalue())).active.iter_rows())
    assert [c.value for c in row] == [*HOSTILE, "bellname", 7]
    assert [c.data_type for c in row] == ["s"] * 5 + ["n"]


def test_the_ledger_export_writes_hostile_names_as_text(personas, ent_a):
    admin = personas["park_admin"]
    services.project_create(
        actor=admin,
        via="test",
        park=ent_a.park,
        data={"name": "=1+1", "investor": "投资\x01方", "tags": ["+cmd"]},
    )
    qs = selectors.project_list(user=admin).prefetch_related(selectors.stages_prefetch(admin))
    sheet = load_workbook(io.BytesIO(xlsx.export_ledger(qs)))[xlsx.SHEET]
    name, investor = sheet["A2"], sheet["B2"]
    assert (name.value, name.data_type) == ("=1+1", "s")
    assert investor.value == "投资方"


def test_the_point_csv_export_quotes_formula_leading_text(api_as, ent_a):
    from parkpilot.energy.models import MeteringPoint

    MeteringPoint.objects.create(
        park=ent_a.park,
        code="=EVIL()",
        name="@name",
        kind="grid_import",
        unit="kWh",
        rated_max_per_h=1000,
        gateway=api_as("gateway").user,
    )
    body = api_as("park_staff").get("/api/v1/energy/points/export.csv").content.decode("utf-8-sig")
    row = next(csv.DictReader(io.StringIO(body)))
    assert row["code"] == "'=EVIL()"
