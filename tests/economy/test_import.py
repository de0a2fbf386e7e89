"""The statistics-office workbook: a good file writes every row; a bad one writes nothing and
names each error's sheet, row, column and reason."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from economy_helpers import HEADERS, month, workbook_bytes

from parkpilot.economy import services
from parkpilot.economy.errors import ImportRejected
from parkpilot.economy.models import EnterpriseMonthly, ImportBatch
from parkpilot.tenancy.errors import Forbidden
from parkpilot.tenancy.models import AuditLog

pytestmark = pytest.mark.django_db


def _row(e, output=1000, added=200, **kw):
    values = {"revenue": 1100, "tax": 50, "employees": 300, "rnd": 40, "energy": 12.5, **kw}
    return [
        e.credit_code,
        e.name,
        output,
        added,
        values["revenue"],
        values["tax"],
        values["employees"],
        values["rnd"],
        values["energy"],
    ]


def _import(user, content, park=None):
    return services.workbook_import(
        actor=user, via="test", park=park or user.park, file_name="stats.xlsx", content=content
    )


def _state():
    return (
        sorted(
            EnterpriseMonthly.objects.values_list("enterprise_id", "year", "month", "value_added")
        ),
        ImportBatch.objects.count(),
        AuditLog.objects.count(),
    )


def test_good_workbook_writes_every_row(personas, ent_a, ent_b):
    month(ent_a, 2022, 1, 1, 1)  # replaced by the import
    content = workbook_bytes(
        {
            "2022-01": [_row(ent_a), _row(ent_b, 500, 80)],
            "2022年2月": [_row(ent_a, "1,200.456", 250)],
        }
    )
    batch = _import(personas["park_staff"], content)
    assert (batch.rows, batch.sheets) == (3, ["2022-01", "2022年2月"])
    jan = EnterpriseMonthly.objects.get(enterprise=ent_a, year=2022, month=1)
    assert (jan.output_value, jan.value_added, jan.employees) == (Decimal("1000.00"), 200, 300)
    assert (jan.energy_tce, jan.source, jan.batch_id) == (Decimal("12.500"), "import", batch.pk)
    feb = EnterpriseMonthly.objects.get(enterprise=ent_a, year=2022, month=2)
    assert feb.output_value == Decimal("1200.46")  # text with a thousands separator, rounded
    entry = AuditLog.objects.get(action="economy.import")
    assert entry.after["created"] == 2 and entry.after["updated"] == 1


BAD_FILES = {
    "wrong sheet": (
        {"2022-01": "ok", "Sheet1": "ok"},
        HEADERS,
        [("Sheet1", None, None, "sheet_name")],
    ),
    "missing column": (
        {"2022-01": "ok"},
        [h for h in HEADERS if h != "工业增加值（万元）"],
        [("2022-01", 1, "工业增加值（万元）", "missing_column")],
    ),
    "text in a number cell": (
        {"2022-01": "text"},
        HEADERS,
        [("2022-01", 3, "工业总产值（万元）", "not_a_number")],
    ),
    "duplicate enterprise row": (
        {"2022-01": "duplicate"},
        HEADERS,
        [("2022-01", 3, "统一社会信用代码", "duplicate_row")],
    ),
    "enterprise of another park": (
        {"2022-01": "foreign"},
        HEADERS,
        [("2022-01", 3, "统一社会信用代码", "unknown_enterprise")],
    ),
    "value added above output": (
        {"2022-01": "over"},
        HEADERS,
        [("2022-01", 3, "工业增加值（万元）", "exceeds_output")],
    ),
    "negative": (
        {"2022-01": "negative"},
        HEADERS,
        [("2022-01", 3, "从业人员（人）", "out_of_range")],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_workbook_writes_nothing(case, personas, ent_a, ent_b, ent_other_park):
    sheets, headers, expected = BAD_FILES[case]
    second = {
        "ok": _row(ent_b),
        "text": _row(ent_b, output="一千"),
        "duplicate": _row(ent_a, 5, 1),
        "foreign": _row(ent_other_park),
        "over": _row(ent_b, 100, 200),
        "negative": _row(ent_b, employees=-3),
    }
    rows = {
        name: [_row(ent_a)[: len(headers)], second[kind][: len(headers)]]
        for name, kind in sheets.items()
    }
    content = workbook_bytes(rows, headers=headers)
    month(ent_a, 2021, 12, 10, 2)
    before = _state()
    with pytest.raises(ImportRejected) as caught:
        _import(personas["park_admin"], content)
    got = [(e.sheet, e.row, e.column, e.code) for e in caught.value.cell_errors]
    assert got == expected
    # Each reason in the request's language (zh-Hans here), one sentence, no "中文 / English".
    assert all(e.reason.endswith("。") and " / " not in e.reason for e in caught.value.cell_errors)
    assert _state() == before


def test_not_a_workbook(personas):
    with pytest.raises(ImportRejected) as caught:
        _import(personas["park_staff"], b"not a zip file")
    assert caught.value.cell_errors[0].code == "format"


def test_enterprise_admin_may_not_import(personas, ent_a):
    with pytest.raises(Forbidden):
        _import(personas["ent_a_admin"], workbook_bytes({"2022-01": [_row(ent_a)]}))
    assert not EnterpriseMonthly.objects.exists()


def test_api_import_reports_cells_and_accepts_a_good_file(api_as, ent_a, ent_b):
    client = api_as("park_staff").client
    bad = workbook_bytes({"2022-01": [_row(ent_a), _row(ent_b, output="n/a")]})
    response = client.post("/api/v1/economy/import", {"file": SimpleUploadedFile("bad.xlsx", bad)})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "sheet": "2022-01",
            "row": 3,
            "column": "工业总产值（万元）",
            "reason": "应为数字，而非“n/a”。",
            "code": "not_a_number",
        }
    ]
    assert not EnterpriseMonthly.objects.exists()
    good = workbook_bytes({"2022-01": [_row(ent_a), _row(ent_b)]})
    response = client.post(
        "/api/v1/economy/import", {"file": SimpleUploadedFile("good.xlsx", good)}
    )
    assert response.status_code == 201
    assert response.json()["rows"] == 2
    assert EnterpriseMonthly.objects.count() == 2


def test_template_round_trips(personas, ent_a, ent_b, client):
    client.force_login(personas["park_staff"])
    response = client.get("/economy/template.xlsx?year=2022&month=3")
    assert response.status_code == 200
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["2022-03"]
    assert [c.value for c in ws[1]] == HEADERS
    assert [ws.cell(row=r, column=1).value for r in (2, 3)] == [
        ent_a.credit_code,
        ent_b.credit_code,
    ]
