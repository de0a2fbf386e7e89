"""The metering-point registry import: a background job that checks every row first, writes in
short chunks, lists its bad rows and always deletes its file."""

from io import BytesIO
from zipfile import ZIP_DEFLATED, ZipFile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from helpers import XXE_SHEET, workbook_with_sheet
from parkpilot.energy import point_import
from parkpilot.energy.models import MeteringPoint
from parkpilot.energy.models_ops import IntakeJob
from parkpilot.tenancy.models import AuditLog

pytestmark = pytest.mark.django_db

HEADER = "code,kind,unit,register,rated_max_per_h,owner_credit_code,parent_code\n"


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def _uploads_left(tmp_path) -> list:
    folder = tmp_path / "imports"
    return list(folder.iterdir()) if folder.exists() else []


def _import(api_as, content: bytes, capture, name="p.csv", persona="park_staff"):
    client = api_as(persona).client
    with capture(execute=True):
        response = client.post(
            "/api/v1/energy/points/import", {"file": SimpleUploadedFile(name, content)}
        )
    return response


def _job(api_as, response, persona="park_staff"):
    assert response.status_code == 202, response.content
    return api_as(persona).get(f"/api/v1/energy/imports/{response.json()['id']}").json()


def test_a_file_with_a_bad_row_imports_nothing_and_lists_it(
    api_as, ent_a, tmp_path, django_capture_on_commit_callbacks
):
    good = f"A-1,grid_import,kWh,cumulative,100,{ent_a.credit_code},\n"
    bad = "A-2,grid_import,kWh,cumulative,lots,,\n"
    response = _import(api_as, (HEADER + good + bad).encode(), django_capture_on_commit_callbacks)
    job = _job(api_as, response)
    assert (job["kind"], job["status"], job["phase"]) == ("points", "failed", "check")
    assert (job["total"], job["done"], job["rejected"]) == (2, 2, 1)
    assert job["errors"] == [{"row": 3, "field": "rated_max_per_h", "reason": "不是数字：lots。"}]
    assert job["message"].startswith("1 行有误，未导入任何计量点")
    assert MeteringPoint.objects.count() == 0
    assert _uploads_left(tmp_path) == []


def test_each_unknown_reference_and_in_file_mistake_is_named(
    api_as, ent_a, django_capture_on_commit_callbacks
):
    header = "code,kind,unit,register,rated_max_per_h,owner_credit_code,zone_code,parent_code,"
    header += "gateway,rollover\n"
    rows = [
        "A-1,grid_import,kWh,cumulative,100,91330000000000000X,Z9,NOPE,gw-nobody,",
        "A-2,grid_import,kWh,cumulative,100,,,A-3,,",  # parent defined only further down
        "A-3,grid_import,kWh,cumulative,100,,,,,2.2e-311",  # roll-over below 1
        "A-3,grid_import,kWh,cumulative,100,,,,,",  # the same code again
    ]
    content = (header + "\n".join(rows) + "\n").encode()
    job = _job(api_as, _import(api_as, content, django_capture_on_commit_callbacks))
    assert [(e["row"], e["field"]) for e in job["errors"]] == [
        (2, "owner_credit_code"),
        (2, "zone_code"),
        (2, "gateway"),
        (2, "parent_code"),
        (3, "parent_code"),
        (4, "rollover"),
        (5, "code"),
    ]
    assert job["errors"][0]["reason"] == "园区内无此企业：91330000000000000X。"
    assert job["errors"][-1]["reason"] == "与第 4 行编码重复。"
    assert (job["status"], job["rejected"]) == ("failed", 4)
    assert MeteringPoint.objects.count() == 0


def test_good_rows_are_written_in_chunks_with_parents_and_audit(
    api_as, make_point, ent_a, monkeypatch, django_capture_on_commit_callbacks
):
    existing = make_point("A-0", owner=ent_a, multiplier=1.0)
    monkeypatch.setattr(point_import, "WRITE_CHUNK", 2)
    written = []
    real = point_import._write_chunk
    monkeypatch.setattr(
        point_import, "_write_chunk", lambda rows, *a: written.append(len(rows)) or real(rows, *a)
    )
    header = "code,kind,unit,register,rated_max_per_h,multiplier,parent_code,commissioned_on\n"
    rows = [
        "A-0,grid_import,kWh,cumulative,1000,40,,",  # an update: the multiplier changes
        "A-1,grid_import,kWh,cumulative,100,1,A-0,2026-03-01",
        "A-2,grid_import,kWh,cumulative,100,1,A-1,",  # parent in the same chunk (rows 3-4)
        "A-3,grid_import,kWh,cumulative,100,1,A-2,",  # parent from the chunk before
        "A-4,grid_import,kWh,cumulative,100,1,,",
    ]
    content = (header + "\n".join(rows) + "\n").encode()
    job = _job(api_as, _import(api_as, content, django_capture_on_commit_callbacks))
    assert (job["status"], job["phase"], job["done"], job["total"]) == ("done", "write", 5, 5)
    assert (job["created_points"], job["updated_points"]) == (4, 1)
    assert written == [2, 2, 1]  # one transaction per chunk of two rows
    parents = dict(MeteringPoint.objects.values_list("code", "parent__code"))
    assert parents == {"A-0": None, "A-1": "A-0", "A-2": "A-1", "A-3": "A-2", "A-4": None}
    existing.refresh_from_db()
    assert existing.multiplier == 40.0
    assert str(MeteringPoint.objects.get(code="A-1").commissioned_on) == "2026-03-01"
    update = AuditLog.objects.get(action="metering_point.update")
    assert (update.before, update.after) == ({"multiplier": 1.0}, {"multiplier": 40.0})
    assert AuditLog.objects.filter(action="metering_point.create").count() == 4
    assert AuditLog.objects.get(action="energy.points_import.start").actor.username == "staff"


def test_export_then_import_round_trips(
    api_as, make_point, ent_a, django_capture_on_commit_callbacks
):
    make_point("A-E1", owner=ent_a, multiplier=40.0)
    exported = api_as("park_staff").get("/api/v1/energy/points/export.csv").content
    MeteringPoint.objects.all().delete()
    job = _job(api_as, _import(api_as, exported, django_capture_on_commit_callbacks))
    assert (job["status"], job["created_points"], job["updated_points"]) == ("done", 1, 0)
    point = MeteringPoint.objects.get()
    assert (point.code, point.owner, point.multiplier, point.gateway.username) == (
        "A-E1", ent_a, 40.0, "gateway")  # fmt: skip
    # The same file again changes nothing.
    again = _job(api_as, _import(api_as, exported, django_capture_on_commit_callbacks))
    assert (again["created_points"], again["updated_points"]) == (0, 0)


def test_an_xlsx_registry_is_read_too(api_as, django_capture_on_commit_callbacks):
    book = Workbook()
    book.active.append(["code", "kind", "unit", "register", "rated_max_per_h"])
    book.active.append(["X-1", "grid_import", "kWh", "cumulative", 100])
    buffer = BytesIO()
    book.save(buffer)
    response = _import(
        api_as, buffer.getvalue(), django_capture_on_commit_callbacks, name="points.xlsx"
    )
    assert _job(api_as, response)["status"] == "done"
    assert MeteringPoint.objects.get().rated_max_per_h == 100.0


def test_limits_are_stated_in_the_error(
    api_as, monkeypatch, tmp_path, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(point_import, "MAX_ROWS", 3)
    rows = "".join(f"R-{i},grid_import,kWh,cumulative,100,,\n" for i in range(4))
    job = _job(
        api_as, _import(api_as, (HEADER + rows).encode(), django_capture_on_commit_callbacks)
    )
    assert (job["status"], job["message"]) == ("failed", "超过 3 行，请拆分文件。")
    assert MeteringPoint.objects.count() == 0
    assert _uploads_left(tmp_path) == []
    monkeypatch.setattr(point_import, "MAX_FILE_BYTES", 10)
    response = _import(api_as, (HEADER + rows).encode(), django_capture_on_commit_callbacks)
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert (detail["loc"][-1], detail["type"]) == ("file", "too_large")
    assert detail["msg"] == "文件：文件超过 0 MB（最多 3 行）。"  # named by its label


def test_a_non_zip_xlsx_is_bad_input_naming_the_field(
    api_as, tmp_path, django_capture_on_commit_callbacks
):
    """422 at the door (parkpilot.uploads.check_file), not a 500 nor a job that fails later."""
    response = _import(api_as, b"PK\x03\x04 not a zip", django_capture_on_commit_callbacks,
                       name="p.xlsx")  # fmt: skip
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert (detail["loc"][-1], detail["type"]) == ("file", "unreadable")
    assert "文件内容不是 xlsx" in detail["msg"]
    assert IntakeJob.objects.count() == 0 and _uploads_left(tmp_path) == []


def test_a_zip_bomb_named_xlsx_is_bad_input(api_as, tmp_path, django_capture_on_commit_callbacks):
    bomb = BytesIO()
    with ZipFile(bomb, "w", ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (50 * 1024 * 1024))
    response = _import(api_as, bomb.getvalue(), django_capture_on_commit_callbacks, name="p.xlsx")
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] in ("zip_bomb", "unreadable")
    assert IntakeJob.objects.count() == 0


def test_a_workbook_with_an_external_entity_fails_with_its_reason(
    api_as, tmp_path, django_capture_on_commit_callbacks
):
    hostile = workbook_with_sheet(XXE_SHEET)
    response = _import(api_as, hostile, django_capture_on_commit_callbacks, name="p.xlsx")
    job = _job(api_as, response)
    assert job["status"] == "failed"
    assert job["message"].startswith("无法读取 XLSX 文件：")
    assert _uploads_left(tmp_path) == []


def test_only_park_writers_import_and_jobs_stay_in_their_park(
    api_as, ent_a, make_point, personas, django_capture_on_commit_callbacks
):
    point = make_point("A-E1", owner=ent_a)
    content = (HEADER + f"A-E1,grid_import,kWh,cumulative,5,{ent_a.credit_code},\n").encode()
    ent = _import(api_as, content, django_capture_on_commit_callbacks, persona="ent_b_user")
    assert ent.status_code == 403
    other = _import(api_as, content, django_capture_on_commit_callbacks, persona="other_park_admin")
    job = _job(api_as, other, persona="other_park_admin")
    assert job["errors"][0]["field"] == "owner_credit_code"  # ent_a is unknown in its park
    point.refresh_from_db()
    assert point.rated_max_per_h == 1000.0
    assert api_as("park_staff").get(f"/api/v1/energy/imports/{job['id']}").status_code == 404
    listed = api_as("park_staff").get("/api/v1/energy/imports").json()
    assert listed["count"] == 0


def test_the_api_lists_jobs_with_a_total(api_as, park):
    for n in range(5):
        IntakeJob.objects.create(park=park, kind="points", file_name=f"p{n}.csv")
    body = api_as("park_admin").get("/api/v1/energy/imports?limit=2&offset=1").json()
    assert body["count"] == 5
    assert [j["file_name"] for j in body["items"]] == ["p3.csv", "p2.csv"]


def test_a_file_of_some_columns_updates_only_those(
    api_as, make_point, ent_a, django_capture_on_commit_callbacks
):
    point = make_point("A-E1", owner=ent_a, rollover=99999.0)
    content = b"code,multiplier\nA-E1,80\n"
    job = _job(api_as, _import(api_as, content, django_capture_on_commit_callbacks))
    assert (job["status"], job["updated_points"]) == ("done", 1)
    point.refresh_from_db()
    assert (point.multiplier, point.owner, point.rollover, point.kind) == (
        80.0, ent_a, 99999.0, "grid_import")  # fmt: skip
    # A new code in such a file lacks what a point needs.
    job = _job(
        api_as, _import(api_as, b"code,multiplier\nNEW-1,2\n", django_capture_on_commit_callbacks)
    )
    assert sorted(e["field"] for e in job["errors"]) == [
        "kind", "rated_max_per_h", "register", "unit"]  # fmt: skip
