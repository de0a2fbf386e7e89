"""The intake core: every door (MQTT, HTTP, files, the simulator) hands its readings here.

One call = one transaction: the new readings, the refused ones (dead letters, with the raw item
and the reason), the conflicts and the batch's work item for the rollup stage commit together
or not at all. Idempotent on (point, ts): a redelivered reading with the same value is counted
as a duplicate; one with a different value is kept as a conflict for review."""

import operator
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from parkpilot.energy.ingest import deltas, refusals
from parkpilot.energy.ingest.parse import parse_payload
from parkpilot.energy.ingest.store import insert_readings
from parkpilot.energy.ingest.validate import Accepted, Refused, batch_checker
from parkpilot.energy.models import IngestBatch, ReadingConflict
from parkpilot.energy.registry import registry
from parkpilot.gcpause import gc_paused


@dataclass
class Rejection:
    index: int
    field: str
    reason: str


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    conflicts: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    batch_id: int | None = None

    def as_dict(self) -> dict:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "conflicts": self.conflicts,
            "rejected": [r.__dict__ for r in self.rejected],
        }


def ingest_payload(
    *, park_id: int, payload: bytes | str, source: str, gateway_id: int | None = None
) -> IngestResult:
    """Parse a JSON payload (an object or an array of readings) and ingest it."""
    items = parse_payload(payload)
    if isinstance(items, Refused):
        raw = payload if isinstance(payload, bytes) else payload.encode("utf-8", "replace")
        _dead_letters(
            park_id, source, gateway_id, [(raw, items.field, items.reason, "")], timezone.now()
        )
        return IngestResult(rejected=[Rejection(-1, items.field, items.reason)])
    return ingest_items(park_id=park_id, items=items, source=source, gateway_id=gateway_id)


def ingest_items(
    *,
    park_id: int,
    items: list,
    source: str,
    gateway_id: int | None = None,
    record_refusals: bool = True,
) -> IngestResult:
    """Validate and store already-parsed reading objects. `gateway_id` set: the writer is that
    gateway and may only write its own points. `record_refusals=False` (re-processing a dead
    letter) reports refusals without filing them again."""
    with gc_paused():
        return _ingest(
            park_id=park_id,
            items=items,
            source=source,
            gateway_id=gateway_id,
            record_refusals=record_refusals,
        )


def _ingest(*, park_id, items, source, gateway_id, record_refusals) -> IngestResult:
    received_at = timezone.now()
    result = IngestResult()
    check = batch_checker(
        points=registry.lookup_table(),
        park_id=park_id,
        gateway_id=gateway_id,
        now_epoch=time.time(),
        future_s=settings.PARKPILOT_ENERGY_FUTURE_S,
    )
    accepted: list[Accepted] = []
    refused: list[tuple[str, str, str, str]] = []
    for index, item in enumerate(items):
        outcome = check(item)
        if type(outcome) is Accepted:
            accepted.append(outcome)
            continue
        result.rejected.append(Rejection(index, outcome.field, outcome.reason))
        refused.append((_raw(item), outcome.field, outcome.reason, outcome.point_code))
    ordered, in_batch_conflicts, result.duplicates = _in_key_order(accepted)
    tz_name = ordered[0].point.tz_name if ordered else ""
    work_items = []
    with transaction.atomic():
        existing = insert_readings(
            [(a.point.id, a.ts, a.value) for a in ordered],
            received_at,
            # The batch's own deltas, worked out while the database takes the rows in.
            meanwhile=lambda: work_items.append(deltas.encode(ordered, tz_name)),
        )
        conflicts = list(in_batch_conflicts)
        for index, stored in existing.items():
            if stored == ordered[index].value:
                result.duplicates += 1
            else:
                conflicts.append((ordered[index], stored))
        # Commonly every reading was new: then there is nothing to filter out.
        inserted = [a for i, a in enumerate(ordered) if i not in existing] if existing else ordered
        result.accepted = len(inserted)
        result.conflicts = len(conflicts)
        _conflicts(conflicts, source, received_at)
        if record_refusals:
            _dead_letters(park_id, source, gateway_id, refused, received_at)
        if inserted:
            # Worked out for `ordered`: good unless some rows were there already.
            fresh = work_items and not existing
            work_item = work_items[0] if fresh else deltas.encode(inserted, tz_name)
            result.batch_id = _batch(inserted, source, work_item).pk
    return result


_BY_TIME = operator.attrgetter("epoch")
_BY_POINT = operator.attrgetter("point.id")


def _in_key_order(accepted: list[Accepted]) -> tuple[list[Accepted], list, int]:
    """(readings sorted by (point, ts) with each key once, in-batch conflicts, in-batch
    duplicates). Of readings with the same key the first to arrive is kept; a later one with
    the same value is a duplicate, with another value a conflict."""
    # Two stable sorts give (point, ts) order and keep arrival order among equal keys; the
    # first is nearly free on time-major batches, which is how gateways send them.
    accepted.sort(key=_BY_TIME)
    accepted.sort(key=_BY_POINT)
    ordered: list[Accepted] = []
    conflicts: list[tuple[Accepted, float]] = []
    duplicates = 0
    kept = None
    for a in accepted:
        if kept is not None and a.epoch == kept.epoch and a.point.id == kept.point.id:
            if a.value == kept.value:
                duplicates += 1
            else:
                conflicts.append((a, kept.value))
            continue
        ordered.append(a)
        kept = a
    return ordered, conflicts, duplicates


def _raw(item) -> bytes:
    return refusals.raw_bytes_of(item)


def _dead_letters(park_id, source, gateway_id, refused, received_at) -> None:
    """Bounded: repeats aggregated, a budget per writer, payloads capped (ingest/refusals.py)."""
    refusals.file_refusals(
        park_id=park_id,
        source=source,
        gateway_id=gateway_id,
        refusals=[refusals.Refusal(raw, f, reason, code or "") for raw, f, reason, code in refused],
        received_at=received_at,
    )


def _conflicts(conflicts: list[tuple[Accepted, float]], source, received_at) -> None:
    if not conflicts:
        return
    ReadingConflict.objects.bulk_create(
        ReadingConflict(
            point_id=a.point.id,
            ts=a.ts,
            stored_value=stored,
            new_value=a.value,
            received_at=received_at,
            source=source,
        )
        for a, stored in conflicts
    )


def _batch(inserted: list[Accepted], source: str, encoded_deltas: str) -> IngestBatch:
    # The deltas name each point's time span: `ranges` is only for work items without them.
    return IngestBatch.objects.create(
        source=source, accepted=len(inserted), ranges={}, deltas=encoded_deltas
    )
