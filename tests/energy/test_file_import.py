"""Readings from CSV/XLSX files: the command, the streaming core, the upload page."""

import datetime as dt
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from openpyxl import Workbook

from helpers import XXE_SHEET, workbook_with_sheet
from parkpilot.energy.fileimport import FileRefused, import_file
from parkpilot.energy.models import DeadLetter, Reading
from parkpilot.energy.models_ops import IntakeJob
from parkpilot.stored_text import shown
from parkpilot.tenancy.models import AuditLog

pytestmark = pytest.mark.django_db

GOOD_CSV = (
    "point,ts,value,unit\n"
    "m1,2026-11-01T08:00:00+08:00,100.0,kWh\n"
    "m1,2026-11-01T08:15:00+08:00,100.5,kWh\n"
    "m2,2026-11-01T08:00:00+08:00,1.5,\n"
    "\n"
    "m1,2026-11-01T08:30:00,101.0,kWh\n"  # row 6: no UTC offset
    "nope,2026-11-01T08:00:00+08:00,1,kWh\n"  # row 7: unknown point
    "m2,2026-11-01T08:15:00+08:00,abc,\n"  # row 8: not a number
    "m1,2026-11-01T08:45:00+08:00,101.5,m3\n"  # row 9: wrong unit
)


@pytest.fixture
def points(make_point):
    return make_point("m1"), make_point("m2", register="interval", rated=100.0)


def _write(tmp_path, name, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_csv_rows_are_ingested_and_each_refusal_names_its_row(park, points, tmp_path):
    path = _write(tmp_path, "readings.csv", GOOD_CSV.encode())
    seen = []
    totals = import_file(park=park, path=path, progress=lambda t: seen.append(t.rows), chunk=3)
    assert (totals.rows, totals.accepted, totals.duplicates, totals.rejected) == (7, 3, 0, 4)
    assert seen == [3, 6, 7]  # after each committed chunk of three
    assert [(e["row"], e["field"]) for e in totals.errors] == [
        (6, "ts"),
        (7, "point"),
        (8, "value"),
        (9, "unit"),
    ]
    assert Reading.objects.count() == 3
    assert DeadLetter.objects.filter(source="file").count() == 4


def test_importing_the_same_file_again_only_counts_duplicates(park, points, tmp_path):
    path = _write(tmp_path, "readings.csv", GOOD_CSV.encode())
    import_file(park=park, path=path)
    again = import_file(park=park, path=path)
    assert (again.accepted, again.duplicates, again.rejected) == (0, 3, 4)
    assert Reading.objects.count() == 3


def test_xlsx_dates_are_read_in_the_parks_time_zone(park, points, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Point", "TS", "Value"])
    sheet.append(["m1", dt.datetime(2026, 11, 1, 8, 0), 100.0])
    sheet.append(["m1", "2026-11-01T00:15:00+00:00", 100.25])
    buffer = BytesIO()
    book.save(buffer)
    path = _write(tmp_path, "readings.xlsx", buffer.getvalue())
    totals = import_file(park=park, path=path)
    assert (totals.accepted, totals.rejected) == (2, 0)
    stamps = list(Reading.objects.order_by("ts").values_list("ts", flat=True))
    # 08:00 in Asia/Shanghai is 00:00 UTC.
    assert stamps == [
        dt.datetime(2026, 11, 1, 0, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 1, 0, 15, tzinfo=dt.UTC),
    ]


def test_a_file_without_the_columns_is_refused_whole(park, points, tmp_path):
    path = _write(tmp_path, "bad.csv", b"code,time,reading\nm1,2026-11-01T08:00:00+08:00,1\n")
    with pytest.raises(FileRefused) as refused:
        import_file(park=park, path=path)
    assert shown(refused.value) == "缺少列：point, ts, value（point、ts、value[、unit]）。"
    assert Reading.objects.count() == 0


def test_the_command_prints_progress_and_refusals(park, points, tmp_path, capsys):
    path = _write(tmp_path, "readings.csv", GOOD_CSV.encode())
    call_command("import_readings", str(path), "--chunk", "4", "--park", "qsh")
    out = capsys.readouterr().out
    assert "4/7 rows (57%): 3 accepted, 0 duplicates, 0 conflicts, 1 rejected" in out
    assert "7/7 rows (100%): 3 accepted" in out
    assert "row 8: value:" in out
    with pytest.raises(CommandError, match="只接受 CSV 或 XLSX 文件"):
        call_command("import_readings", str(_write(tmp_path, "x.json", b"[]")), "--park", "qsh")


def _upload(client, name="readings.csv", content: bytes | None = None):
    upload = SimpleUploadedFile(name, GOOD_CSV.encode() if content is None else content)
    return client.post("/energy/import/", {"file": upload})


@pytest.fixture
def client_as(personas):
    def make(name):
        client = Client()
        client.force_login(personas[name])
        return client

    return make


def test_staff_upload_runs_the_import_as_a_task(
    park, points, personas, client_as, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    client = client_as("park_staff")
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client)
    assert response.status_code == 302
    job = IntakeJob.objects.get()
    assert (job.kind, job.status, job.created_by, job.file_name) == (
        "import",
        "done",
        personas["park_staff"],
        "readings.csv",
    )
    assert (job.total, job.done, job.accepted, job.rejected) == (7, 7, 3, 4)
    assert job.stored_path == "" and not list((tmp_path / "imports").iterdir())
    assert AuditLog.objects.filter(action="energy.readings_import.start").count() == 1
    status = client.get(f"/energy/import/{job.pk}/")
    assert status.status_code == 200
    body = status.content.decode()
    assert 'data-status="done"' in body and "hx-trigger" not in body  # polling stops
    assert 'data-testid="job-accepted">3<' in body


def test_a_running_job_keeps_polling(park, client_as):
    job = IntakeJob.objects.create(park=park, kind="import", status="running", total=10, done=4)
    body = client_as("park_admin").get(f"/energy/import/{job.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in body
    assert 'value="40"' in body


def test_a_wrong_file_type_names_the_field_and_writes_nothing(park, client_as, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    response = _upload(client_as("park_admin"), name="readings.json", content=b"[]")
    assert response.status_code == 422
    assert 'data-testid="error-file"' in response.content.decode()
    assert IntakeJob.objects.count() == 0
    assert not (tmp_path / "imports").exists() or not list((tmp_path / "imports").iterdir())


@pytest.mark.parametrize("who", ["ent_a_admin", "ent_a_user", "resident", "supervisor"])
def test_only_park_staff_and_admins_import(who, park, client_as):
    client = client_as(who)
    assert client.get("/energy/import/").status_code == 403
    assert _upload(client).status_code == 403
    assert IntakeJob.objects.count() == 0


def test_another_parks_job_is_not_found(park, other_park, client_as):
    job = IntakeJob.objects.create(park=other_park, kind="import")
    assert client_as("park_admin").get(f"/energy/import/{job.pk}/").status_code == 404
    assert client_as("ent_a_user").get(f"/energy/import/{job.pk}/").status_code == 404


def test_the_page_lists_jobs_with_pinned_queries(
    park, client_as, django_assert_num_queries, personas
):
    for n in range(3):
        IntakeJob.objects.create(park=park, kind="import", file_name=f"f{n}.csv", status="done")
    IntakeJob.objects.create(park=park, kind="backfill", total=360, done=90, status="running")
    client = client_as("park_staff")
    client.get("/energy/import/")  # warm the session and the registry
    # session, user, imports count and page, back-fills, nav/park
    with django_assert_num_queries(6):
        response = client.get("/energy/import/")
    body = response.content.decode()
    assert body.count('data-status="done"') == 3
    assert "90 / 360 个六小时数据块" in body  # zh-Hans first


def test_a_non_zip_xlsx_is_refused_at_the_door_naming_the_field(
    park, points, client_as, settings, tmp_path
):
    """Checked by its content (parkpilot.uploads.check_file) before anything is kept or queued."""
    settings.DATA_DIR = tmp_path
    response = _upload(client_as("park_staff"), name="readings.xlsx", content=b"PK\x03\x04junk")
    assert response.status_code == 422
    body = response.content.decode()
    assert 'data-testid="error-file"' in body and "文件内容不是 xlsx" in body
    assert IntakeJob.objects.count() == 0
    assert not (tmp_path / "imports").exists() or not list((tmp_path / "imports").iterdir())


def test_an_html_page_named_csv_is_refused_at_the_door(park, points, client_as, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    page = b"<!DOCTYPE html><html><body><form>login</form></body></html>"
    response = _upload(client_as("park_staff"), name="readings.csv", content=page)
    assert response.status_code == 422
    assert "文件内容不是 csv（识别为 text/html）" in response.content.decode()
    assert IntakeJob.objects.count() == 0


def test_a_workbook_with_an_external_entity_ends_failed_with_its_reason_and_its_file_removed(
    park, points, client_as, django_capture_on_commit_callbacks, settings, tmp_path
):
    """A genuine archive passes the door; its XXE sheet is refused while reading (defusedxml)."""
    settings.DATA_DIR = tmp_path
    hostile = workbook_with_sheet(XXE_SHEET)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client_as("park_staff"), name="readings.xlsx", content=hostile)
    assert response.status_code == 302
    job = IntakeJob.objects.get()
    assert job.status == "failed"
    assert shown(job.message).startswith("无法读取 XLSX 文件：")
    assert job.finished_at is not None
    assert not list((tmp_path / "imports").iterdir())


def test_a_file_over_the_row_limit_fails_naming_the_limit(
    park, points, client_as, django_capture_on_commit_callbacks, settings, tmp_path, monkeypatch
):
    from parkpilot.energy import fileimport

    monkeypatch.setattr(fileimport, "MAX_ROWS", 5)
    settings.DATA_DIR = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client_as("park_staff"))
    job = IntakeJob.objects.get()
    assert (job.status, shown(job.message)) == ("failed", "超过 5 行，请拆分文件。")
    assert Reading.objects.count() == 0  # refused before any row was read
    assert not list((tmp_path / "imports").iterdir())


def test_the_readings_api_door_queues_a_job_with_progress(
    park, points, api_as, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    client = api_as("park_staff")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.client.post(
            "/api/v1/energy/imports", {"file": SimpleUploadedFile("r.csv", GOOD_CSV.encode())}
        )
    assert response.status_code == 202
    job = client.get(f"/api/v1/energy/imports/{response.json()['id']}").json()
    assert (job["status"], job["done"], job["total"], job["percent"]) == ("done", 7, 7, 100)
    assert (job["accepted"], job["rejected"], len(job["errors"])) == (3, 4, 4)
