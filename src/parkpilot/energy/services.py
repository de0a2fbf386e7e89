"""Writes for energy: the metering-point registry, dead letters, conflicts, HTTP intake."""

import csv
import io
import math
from datetime import UTC
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from parkpilot.energy import tasks
from parkpilot.energy.assignments import assignments_sync
from parkpilot.energy.errors import MAX_READINGS_PER_REQUEST, ErrorCode
from parkpilot.energy.ingest.core import IngestResult, ingest_items
from parkpilot.energy.ingest.parse import parse_payload
from parkpilot.energy.ingest.validate import MAX_ABS_VALUE, Refused
from parkpilot.energy.kinds import CANONICAL_UNIT, EnergyKind, unit_factor
from parkpilot.energy.models import (
    DeadLetter,
    IngestBatch,
    MeteringPoint,
    Reading,
    ReadingConflict,
    RegisterType,
)
from parkpilot.energy.models_assignment import PointAssignment
from parkpilot.energy.registry import registry
from parkpilot.energy.signals import point_moved
from parkpilot.spreadsheets import csv_row
from parkpilot.stored_text import shown, stored
from parkpilot.tenancy import access
from parkpilot.tenancy.audit import audit_record, changed_only, snapshot
from parkpilot.tenancy.errors import Code, FieldError, Forbidden, ValidationFailed
from parkpilot.tenancy.models import Enterprise, Park, User, Zone
from parkpilot.tenancy.roles import Role

POINT_FIELDS = [
    "code", "name", "owner", "zone", "building", "kind", "unit", "register", "multiplier",
    "rollover", "rated_max_per_h", "interval_s", "parent", "gateway", "enthalpy_gj_per_t",
    "commissioned_on",
    "steam_pressure_mpa", "steam_pressure_absolute", "steam_temperature_c", "steam_feed_water_c",
    "active",
]  # fmt: skip
READING_WRITERS = frozenset({Role.GATEWAY, Role.PARK_ADMIN, Role.PARK_STAFF})
# A meter's settings within what real meters have: a roll-over below 1 (say 2.2e-311) would
# make every reading "beyond the roll-over", a multiplier near 0 would zero the energy.
METER_BOUNDS = {
    "multiplier": (1e-6, 1e6),
    "rollover": (1.0, MAX_ABS_VALUE),
    "rated_max_per_h": (1e-6, 1e9),
    "enthalpy_gj_per_t": (1e-3, 100.0),
}


# --- intake through the API -----------------------------------------------------------------


def readings_ingest(*, actor: User, payload: bytes, source: str = "http") -> IngestResult:
    """A gateway writes only its own points; park admins and staff any point of their park."""
    if not access.roles_of(actor) & READING_WRITERS or actor.park_id is None:
        raise Forbidden(gettext("Only gateways and park staff write readings."))
    items = parse_payload(payload)
    if isinstance(items, Refused):
        raise ValidationFailed.single(items.field, shown(items.reason))
    if len(items) > MAX_READINGS_PER_REQUEST:
        raise ValidationFailed.single(
            "payload",
            gettext("At most %(most)d readings per request, got %(got)d.")
            % {"most": MAX_READINGS_PER_REQUEST, "got": len(items)},
            Code.TOO_MANY,
        )
    gateway_id = actor.pk if actor.role == Role.GATEWAY else None
    result = ingest_items(park_id=actor.park_id, items=items, source=source, gateway_id=gateway_id)
    if result.batch_id is not None:
        transaction.on_commit(tasks.rollup_task)
    return result


# --- the registry -----------------------------------------------------------------------------


def _clean_point(*, park: Park, data: dict[str, Any], exclude_pk: int | None) -> dict[str, Any]:
    errors = point_field_errors(data)
    clean = dict(data)

    def refuse(field: str, reason: str, code: str = "invalid") -> None:
        errors.append(FieldError(field, reason, code))

    if "code" in data:
        clean["code"] = (data["code"] or "").strip()
        if (
            clean["code"]
            and MeteringPoint.objects.filter(park=park, code=clean["code"])
            .exclude(pk=exclude_pk)
            .exists()
        ):
            refuse("code", gettext("This code is already used in the park."), "taken")
    _resolve_refs(park=park, data=data, clean=clean, refuse=refuse, exclude_pk=exclude_pk)
    if errors:
        raise ValidationFailed(errors)
    return clean


_KINDS = frozenset(EnergyKind.values)  # an enum's .values is rebuilt on every access
_REGISTERS = frozenset(RegisterType.values)


def point_field_errors(data: dict[str, Any]) -> list[FieldError]:
    """The checks of a point's own fields that need no database (the registry import runs them
    on every row before writing any). Reasons are stored texts (parkpilot.stored_text): an
    import keeps them on its job."""
    errors: list[FieldError] = []

    def refuse(field: str, reason: str, code: str = "invalid") -> None:
        errors.append(FieldError(field, reason, code))

    if "code" in data and not (data["code"] or "").strip():
        refuse("code", gettext_noop("The code must not be empty."), "required")
    if "kind" in data and data["kind"] not in _KINDS:
        refuse(
            "kind", stored(gettext_noop("Unknown energy kind: %(kind)s."), kind=str(data["kind"]))
        )
    if "register" in data and data["register"] not in _REGISTERS:
        refuse("register", gettext_noop("Must be cumulative or interval."))
    kind = data.get("kind")
    if "unit" in data and kind in _KINDS and unit_factor(kind, data["unit"]) is None:
        refuse(
            "unit",
            stored(
                gettext_noop("The unit %(unit)s does not convert to %(canonical)s."),
                unit=str(data["unit"]),
                canonical=CANONICAL_UNIT[kind],
            ),
        )
    for name, (low, high) in METER_BOUNDS.items():
        value = data.get(name)
        if value is not None and not (math.isfinite(value) and low <= value <= high):
            refuse(
                name,
                stored(
                    gettext_noop("Must be a number from %(low)s to %(high)s."),
                    low=f"{low:g}",
                    high=f"{high:g}",
                ),
            )
    if "interval_s" in data and not (1 <= int(data["interval_s"] or 0) <= 86400):
        refuse("interval_s", gettext_noop("Must be 1 to 86400 seconds."))
    return errors


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
                refuse(key, gettext("No such object in this park."))


@transaction.atomic
def point_create(*, actor: User, via: str, park: Park, data: dict[str, Any]) -> MeteringPoint:
    access.require(actor, access.CREATE, MeteringPoint)
    required = ("code", "kind", "unit", "register", "rated_max_per_h")
    errors = [FieldError(f, gettext("Required."), Code.REQUIRED) for f in required
              if data.get(f) in (None, "")]  # fmt: skip
    try:
        clean = _clean_point(park=park, data=data, exclude_pk=None)
    except ValidationFailed as exc:
        named = {e.field for e in errors}
        errors += [e for e in exc.errors if e.field not in named]
    if errors:
        raise ValidationFailed(errors)
    point = MeteringPoint.objects.create(park=park, **clean)
    assignments_sync([point.pk])
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
    access.require(actor, access.CHANGE, point, fields={k.removesuffix("_id") for k in changes})
    locked = MeteringPoint.objects.select_for_update().get(pk=point.pk)
    before = snapshot(locked, POINT_FIELDS)
    data = {"kind": locked.kind, **changes}
    clean = _clean_point(park=locked.park, data=data, exclude_pk=locked.pk)
    for name, value in clean.items():
        setattr(locked, name, value)
    locked.save()
    # Owner or zone edited here corrects the registry: the span in effect takes the new values.
    assignments_sync([locked.pk])
    old, new = changed_only(before, snapshot(locked, POINT_FIELDS))
    if new:
        audit_record(
            actor=actor, via=via, action="metering_point.update", obj=locked, before=old, after=new
        )
    registry.invalidate()
    return locked


# --- dated ownership: moving a meter -----------------------------------------------------------


@transaction.atomic
def point_move(
    *,
    actor: User,
    via: str,
    point: MeteringPoint,
    enterprise_id: int | None,
    zone_id: int | None,
    effective_at,
    reason: str,
) -> PointAssignment:
    """From `effective_at` on, the point belongs to `enterprise_id` (None: the park's public
    loads) in `zone_id`; before it, where it was. The open assignment ends there and a new one
    opens; the point's owner and zone become the new ones. Audited.

    A move may reach back into a closed period (staff learn of it late): its snapshot is not
    touched, the period shows the moved energy as arrived since closing, and the returned
    assignment's `closed_periods` names those periods so staff can recompute them."""
    access.require(actor, access.CHANGE, point, fields={"owner", "zone"})
    locked = MeteringPoint.objects.select_for_update().select_related("park").get(pk=point.pk)
    assignments_sync([locked.pk])  # a point made before dated ownership, or by a bare insert
    current = PointAssignment.objects.select_for_update().get(point=locked, valid_to=None)
    errors = _move_errors(locked, current, enterprise_id, zone_id, effective_at, reason)
    if errors:
        raise ValidationFailed(errors)
    current.valid_to = effective_at
    current.save(update_fields=["valid_to"])
    moved = PointAssignment.objects.create(
        point=locked,
        enterprise_id=enterprise_id,
        zone_id=zone_id,
        valid_from=effective_at,
        reason=reason.strip(),
        created_by=actor if actor is not None and actor.pk else None,
    )
    locked.owner_id, locked.zone_id = enterprise_id, zone_id
    locked.save(update_fields=["owner", "zone", "updated_at"])
    replies = point_moved.send(
        sender=PointAssignment, park=locked.park, point=locked, effective_at=effective_at
    )
    moved.closed_periods = sorted({label for _, labels in replies for label in labels or ()})
    audit_record(
        actor=actor,
        via=via,
        action="metering_point.move",
        obj=locked,
        before={"owner_id": current.enterprise_id, "zone_id": current.zone_id,
                "since": current.valid_from.isoformat()},
        after={"owner_id": enterprise_id, "zone_id": zone_id,
               "effective_at": effective_at.isoformat(), "reason": moved.reason,
               "closed_periods": moved.closed_periods},
    )  # fmt: skip
    registry.invalidate()
    return moved


def _move_errors(point, current, enterprise_id, zone_id, effective_at, reason) -> list:
    from zoneinfo import ZoneInfo

    errors = []
    if (
        enterprise_id is not None
        and not Enterprise.objects.filter(park_id=point.park_id, pk=enterprise_id).exists()
    ):
        errors.append(FieldError("enterprise_id", gettext("No such enterprise in this park.")))
    if zone_id is not None and not Zone.objects.filter(park_id=point.park_id, pk=zone_id).exists():
        errors.append(FieldError("zone_id", gettext("No such zone in this park.")))
    if not (reason or "").strip():
        errors.append(FieldError("reason", gettext("Say why the meter moved."), Code.REQUIRED))
    elif len(reason.strip()) > 300:
        errors.append(FieldError("reason", gettext("At most 300 characters.")))
    if effective_at is None or effective_at.tzinfo is None:
        errors.append(FieldError("effective_at", gettext("Must be a time with a UTC offset.")))
    elif effective_at > timezone.now():
        errors.append(FieldError("effective_at", gettext("Must not be in the future.")))
    elif effective_at <= current.valid_from:
        errors.append(FieldError(
            "effective_at",
            gettext("Must be after the current assignment's start, %(start)s.")
            % {"start": current.valid_from.isoformat()},
            ErrorCode.BEFORE_CURRENT,
        ))  # fmt: skip
    # Checked last: within 1970..now a conversion to park time cannot overflow.
    elif _off_the_hour(effective_at.astimezone(ZoneInfo(point.park.timezone))):
        # Hour rollups then never straddle a move: each bucket belongs to one assignment.
        errors.append(FieldError(
            "effective_at", gettext("Must be on a whole hour, park time.")
        ))  # fmt: skip
    if not errors and (enterprise_id, zone_id) == (current.enterprise_id, current.zone_id):
        errors.append(FieldError(
            "enterprise_id",
            gettext("The point already belongs there."),
            ErrorCode.UNCHANGED,
        ))  # fmt: skip
    return errors


def _off_the_hour(local) -> bool:
    return (local.minute, local.second, local.microsecond) != (0, 0, 0)


IMPORT_COLUMNS = [
    "code",
    "name",
    "owner_credit_code",
    "zone_code",
    "building",
    "kind",
    "unit",
    "register",
    "multiplier",
    "rollover",
    "rated_max_per_h",
    "interval_s",
    "parent_code",
    "gateway",
    "enthalpy_gj_per_t",
    "commissioned_on",
]  # fmt: skip  (the registry import, energy/point_import.py, reads these columns)

# --- dead letters and conflicts -----------------------------------------------------------


@transaction.atomic
def dead_letter_reprocess(*, actor: User, via: str, letter: DeadLetter) -> DeadLetter:
    """Run a refused reading through intake again (after the registry was fixed). Still bad:
    the letter stays open with the new reason; accepted or already stored: reprocessed."""
    access.require(actor, access.CHANGE, letter, fields={"status"})
    locked = DeadLetter.objects.select_for_update().get(pk=letter.pk)
    if locked.status != DeadLetter.Status.OPEN:
        raise ValidationFailed.single(
            "status", gettext("Already handled."), Code.INVALID_TRANSITION
        )
    if locked.truncated:
        raise ValidationFailed.single(
            "raw",
            gettext("The payload was cut short: it cannot be reprocessed."),
            Code.INVALID_TRANSITION,
        )
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
    access.require(actor, access.CHANGE, letter, fields={"status"})
    if not note.strip():
        raise ValidationFailed.single("note", gettext("Say why."), Code.REQUIRED)
    locked = DeadLetter.objects.select_for_update().get(pk=letter.pk)
    if locked.status != DeadLetter.Status.OPEN:
        raise ValidationFailed.single(
            "status", gettext("Already handled."), Code.INVALID_TRANSITION
        )
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
    access.require(actor, access.CHANGE, conflict, fields={"resolved"})
    if keep not in ("stored", "new"):
        raise ValidationFailed.single("keep", gettext("Must be stored or new."))
    locked = ReadingConflict.objects.select_for_update().get(pk=conflict.pk)
    if locked.resolved:
        raise ValidationFailed.single(
            "resolved", gettext("Already resolved."), Code.INVALID_TRANSITION
        )
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
    writer.writerows(csv_row(r) for r in rows)  # formula-leading text kept as text
    return ("\ufeff" + out.getvalue()).encode()  # BOM: Excel opens UTF-8 Chinese correctly


# --- counter cleaning: staff decisions and quarantined points -------------------------------


OVERRIDE_ACTIONS = ("accept", "refuse")


@transaction.atomic
def suspect_override(*, actor: User, via: str, decision, action: str):
    """Overrule the cleaner. `accept`: a reading it refused is true (it goes back into the
    readings, and the rules take it as it is whenever they recompute the point); `refuse`: a
    reading it took (a reset it adopted, a frozen value's jump) is wrong (moved to the dead
    letters). Audited; the point's rollups are recomputed from that reading on."""
    from parkpilot.energy.models_quality import CounterAnchor, SuspectDecision

    access.require(actor, access.CHANGE, decision, fields={"status"})
    if action not in OVERRIDE_ACTIONS:
        raise ValidationFailed.single("action", gettext("Must be accept or refuse."))
    locked = SuspectDecision.objects.select_for_update().select_related("point").get(pk=decision.pk)
    if locked.status == SuspectDecision.Status.OVERRIDDEN:
        raise ValidationFailed.single(
            "status", gettext("Already overridden."), Code.INVALID_TRANSITION
        )
    refused = locked.decision == SuspectDecision.Decision.REFUSED
    if refused != (action == "accept"):
        raise ValidationFailed.single(
            "action",
            gettext("The reading is refused already.")
            if refused
            else gettext("The reading is counted already."),
            Code.INVALID_TRANSITION,
        )
    point, now = locked.point, timezone.now()
    raw_ts = f'"ts": "{locked.ts.astimezone(UTC).isoformat()}"'
    letters = DeadLetter.objects.filter(
        source="rollup", point_code=point.code, status=DeadLetter.Status.OPEN, raw__contains=raw_ts
    )
    if action == "accept":
        Reading.objects.bulk_create(
            [Reading(point=point, ts=locked.ts, value=locked.value, received_at=now)],
            ignore_conflicts=True,
        )
        CounterAnchor.objects.update_or_create(
            point=point, ts=locked.ts, defaults={"start_value": None, "created_by": actor}
        )
        letters.update(status=DeadLetter.Status.REPROCESSED, resolved_at=now)
    else:
        Reading.objects.filter(point=point, ts=locked.ts).delete()
        CounterAnchor.objects.filter(point=point, ts=locked.ts, start_value=None).delete()
        DeadLetter.objects.create(
            park_id=point.park_id,
            received_at=now,
            source="rollup",
            point_code=point.code,
            raw=f'{{"point": "{point.code}", {raw_ts}, "value": {locked.value!r}}}',
            field="value",
            reason=gettext_noop("Refused by park staff."),
        )
    locked.status = SuspectDecision.Status.OVERRIDDEN
    locked.save(update_fields=["status"])
    audit_record(
        actor=actor,
        via=via,
        action=f"suspect_reading.{action}",
        obj=locked,
        before={"decision": locked.decision},
        after={"decision": "accepted" if action == "accept" else "refused"},
        park_id=point.park_id,
    )
    _recompute_point_from(point.pk, locked.ts.timestamp())
    return locked


@transaction.atomic
def meter_replacement_confirm(
    *, actor: User, via: str, point: MeteringPoint, ts, start_value: float, note: str = ""
):
    """Staff say the meter was replaced (or reset) at `ts`, its new counter starting at
    `start_value`: the first reading after it counts its rise over that value, whatever the
    cleaner had guessed. Audited; the point's rollups are recomputed from `ts` on."""
    from parkpilot.energy.models_quality import CounterAnchor

    access.require(actor, access.CHANGE, point, fields={"rollover"})
    errors = []
    if ts is None or ts.tzinfo is None:
        errors.append(FieldError("ts", gettext("Must be a time with a UTC offset.")))
    elif ts > timezone.now():
        errors.append(FieldError("ts", gettext("Must not be in the future.")))
    if start_value is None or not math.isfinite(start_value) or start_value < 0:
        errors.append(FieldError("start_value", gettext("Must be a number ≥ 0.")))
    elif point.rollover and start_value >= point.rollover:
        errors.append(FieldError("start_value", gettext("Must be below the roll-over.")))
    if errors:
        raise ValidationFailed(errors)
    anchor, _ = CounterAnchor.objects.update_or_create(
        point=point,
        ts=ts,
        defaults={"start_value": start_value, "note": note.strip()[:300], "created_by": actor},
    )
    audit_record(
        actor=actor,
        via=via,
        action="metering_point.replacement_confirm",
        obj=anchor,
        before=None,
        after={"ts": ts.isoformat(), "start_value": start_value, "note": anchor.note},
        park_id=point.park_id,
    )
    _recompute_point_from(point.pk, ts.timestamp())
    return anchor


@transaction.atomic
def quarantine_retry(*, actor: User, via: str, quarantined):
    """Retry a quarantined point now (after its cause was fixed), not at its backoff time."""
    from parkpilot.energy.models_quality import PointQuarantine

    access.require(actor, access.CHANGE, quarantined, fields={"retry_at"})
    locked = PointQuarantine.objects.select_for_update().get(pk=quarantined.pk)
    before = locked.retry_at.isoformat()
    locked.retry_at = timezone.now()
    locked.save(update_fields=["retry_at"])
    audit_record(
        actor=actor,
        via=via,
        action="metering_point.quarantine_retry",
        obj=locked,
        before={"retry_at": before},
        after={"retry_at": locked.retry_at.isoformat()},
        park_id=locked.point.park_id,
    )
    transaction.on_commit(tasks.rollup_task)
    return locked


def _recompute_point_from(point_id: int, epoch: float) -> None:
    # Declare the instant as new work: the rollup stage recomputes its quarter onwards.
    IngestBatch.objects.create(source="quality", accepted=0, ranges={str(point_id): [epoch, epoch]})
    transaction.on_commit(tasks.rollup_task)
