"""Readings from CSV and XLSX files, streamed through the intake core in chunks.

Columns: point, ts, value[, unit] (a header row names them; other columns are ignored). A
file of any size is read row by row and handed to the core 2,000 readings at a time, so
memory stays flat, progress can be shown and no chunk holds the database's write lock for long
(limits: 200 MB, 5 million rows). Each chunk is one transaction: a failure half way
keeps the chunks already committed, and importing the same file again only counts duplicates.

XLSX date cells carry no UTC offset; they are read in the park's time zone (Asia/Shanghai for
the demo park). Text timestamps must carry their offset, as every other door requires."""

import csv
import datetime as dt
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from huey.contrib.djhuey import db_task

from parkpilot import stored_text
from parkpilot.energy.ingest.core import ingest_items
from parkpilot.energy.models_ops import IntakeJob
from parkpilot.energy.rollups import rollup_pending
from parkpilot.tenancy import access
from parkpilot.tenancy.audit import audit_record
from parkpilot.tenancy.errors import Code, Forbidden, ValidationFailed
from parkpilot.tenancy.models import Park, User
from parkpilot.uploads import check_file

log = logging.getLogger("parkpilot.energy.fileimport")

# Readings per transaction: a few milliseconds of the database's write lock, so gateways writing
# meanwhile never wait long (SQLite has one writer at a time).
CHUNK = 2_000
MAX_ERRORS_KEPT = 50
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
MAX_ROWS = 5_000_000
REQUIRED = ("point", "ts", "value")
SOURCE = "file"


class FileRefused(Exception):
    """The file as a whole cannot be read (wrong type, no header); nothing was imported."""


@dataclass
class ImportTotals:
    rows: int = 0
    accepted: int = 0
    duplicates: int = 0
    conflicts: int = 0
    rejected: int = 0
    errors: list[dict] = field(default_factory=list)  # {"row", "field", "reason"}


IMPORT_TYPES = frozenset({"csv", "txt", "xlsx"})


def refuse_unreadable(upload, *, max_bytes: int) -> None:
    """Before a file is kept or queued: its content must be what its name says (sniffed, an
    HTML page named .csv or a non-zip .xlsx is refused) and an XLSX no zip bomb; a 422 naming
    the field, never a job that fails later."""
    errors = check_file(upload, field="file", allowed=IMPORT_TYPES, max_bytes=max_bytes)
    if errors:
        raise ValidationFailed(errors)


def file_kind(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in (".csv", ".txt"):
        return "csv"
    if suffix == ".xlsx":
        return "xlsx"
    raise FileRefused(gettext_noop("Only CSV or XLSX files."))


def _columns(header: list) -> dict[str, int]:
    names = [str(h).strip().lower() if h is not None else "" for h in header]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise FileRefused(
            stored_text.stored(
                gettext_noop("Missing columns: %(columns)s (point, ts, value[, unit])."),
                columns=", ".join(missing),
            )
        )
    columns = {c: names.index(c) for c in REQUIRED}
    if "unit" in names:
        columns["unit"] = names.index("unit")
    return columns


def _number(raw):
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        text = raw.strip()
        try:
            return float(text) if text else None
        except ValueError:
            return text  # the core refuses it with "value is not a number"
    return raw


def _item(row: list, columns: dict[str, int], tz: ZoneInfo) -> dict:
    def cell(name):
        index = columns.get(name)
        return row[index] if index is not None and index < len(row) else None

    ts = cell("ts")
    if isinstance(ts, dt.datetime):
        ts = (ts if ts.tzinfo else ts.replace(tzinfo=tz)).isoformat()
    elif isinstance(ts, str):
        ts = ts.strip()
    point = cell("point")
    item = {
        "point": str(point).strip() if point is not None else None,
        "ts": ts,
        "value": _number(cell("value")),
    }
    unit = cell("unit")
    if unit not in (None, ""):
        item["unit"] = str(unit).strip()
    return item


def count_rows(path: Path, kind: str) -> int:
    """Data rows (header excluded), for the progress bar."""
    if kind == "csv":
        with open(path, "rb") as handle:
            lines = sum(1 for line in handle if line.strip())
        return max(0, lines - 1)
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True)
    except Exception as exc:  # openpyxl raises several types for a file that is not XLSX
        raise FileRefused(unreadable_xlsx(exc)) from exc
    try:
        return max(0, (workbook.worksheets[0].max_row or 1) - 1)
    finally:
        workbook.close()


def iter_rows(path: Path, kind: str, tz: ZoneInfo) -> Iterator[tuple[int, dict]]:
    """(row number as a spreadsheet shows it, reading item) for every non-empty data row."""
    if kind == "csv":
        # A byte that is not UTF-8 spoils its row alone (refused as an unknown point, say).
        with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise FileRefused(gettext_noop("The file is empty."))
            columns = _columns(header)
            for number, row in enumerate(reader, start=2):
                if number > MAX_ROWS + 1:
                    raise FileRefused(_too_many_rows())
                if any(c.strip() for c in row):
                    yield number, _item(row, columns, tz)
        return
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a file that is not XLSX
        raise FileRefused(unreadable_xlsx(exc)) from exc
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise FileRefused(gettext_noop("The first sheet is empty."))
        columns = _columns(list(header))
        for number, row in enumerate(rows, start=2):
            if number > MAX_ROWS + 1:
                raise FileRefused(_too_many_rows())
            if any(c not in (None, "") for c in row):
                yield number, _item(list(row), columns, tz)
    finally:
        workbook.close()


def import_file(
    *, park: Park, path: Path, name: str | None = None, progress=None, chunk: int = CHUNK
) -> ImportTotals:
    """Stream a file into the core; `progress(totals)` is called after each committed chunk."""
    kind = file_kind(name or path.name)
    tz = ZoneInfo(park.timezone or "Asia/Shanghai")
    totals = ImportTotals()
    batch: list[dict] = []
    numbers: list[int] = []
    for number, item in iter_rows(path, kind, tz):
        batch.append(item)
        numbers.append(number)
        if len(batch) >= chunk:
            _ingest(park, batch, numbers, totals)
            batch, numbers = [], []
            if progress:
                progress(totals)
    if batch:
        _ingest(park, batch, numbers, totals)
    if progress:
        progress(totals)
    return totals


def _ingest(park: Park, batch: list[dict], numbers: list[int], totals: ImportTotals) -> None:
    result = ingest_items(park_id=park.pk, items=batch, source=SOURCE)
    totals.rows += len(batch)
    totals.accepted += result.accepted
    totals.duplicates += result.duplicates
    totals.conflicts += result.conflicts
    totals.rejected += len(result.rejected)
    for rejection in result.rejected:
        if len(totals.errors) >= MAX_ERRORS_KEPT:
            break
        totals.errors.append(
            {"row": numbers[rejection.index], "field": rejection.field, "reason": rejection.reason}
        )
    rollup_pending()


# --- the upload page's service and task -------------------------------------------------------


def _upload_dir() -> Path:
    return Path(settings.DATA_DIR) / "imports"


@contextmanager
def kept_upload(upload) -> Iterator[Path]:
    """Write an upload to the imports directory piece by piece (never whole in memory), before
    any transaction opens (SQLite would hold its write lock for the copy). The file is removed
    again if the job that should own it is not created."""
    directory = _upload_dir()
    directory.mkdir(parents=True, exist_ok=True)
    stored = directory / f"{uuid.uuid4().hex}{Path(upload.name).suffix.lower()}"
    try:
        with open(stored, "wb") as handle:
            for piece in upload.chunks():
                handle.write(piece)
        yield stored
    except BaseException:
        stored.unlink(missing_ok=True)
        raise


def readings_import_start(*, actor: User, via: str, upload) -> IntakeJob:
    """Keep an uploaded CSV/XLSX and queue its import; the job shows the progress."""
    if actor.park_id is None:
        raise Forbidden(gettext("Only park staff import readings."))
    access.require(actor, access.CREATE, IntakeJob)
    try:
        file_kind(upload.name)
    except FileRefused as exc:
        raise ValidationFailed.single("file", stored_text.shown(exc), Code.FILE_TYPE) from None
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationFailed.single(
            "file",
            gettext("The file is over %(mb)d MB (%(rows)s rows at most).")
            % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024), "rows": f"{MAX_ROWS:,}"},
            Code.TOO_LARGE,
        )
    refuse_unreadable(upload, max_bytes=MAX_UPLOAD_BYTES)
    with kept_upload(upload) as stored, transaction.atomic():
        job = IntakeJob.objects.create(
            park_id=actor.park_id,
            kind=IntakeJob.Kind.IMPORT,
            created_by=actor,
            file_name=Path(upload.name).name[:200],
            stored_path=str(stored),
        )
        audit_record(
            actor=actor,
            via=via,
            action="energy.readings_import.start",
            obj=job,
            before=None,
            after={"file_name": job.file_name, "bytes": upload.size},
        )
        transaction.on_commit(lambda: import_readings_task(job.pk))
    return job


def readings_import_run(*, job_id: int) -> IntakeJob:
    """Run a queued import (the task calls this), keeping the job's counters current."""
    job = IntakeJob.objects.select_related("park").get(pk=job_id, kind=IntakeJob.Kind.IMPORT)
    if job.finished:
        return job
    path = Path(job.stored_path)
    jobs = IntakeJob.objects.filter(pk=job.pk)

    def progress(totals: ImportTotals) -> None:
        jobs.update(
            done=totals.rows,
            accepted=totals.accepted,
            duplicates=totals.duplicates,
            conflicts=totals.conflicts,
            rejected=totals.rejected,
            errors=totals.errors,
        )

    try:
        kind = file_kind(job.file_name)
        jobs.update(status=IntakeJob.Status.RUNNING, started_at=timezone.now())
        total = count_rows(path, kind)
        if total > MAX_ROWS:
            raise FileRefused(_too_many_rows())
        jobs.update(total=total)
        import_file(park=job.park, path=path, name=job.file_name, progress=progress)
        status, message = IntakeJob.Status.DONE, ""
    except FileRefused as exc:
        status, message = IntakeJob.Status.FAILED, str(exc)[:300]
    except Exception as exc:  # the job must say it failed rather than stay queued for ever
        log.exception("import job %s failed", job.pk)
        status, message = IntakeJob.Status.FAILED, import_failed(exc)
    finally:
        path.unlink(missing_ok=True)
    jobs.update(status=status, message=message, finished_at=timezone.now(), stored_path="")
    job.refresh_from_db()
    return job


def _too_many_rows() -> str:
    return too_many_rows(MAX_ROWS)


# Stored texts (parkpilot.stored_text) the point import shares.
def too_many_rows(most: int) -> str:
    return stored_text.stored(gettext_noop("Over %(rows)s rows: split the file."), rows=f"{most:,}")


def unreadable_xlsx(exc: Exception) -> str:
    return stored_text.stored(gettext_noop("Not a readable XLSX file: %(error)s."), error=str(exc))


def import_failed(exc: Exception) -> str:
    return stored_text.stored(gettext_noop("The import failed: %(error)s."), error=str(exc))


@db_task()
def import_readings_task(job_id: int) -> None:
    readings_import_run(job_id=job_id)
