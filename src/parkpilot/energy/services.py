"""Writes for energy: the metering-point registry, dead letters, conflicts, HTTP intake."""

import csv
import io
import math
from typing import Any

from django.db import transaction
from django.utils import timezone

from parkpilot.energy import tasks
from parkpilot.energy.errors import MAX_READINGS_PER_REQUEST
from parkpilot.energy.ingest.core import IngestResult, ingest_items
from parkpilot.energy.ingest.parse import parse_payload
from parkpilot.energy.ingest.validate import Refused
from parkpilot.energy.kinds import CANONICAL_UNIT, EnergyKind, unit_factor
from parkpilot.energy.models import (
    DeadLetter,
    IngestBatch,
    MeteringPoint,
    Reading,
    ReadingConflict,
    RegisterType,
)
from parkpilot.energy.registry import registry
from parkpilot.tenancy import access
from parkpilot.tenancy.audit import audit_record, changed_only, snapshot
from parkpilot.tenancy.errors import FieldError, Forbidden, ValidationFailed
from parkpilot.tenancy.models import Enterprise, Park, User, Zone
from parkpilot.tenancy.roles import Role

POINT_FIELDS = [
    "code", "name", "owner", "zone", "building", "kind", "unit", "register", "multiplier",
    "rollover", "rated_max_per_h", "interval_s", "parent", "gateway", "enthalpy_gj_per_t",
    "steam_pressure_mpa", "steam_pressure_absolute", "steam_temperature_c", "steam_feed_water_c",
    "active",
]  # fmt: skip
READING_WRITERS = frozenset({Role.GATEWAY, Role.PARK_ADMIN, Role.PARK_STAFF})


# --- intake through the API -----------------------------------------------------------------


def readings_ingest(*, actor: User, payload: bytes, source: str = "http") -> IngestResult:
    """A gateway writes only its own points; park admins and staff any point of their park."""
    if actor.role not in READING_WRITERS or actor.park_id is None:
        raise Forbidden("只有网关和园区工作人员可以写入读数 / only gateways and park staff write")
    items = parse_payload(payload)
    if isinstance(items, Refused):
        raise ValidationFailed.single(items.field, items.reason)
    if len(items) > MAX_READINGS_PER_REQUEST:
        raise ValidationFailed.single(
            "payload",
            f"一次最多 {MAX_READINGS_PER_REQUEST} 条读数 / at most "
            f"{MAX_READINGS_PER_REQUEST} readings per request, got {len(items)}",
            "too_many",
        )
    gateway_id = actor.pk if actor.role == Role.GATEWAY else None
    result = ingest_items(park_id=actor.park_id, items=items, source=source, gateway_id=gateway_id)
    if result.batch_id is not None:
        transaction.on_commit(tasks.rollup_task)
    return result


# --- the registry -----------------------------------------------------------------------------


def _clean_point(*, park: Park, data: dict[str, Any], exclude_pk: int | None) -> dict[str, Any]:
    errors: list[FieldError] = []
    clean = dict(data)

    def refuse(field: str, reason: str, code: str = "invalid") -> None:
        errors.append(FieldError(field, reason, code))

    if "code" in data:
        clean["code"] = (data["code"] or "").strip()
        if not clean["code"]:
            refuse("code", "编码不能为空 / code must not be empty", "required")
        elif (
            MeteringPoint.objects.filter(park=park, code=clean["code"])
            .exclude(pk=exclude_pk)
            .exists()
        ):
            refuse("code", "园区内编码已存在 / code already used in this park", "taken")
    if "kind" in data and data["kind"] not in EnergyKind.values:
        refuse("kind", f"未知能源种类 / unknown energy kind: {data['kind']}")
    if "register" in data and data["register"] not in RegisterType.values:
        refuse("register", "须为 cumulative 或 interval / must be cumulative or interval")
    kind = clean.get("kind")
    if "unit" in data and kind in EnergyKind.values and unit_factor(kind, data["unit"]) is None:
        refuse(
            "unit",
            f"单位 {data['unit']} 不适用于 {kind}（应可换算为 {CANONICAL_UNIT[kind]}）/ "
            f"unit does not convert to {CANONICAL_UNIT[kind]}",
        )
    for name, minimum in (("multiplier", 0.0), ("rated_max_per_h", 0.0), ("rollover", 0.0)):
        value = data.get(name)
        if value is not None and (not math.isfinite(value) or value <= minimum):
            refuse(name, "须为正数 / must be a positive number")
    if "interval_s" in data and not (1 <= int(data["interval_s"] or 0) <= 86400):
        refuse("interval_s", "须在 1 到 86400 秒之间 / must be 1-86400 seconds")
    _resolve_refs(park=park, data=data, clean=clean, refuse=refuse, exclude_pk=exclude_pk)
    if errors:
        raise ValidationFailed(errors)
    return clean


def _resolve_refs(*, park, data, clean, refuse, exclude_pk) -> None:
    """Owner, zone, parent and gateway must exist in the same park; unknown and foreign alike."""
    refs = (
        ("owner_id", "owner", Enterprise.objects.filter(park=park)),
        ("zone_id", "zone", Zone.objects.filter(park=park)),
        ("parent_id", "parent", MeteringPoint.objects.filter(park=park).exclude(pk=exclude_pk)),
        ("gateway_id", "gateway", User.objects.filter(park=park, role=Role.GATEWAY)),
    )
    for key, field, queryset in refs:
        if key not in data:
            continue
        ref_id = clean.pop(key)
        clean[field] = None
        if ref_id is not None:
            clean[field] = queryset.filter(pk=ref_id).first()
            if clean[field] is None:
                refuse(key, "园区内没有该对象 / no such object in this park")


@transaction.atomic
def point_create(*, actor: User, via: str, park: Park, data: dict[str, Any]) -> MeteringPoint:
    access.require_create(actor, MeteringPoint)
    required = ("code", "kind", "unit", "register", "rated_max_per_h")
    errors = [FieldError(f, "必填 / required", "required") for f in required
              if data.get(f) in (None, "")]  # fmt: skip
    try:
        clean = _clean_point(park=park, data=data, exclude_pk=None)
    except ValidationFailed as exc:
        named = {e.field for e in errors}
        errors += [e for e in exc.errors if e.field not in named]
    if errors:
        raise ValidationFailed(errors)
    point = MeteringPoint.objects.create(park=park, **clean)
    audit_record(
        actor=actor,
        via=via,
        action="metering_point.create",
        obj=point,
        before=None,
        after=snapshot(point, POINT_FIELDS),
    )
    registry.invalidate()
    return point


@transaction.atomic
def point_update(
    *, actor: User, via: str, point: MeteringPoint, changes: dict[str, Any]
) -> MeteringPoint:
    access.require_change(actor, point, {k.removesuffix("_id") for k in changes})
    locked = MeteringPoint.objects.select_for_update().get(pk=point.pk)
    before = snapshot(locked, POINT_FIELDS)
    data = {"kind": locked.kind, **changes}
    clean = _clean_point(park=locked.park, data=data, exclude_pk=locked.pk)
    for name, value in clean.items():
        setattr(locked, name, value)
    locked.save()
    old, new = changed_only(before, snapshot(locked, POINT_FIELDS))
    if new:
        audit_record(
            actor=actor, via=via, action="metering_point.update", obj=locked, before=old, after=new
        )
    registry.invalidate()
    return locked


IMPORT_COLUMNS = [
    "code", "name", "owner_credit_code", "zone_code", "building", "kind", "unit", "register",
    "multiplier", "rollover", "rated_max_per_h", "interval_s", "parent_code", "gateway",
    "enthalpy_gj_per_t",
]  # fmt: skip
_NUMBERS = {"multiplier": float, "rollover": float, "rated_max_per_h": float,
            "interval_s": int, "enthalpy_gj_per_t": float}  # fmt: skip


@transaction.atomic
def points_import(*, actor: User, via: str, park: Park, rows: list[dict[str, str]]) -> dict:
    """Create or update points from registry rows (CSV/XLSX). All or nothing: any bad row
    raises ValidationFailed naming `row <n>.<column>` and nothing is written."""
    access.require_create(actor, MeteringPoint)
    errors: list[FieldError] = []
    created = updated = 0
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        try:
            data = _row_data(park, row)
            existing = MeteringPoint.objects.filter(park=park, code=data.get("code")).first()
            with transaction.atomic():
                if existing:
                    point_update(actor=actor, via=via, point=existing, changes=data)
                    updated += 1
                else:
                    point_create(actor=actor, via=via, park=park, data=data)
                    created += 1
        except ValidationFailed as exc:
            errors += [FieldError(f"row {number}.{e.field}", e.reason, e.code) for e in exc.errors]
    if errors:
        raise ValidationFailed(errors)
    return {"created": created, "updated": updated}


# Registry columns that name another record of the park: (model, its lookup field, the id key
# the point takes, what to say when there is no such record).
_REFERENCES = {
    "owner_credit_code": (
        Enterprise,
        "credit_code",
        "owner_id",
        "园区内无此企业 / no such enterprise",
    ),
    "zone_code": (Zone, "code", "zone_id", "园区内无此片区 / no such zone"),
    "parent_code": (MeteringPoint, "code", "parent_id", "无此上级表 / no such parent point"),
    "gateway": (User, "username", "gateway_id", "无此网关 / no such gateway"),
}


def _row_data(park: Park, row: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    errors = []
    for column in IMPORT_COLUMNS:
        raw = (row.get(column) or "").strip()
        if column in _NUMBERS:
            if raw:
                try:
                    data[column] = _NUMBERS[column](float(raw))
                except ValueError:
                    errors.append(FieldError(column, f"不是数字 / not a number: {raw}"))
        elif column in _REFERENCES:
            model, lookup, key, missing = _REFERENCES[column]
            found = model.objects.filter(park=park, **{lookup: raw}).first() if raw else None
            if raw and found is None:
                errors.append(FieldError(column, f"{missing}: {raw}"))
            data[key] = found.pk if found else None
        else:
            data[column] = raw
    if errors:
        raise ValidationFailed(errors)
    data.setdefault("multiplier", 1.0)
    return data


def read_table(*, filename: str, content: bytes) -> list[dict[str, str]]:
    """Rows of a CSV (UTF-8, with or without BOM) or XLSX file (first sheet), by header."""
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        if not rows:
            return []
        header = [str(h or "").strip() for h in rows[0]]
        return [
            {h: "" if v is None else str(v) for h, v in zip(header, r, strict=False)}
            for r in rows[1:]
            if any(v is not None for v in r)
        ]
    text = content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


# --- dead letters and conflicts -----------------------------------------------------------


@transaction.atomic
def dead_letter_reprocess(*, actor: User, via: str, letter: DeadLetter) -> DeadLetter:
    """Run a refused reading through intake again (after the registry was fixed). Still bad:
    the letter stays open with the new reason; accepted or already stored: reprocessed."""
    access.require_change(actor, letter, {"status"})
    locked = DeadLetter.objects.select_for_update().get(pk=letter.pk)
    if locked.status != DeadLetter.Status.OPEN:
        raise ValidationFailed.single("status", "已处理 / already handled", "state")
    items = parse_payload(locked.raw)
    if isinstance(items, Refused):
        outcome = IngestResult(rejected=[])
        locked.field, locked.reason = items.field, items.reason
    else:
        outcome = ingest_items(
            park_id=locked.park_id,
            items=items,
            source=locked.source,
            gateway_id=locked.gateway_id,
            record_refusals=False,
        )
        if outcome.rejected:
            locked.field, locked.reason = outcome.rejected[0].field, outcome.rejected[0].reason
        else:
            locked.status = DeadLetter.Status.REPROCESSED
            locked.resolved_at = timezone.now()
    locked.save()
    audit_record(
        actor=actor,
        via=via,
        action="dead_letter.reprocess",
        obj=locked,
        before={"status": "open"},
        after={"status": locked.status, "reason": locked.reason},
    )
    if outcome.batch_id is not None:
        transaction.on_commit(tasks.rollup_task)
    return locked


@transaction.atomic
def dead_letter_dismiss(*, actor: User, via: str, letter: DeadLetter, note: str) -> DeadLetter:
    access.require_change(actor, letter, {"status"})
    if not note.strip():
        raise ValidationFailed.single("note", "请说明原因 / say why", "required")
    locked = DeadLetter.objects.select_for_update().get(pk=letter.pk)
    if locked.status != DeadLetter.Status.OPEN:
        raise ValidationFailed.single("status", "已处理 / already handled", "state")
    locked.status = DeadLetter.Status.DISMISSED
    locked.save(update_fields=["status"])
    audit_record(
        actor=actor,
        via=via,
        action="dead_letter.dismiss",
        obj=locked,
        before={"status": "open"},
        after={"status": "dismissed", "note": note.strip()},
    )
    return locked


@transaction.atomic
def conflict_resolve(
    *, actor: User, via: str, conflict: ReadingConflict, keep: str
) -> ReadingConflict:
    """Keep the stored value, or take the new one (the point's rollups are recomputed)."""
    access.require_change(actor, conflict, {"resolved"})
    if keep not in ("stored", "new"):
        raise ValidationFailed.single("keep", "须为 stored 或 new / must be stored or new")
    locked = ReadingConflict.objects.select_for_update().get(pk=conflict.pk)
    if locked.resolved:
        raise ValidationFailed.single("resolved", "已处理 / already resolved", "state")
    if keep == "new":
        _replace_reading(locked)
    locked.resolved = True
    locked.save(update_fields=["resolved"])
    audit_record(
        actor=actor,
        via=via,
        action="reading_conflict.resolve",
        obj=locked,
        before={"value": locked.stored_value},
        after={"value": locked.new_value if keep == "new" else locked.stored_value, "keep": keep},
        park_id=locked.point.park_id,
    )
    return locked


def _replace_reading(conflict: ReadingConflict) -> None:
    Reading.objects.filter(point_id=conflict.point_id, ts=conflict.ts).update(
        value=conflict.new_value
    )
    epoch = conflict.ts.timestamp()
    # Declare the instant as new work: the rollup stage recomputes its quarter onwards.
    IngestBatch.objects.create(
        source="conflict", accepted=1, ranges={str(conflict.point_id): [epoch, epoch]}
    )
    transaction.on_commit(tasks.rollup_task)


def rows_to_csv(rows: list[dict[str, Any]], columns: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode()  # BOM: Excel opens UTF-8 Chinese correctly
