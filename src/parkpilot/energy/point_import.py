"""The metering-point registry from a CSV/XLSX file, as a background job with progress.

The upload is written to disk in chunks and read back row by row (csv; openpyxl read-only),
twice:

1. **Check** every row: its own fields (the rules of `services.point_field_errors`), its
   references (enterprise, zone, gateway, parent) against the registry as it stands and the
   rows above it, and codes repeated in the file. Nothing is written.
2. **Write**, only when no row is bad, in chunks of `WRITE_CHUNK` rows, each chunk one short
   transaction (bulk insert / update plus its audit rows, worked out before it opens), so no
   chunk holds the database's write lock for more than a few tens of milliseconds and
   gateways keep writing meanwhile (on SQLite the import pauses between chunks so that
   waiting writers get their turn).

All or nothing by rows: a file with any bad row imports nothing and the job lists its bad rows
(the first `MAX_ERRORS_KEPT`, with the total). A registry file is usually an edited export;
importing its good rows alone would leave readings of the missing points refused as unknown
and the file half applied, which staff would then have to work out. Chunked commits mean a
crash in the write phase can leave the first chunks written: importing the same file again is
safe (rows update the points by code), and the job says which phase it stopped in.

A row updates an existing point (same code) in the columns the file has; a column the file
lacks leaves that field as it is, so a file of `code,multiplier` changes multipliers only
(a new point still needs the required columns)."""

import csv
import datetime as dt
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from parkpilot.energy import tasks
from parkpilot.energy.assignments import assignments_sync
from parkpilot.energy.fileimport import (
    FileRefused,
    count_rows,
    file_kind,
    import_failed,
    kept_upload,
    refuse_unreadable,
    too_many_rows,
    unreadable_xlsx,
)
from parkpilot.energy.models import MeteringPoint
from parkpilot.energy.models_ops import IntakeJob
from parkpilot.energy.registry import registry
from parkpilot.energy.services import IMPORT_COLUMNS, POINT_FIELDS, point_field_errors
from parkpilot.gcpause import gc_paused
from parkpilot.stored_text import shown, stored
from parkpilot.tenancy import access
from parkpilot.tenancy.audit import audit_record, audit_row, changed_only, snapshot
from parkpilot.tenancy.errors import Code, FieldError, Forbidden, ValidationFailed
from parkpilot.tenancy.models import AuditLog, Enterprise, Park, User, Zone
from parkpilot.tenancy.roles import Role

log = logging.getLogger("parkpilot.energy.point_import")

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
WRITE_CHUNK = 100
SQLITE_PAUSE_S = 0.1
PROGRESS_EVERY = 1000
MAX_ERRORS_KEPT = 100
_NUMBERS = {"multiplier": float, "rollover": float, "rated_max_per_h": float,
            "interval_s": int, "enthalpy_gj_per_t": float}  # fmt: skip
# The point's fields a row sets, by the model's names, and the file's column for each.
_WRITTEN = [
    "name", "owner_id", "zone_id", "building", "kind", "unit", "register", "multiplier",
    "rollover", "rated_max_per_h", "interval_s", "gateway_id", "enthalpy_gj_per_t",
    "commissioned_on",
]  # fmt: skip
_COLUMN_OF = {"owner_id": "owner_credit_code", "zone_id": "zone_code", "gateway_id": "gateway"}


@dataclass
class Lookups:
    """The park's records a row may name, loaded once per pass (no query per row)."""

    enterprises: dict[str, int]
    zones: dict[str, int]
    gateways: dict[str, int]
    points: dict[str, int]  # code → pk of the points already in the registry

    @classmethod
    def load(cls, park: Park) -> "Lookups":
        def index(queryset, key):
            return dict(queryset.filter(park=park).values_list(key, "pk"))

        return cls(
            enterprises=index(Enterprise.objects, "credit_code"),
            zones=index(Zone.objects, "code"),
            gateways=index(User.objects.filter(role=Role.GATEWAY), "username"),
            points=index(MeteringPoint.objects, "code"),
        )


@dataclass
class CheckResult:
    rows: int = 0
    bad_rows: int = 0
    errors: list[dict] = field(default_factory=list)  # {"row", "field", "reason"}


def iter_table(path: Path, kind: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number as a spreadsheet shows it, {column: text}) for every non-empty data row."""
    if kind == "csv":
        with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=2):
                if any((v or "").strip() for v in row.values() if isinstance(v, str)):
                    yield number, {k.strip(): v for k, v in row.items() if isinstance(k, str)}
        return
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a file that is not XLSX
        raise FileRefused(unreadable_xlsx(exc)) from exc
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = [str(h or "").strip() for h in next(rows, ())]
        for number, values in enumerate(rows, start=2):
            if any(v not in (None, "") for v in values):
                yield number, {h: _text(v) for h, v in zip(header, values, strict=False)}
    finally:
        workbook.close()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value)


def row_values(row: dict[str, str], lookups: Lookups) -> tuple[dict[str, Any], list[FieldError]]:
    """A row as the point's model fields (references as ids; `parent_code` kept as a code)."""
    data: dict[str, Any] = {}
    errors: list[FieldError] = []
    references = {
        "owner_credit_code": (
            "owner_id",
            lookups.enterprises,
            gettext_noop("No such enterprise in the park: %(value)s."),
        ),
        "zone_code": (
            "zone_id",
            lookups.zones,
            gettext_noop("No such zone in the park: %(value)s."),
        ),
        "gateway": ("gateway_id", lookups.gateways, gettext_noop("No such gateway: %(value)s.")),
    }
    for column in IMPORT_COLUMNS:
        raw = (row.get(column) or "").strip()
        if column in _NUMBERS:
            if raw:
                try:
                    data[column] = _NUMBERS[column](float(raw))
                except (ValueError, OverflowError):
                    errors.append(
                        FieldError(
                            column, stored(gettext_noop("Not a number: %(value)s."), value=raw[:40])
                        )
                    )
        elif column in references:
            key, known, missing = references[column]
            data[key] = known.get(raw) if raw else None
            if raw and data[key] is None:
                errors.append(FieldError(column, stored(missing, value=raw[:40])))
        else:
            data[column] = raw
    commissioned = (row.get("commissioned_on") or "").strip()
    data["commissioned_on"] = None
    if commissioned:
        try:
            data["commissioned_on"] = dt.date.fromisoformat(commissioned[:10])
        except ValueError:
            errors.append(FieldError("commissioned_on", gettext_noop("Must be YYYY-MM-DD.")))
    for name, default in (("multiplier", 1.0), ("interval_s", 60), ("rollover", None),
                          ("rated_max_per_h", None), ("enthalpy_gj_per_t", None)):  # fmt: skip
        data.setdefault(name, default)
    present = frozenset(row)
    # Updating a point: only the columns the file has are written, so only they are checked.
    checked = data
    if data["code"] in lookups.points:
        checked = {k: v for k, v in data.items() if _COLUMN_OF.get(k, k) in present}
        checked["code"] = data["code"]
    named = {e.field for e in errors}
    for name in ("code", "kind", "unit", "register", "rated_max_per_h"):
        if name in checked and checked[name] in (None, "") and name not in named:
            errors.append(FieldError(name, gettext_noop("Required."), Code.REQUIRED))
    named = {e.field for e in errors}
    errors += [e for e in point_field_errors(checked) if e.field not in named]
    data["columns"] = present
    return data, errors


def _too_many_rows() -> str:
    return too_many_rows(MAX_ROWS)


def check_file(path: Path, kind: str, park: Park, progress=None) -> CheckResult:
    """Pass 1: every row checked, nothing written."""
    lookups = Lookups.load(park)
    result = CheckResult()
    seen: dict[str, int] = {}  # code → the row that defines it
    for number, row in iter_table(path, kind):
        result.rows += 1
        if result.rows > MAX_ROWS:
            raise FileRefused(_too_many_rows())
        data, errors = row_values(row, lookups)
        code = data.get("code", "")
        if code in seen:
            errors.append(
                FieldError(
                    "code", stored(gettext_noop("The same code as row %(row)d."), row=seen[code])
                )
            )
        parent = data.get("parent_code", "")
        if parent and parent not in lookups.points and parent not in seen:
            errors.append(
                FieldError(
                    "parent_code",
                    stored(gettext_noop("No such parent point: %(code)s."), code=parent[:40]),
                )
            )
        if parent and parent == code:
            errors.append(FieldError("parent_code", gettext_noop("Cannot be the point itself.")))
        seen.setdefault(code, number)
        if errors:
            result.bad_rows += 1
            for error in errors:
                if len(result.errors) < MAX_ERRORS_KEPT:
                    result.errors.append(
                        {"row": number, "field": error.field, "reason": error.reason}
                    )
        if progress and result.rows % PROGRESS_EVERY == 0:
            progress(result.rows)
    return result


def write_file(path: Path, kind: str, park: Park, actor: User | None, via: str, progress=None):
    """Pass 2: the checked rows written, `WRITE_CHUNK` rows per transaction. Returns
    (created, updated)."""
    lookups = Lookups.load(park)
    created = updated = 0
    chunk: list[dict] = []

    def flush():
        nonlocal created, updated
        made, changed = _write_chunk(chunk, park, lookups, actor, via)
        created, updated = created + made, updated + changed
        chunk.clear()
        _let_other_writers_in()

    done = 0
    with _checkpoints_between_chunks():
        for _number, row in iter_table(path, kind):
            chunk.append(row_values(row, lookups)[0])
            if len(chunk) >= WRITE_CHUNK:
                done += len(chunk)
                flush()
                if progress:
                    progress(done)
        if chunk:
            done += len(chunk)
            flush()
    # Other processes' caches see the new points by their `updated_at` within seconds.
    registry.invalidate()
    return created, updated


@dataclass
class ChunkPlan:
    """A chunk's writes, worked out before its transaction opens: the ORM's Python work
    (building objects, comparing snapshots, turning every value into its database form, which
    is most of an ORM insert's time) then costs no time under the write lock, where only the
    prepared statements run."""

    new: list[MeteringPoint] = field(default_factory=list)
    changed: list[tuple[MeteringPoint, dict]] = field(default_factory=list)  # point, before
    parent_of: dict[str, str] = field(default_factory=dict)  # code → parent code
    new_rows: list[list] = field(default_factory=list)  # INSERT values, as `new`
    new_audits: list[list] = field(default_factory=list)  # AuditLog values, as `new`
    new_afters: list[dict] = field(default_factory=list)  # their `after` snapshots
    updates: list[tuple[str, list]] = field(default_factory=list)  # UPDATE sql, params
    update_audits: list[list] = field(default_factory=list)
    late_changed: list[tuple[MeteringPoint, dict]] = field(default_factory=list)  # parent new


def _write_chunk(rows: list[dict], park: Park, lookups: Lookups, actor, via) -> tuple[int, int]:
    plan = _plan_chunk(rows, park, lookups)
    _prepare(plan, actor, via)
    # No collector pass under the write lock: a full one over a big heap takes longer than
    # the chunk (it runs after, when the collector is on again).
    with gc_paused():
        return _apply_chunk(plan, lookups, actor, via)


def _let_other_writers_in() -> None:
    """SQLite has no queue for its write lock: a waiting writer sleeps and retries (its busy
    handler backs off to 100 ms between tries), so a writer that takes the lock again at once
    can starve it. A pause as long as that back-off after each chunk lets every waiting
    gateway write in before the next chunk; the WAL is checkpointed in it (a passive
    checkpoint does not block writers). PostgreSQL locks rows, not the database."""
    if connection.vendor == "sqlite":
        if not connection.in_atomic_block:  # inside one (a test), nothing is committed yet
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
        time.sleep(SQLITE_PAUSE_S)


@contextmanager
def _checkpoints_between_chunks():
    """SQLite: no automatic WAL checkpoint in the import's own commits (one runs in the
    committing connection every 1,000 WAL pages, up to 100 ms on a busy disk, and would
    count as part of a chunk); `_let_other_writers_in` checkpoints between chunks instead."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        pages = cursor.fetchone()[0]
        cursor.execute("PRAGMA wal_autocheckpoint=0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_autocheckpoint={int(pages)}")


@transaction.atomic
def _apply_chunk(plan: "ChunkPlan", lookups: Lookups, actor, via) -> tuple[int, int]:
    """The chunk's one transaction (SQLite: its write lock, from BEGIN IMMEDIATE to COMMIT):
    the prepared statements, and the ids of the points it creates filled in."""
    with connection.cursor() as cursor:
        _create_in_parent_order(cursor, plan, lookups)
        for sql, params in plan.updates:
            cursor.execute(sql, params)
        audits = plan.new_audits + plan.update_audits
        audits += _late_updates(plan, lookups, actor, via)
        if audits:
            cursor.executemany(_insert_sql(AuditLog), audits)
    # An owner or zone in the file corrects the registry: the span in effect follows it.
    created = [lookups.points[p.code] for p in plan.new]
    assignments_sync(created + [p.pk for p, _before in plan.changed])
    return len(plan.new), len(audits) - len(plan.new)


def _late_updates(plan: ChunkPlan, lookups: Lookups, actor, via) -> list[list]:
    """Updates of points whose parent is created in this very chunk (rare): compared and
    written once the parent's id is known."""
    audits, now = [], timezone.now()
    for point, before in plan.late_changed:
        point.parent_id = lookups.points.get(plan.parent_of[point.code])
        old, after = changed_only(before, snapshot(point, POINT_FIELDS))
        if after:
            fields = {name: getattr(point, name) for name in after}
            MeteringPoint.objects.filter(pk=point.pk).update(**fields, updated_at=now)
            audits += _audit_values([(point, "metering_point.update", old, after)], actor, via)
    return audits


def _plan_chunk(rows: list[dict], park: Park, lookups: Lookups) -> ChunkPlan:
    existing = {
        p.code: p
        for p in MeteringPoint.objects.filter(park=park, code__in=[r["code"] for r in rows])
    }
    plan = ChunkPlan()
    for data in rows:
        point = existing.get(data["code"])
        if point is None:
            point = MeteringPoint(park=park, code=data["code"])
            plan.new.append(point)
        else:
            plan.changed.append((point, snapshot(point, POINT_FIELDS)))
        # An existing point keeps the fields whose column the file does not have.
        columns = data["columns"] if point.pk is not None else None
        for name in _WRITTEN:
            if columns is None or _COLUMN_OF.get(name, name) in columns:
                setattr(point, name, data[name])
        if columns is None or "parent_code" in columns:
            parent = data["parent_code"]
            point.parent_id = lookups.points.get(parent) if parent else None
            if parent and point.parent_id is None:  # defined in this very chunk
                plan.parent_of[point.code] = parent
    return plan


def _prepare(plan: ChunkPlan, actor, via) -> None:
    """Every value of the chunk's statements in its database form, before the transaction."""
    now = timezone.now()
    for point in plan.new:
        point.updated_at = now
    plan.new_rows = [_values(point, _columns(MeteringPoint)) for point in plan.new]
    plan.new_afters = [snapshot(point, POINT_FIELDS) for point in plan.new]
    creations = [(p, "metering_point.create", None, after)
                 for p, after in zip(plan.new, plan.new_afters, strict=True)]  # fmt: skip
    plan.new_audits = _audit_values(creations, actor, via)
    updates = []
    for point, before in plan.changed:
        if point.code in plan.parent_of:
            plan.late_changed.append((point, before))
            continue
        old, after = changed_only(before, snapshot(point, POINT_FIELDS))
        if after:
            point.updated_at = now
            plan.updates.append(_update_statement(point, [*after, "updated_at"]))
            updates.append((point, "metering_point.update", old, after))
    plan.update_audits = _audit_values(updates, actor, via)


def _columns(model) -> list:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _values(obj, fields) -> list:
    """The row's values as Django's insert compiler prepares them (defaults, auto_now)."""
    return [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]


def _insert_sql(model) -> str:
    fields, quote = _columns(model), connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"


def _update_statement(point: MeteringPoint, names: list[str]) -> tuple[str, list]:
    # snapshot() names foreign keys by their column (owner_id); get_field takes either.
    fields, quote = [point._meta.get_field(name) for name in names], connection.ops.quote_name
    sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    params = [f.get_db_prep_save(getattr(point, f.attname), connection) for f in fields]
    return f"UPDATE {quote(MeteringPoint._meta.db_table)} SET {sets} WHERE id = %s", [
        *params,
        point.pk,
    ]


def _create_in_parent_order(cursor, plan: ChunkPlan, lookups: Lookups) -> None:
    """Insert the new points, parents before their children (a child needs its parent's id),
    and learn their ids (for the children, the audit rows and the lookups)."""
    if not plan.new:
        return
    fields = _columns(MeteringPoint)
    parent_at = next(i for i, f in enumerate(fields) if f.name == "parent")
    object_id_at = next(i for i, f in enumerate(_columns(AuditLog)) if f.name == "object_id")
    after_at = next(i for i, f in enumerate(_columns(AuditLog)) if f.name == "after")
    after_field = AuditLog._meta.get_field("after")
    insert = _insert_sql(MeteringPoint)
    pending = list(range(len(plan.new)))
    while pending:
        ready = [i for i in pending if _parent_known(plan.new[i], plan, lookups)]
        if not ready:  # the check pass makes every parent come first; never left hanging
            raise ValueError(f"parent of {plan.new[pending[0]].code} is not in the file above it")
        for i in ready:
            point = plan.new[i]
            if point.code in plan.parent_of:
                point.parent_id = lookups.points[plan.parent_of[point.code]]
                plan.new_rows[i][parent_at] = point.parent_id
                after = plan.new_afters[i]
                after["parent_id"] = point.parent_id  # snapshot() names it by its column
                plan.new_audits[i][after_at] = after_field.get_db_prep_save(after, connection)
        cursor.executemany(insert, [plan.new_rows[i] for i in ready])
        codes = [plan.new[i].code for i in ready]
        cursor.execute(
            "SELECT code, id FROM energy_meteringpoint WHERE park_id = %s AND code IN ("
            + ", ".join(["%s"] * len(codes))
            + ")",
            [plan.new[ready[0]].park_id, *codes],
        )
        lookups.points.update(cursor.fetchall())
        for i in ready:
            point = plan.new[i]
            point.pk = lookups.points[point.code]
            point._state.adding, point._state.db = False, connection.alias
            plan.new_audits[i][object_id_at] = str(point.pk)
        pending = [i for i in pending if plan.new[i].pk is None]


def _parent_known(point: MeteringPoint, plan: ChunkPlan, lookups: Lookups) -> bool:
    return point.code not in plan.parent_of or plan.parent_of[point.code] in lookups.points


def _audit_values(audits, actor, via) -> list[list]:
    # The rows `audit_record` writes one by one, built in bulk for a chunk; a new point's id
    # (object_id) is filled in once it is inserted.
    fields = _columns(AuditLog)
    return [
        _values(
            audit_row(actor=actor, via=via, action=action, obj=point, before=before, after=after),
            fields,
        )
        for point, action, before, after in audits
    ]


# --- the job -------------------------------------------------------------------------------


def points_import_start(*, actor: User, via: str, upload, park: Park) -> IntakeJob:
    """Keep the uploaded registry file and queue its import; the job shows the progress."""
    if actor.park_id != park.pk and not actor.is_superuser:
        raise Forbidden
    access.require(actor, access.CREATE, MeteringPoint)
    try:
        file_kind(upload.name)
    except FileRefused as exc:
        raise ValidationFailed.single("file", shown(exc), Code.FILE_TYPE) from None
    if upload.size > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // (1024 * 1024)
        raise ValidationFailed.single(
            "file",
            gettext("The file is over %(mb)d MB (%(rows)s rows at most).")
            % {"mb": limit, "rows": f"{MAX_ROWS:,}"},
            Code.TOO_LARGE,
        )
    refuse_unreadable(upload, max_bytes=MAX_FILE_BYTES)
    with kept_upload(upload) as stored, transaction.atomic():
        job = IntakeJob.objects.create(
            park=park,
            kind=IntakeJob.Kind.POINTS,
            created_by=actor,
            file_name=Path(upload.name).name[:200],
            stored_path=str(stored),
        )
        audit_record(
            actor=actor,
            via=via,
            action="energy.points_import.start",
            obj=job,
            before=None,
            after={"file_name": job.file_name, "bytes": upload.size},
        )
        transaction.on_commit(lambda: tasks.import_points_task(job.pk, via))
    return job


def points_import_run(*, job_id: int, via: str = "task") -> IntakeJob:
    """Run a queued registry import: check every row, then write in chunks; the job's row
    counters say how far each phase got. The file is deleted however it ends."""
    job = IntakeJob.objects.select_related("park", "created_by").get(
        pk=job_id, kind=IntakeJob.Kind.POINTS
    )
    if job.finished:
        return job
    path = Path(job.stored_path)
    jobs = IntakeJob.objects.filter(pk=job.pk)
    try:
        kind = file_kind(job.file_name)
        jobs.update(status=IntakeJob.Status.RUNNING, started_at=timezone.now(), phase="check")
        total = count_rows(path, kind)  # for the progress bar; blank rows make it an upper bound
        if total > MAX_ROWS:
            raise FileRefused(_too_many_rows())
        jobs.update(total=total)
        checked = check_file(path, kind, job.park, progress=lambda n: jobs.update(done=n))
        jobs.update(
            total=checked.rows, done=checked.rows, rejected=checked.bad_rows, errors=checked.errors
        )
        if checked.bad_rows:
            status = IntakeJob.Status.FAILED
            message = stored(
                gettext_noop(
                    "%(n)d bad rows: nothing imported; fix them and import the file again."
                ),
                n=checked.bad_rows,
            )
        else:
            jobs.update(phase="write", done=0)
            created, updated = write_file(
                path, kind, job.park, job.created_by, via, progress=lambda n: jobs.update(done=n)
            )
            jobs.update(done=checked.rows, created_points=created, updated_points=updated)
            status, message = IntakeJob.Status.DONE, ""
    except FileRefused as exc:
        status, message = IntakeJob.Status.FAILED, str(exc)[:300]
    except Exception as exc:  # the job must say it failed rather than spin for ever
        log.exception("point import job %s failed", job.pk)
        status, message = IntakeJob.Status.FAILED, import_failed(exc)
    finally:
        path.unlink(missing_ok=True)
    jobs.update(status=status, message=message, finished_at=timezone.now(), stored_path="")
    job.refresh_from_db()
    return job
