"""The rollup stage: readings → interval energy → 15-minute, hour, day and month buckets per
point and per enterprise / zone / park / public loads and energy kind.

It consumes the work list intake leaves (IngestBatch: per point, the time span it added and
the batch's own interval energy per quarter, ingest/deltas.py) and keeps a watermark per point
(PointState: the last reading already counted):
  - in order (every new reading is after the watermark): the interval from the watermark to the
    batch's first reading is computed here, and with the batch's own deltas ADDED to the
    buckets; the readings are not read back;
  - late or out of order: the point's 15-minute buckets from the late reading's bucket up to
    the watermark are recomputed from the raw readings, and the difference to the stored values
    is added.
Every change is applied as a difference to the 15-minute bucket and, with the same amount, to
its hour, day and month and to the point's enterprise, zone and park rows, so each affected
bucket is touched exactly once per pass and no unaffected bucket is read. One pass runs at a
time (a PostgreSQL advisory lock; SQLite serialises writers itself)."""

import time
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from parkpilot.energy import counters, quarantine
from parkpilot.energy.buckets import aware, parents, quarter_start
from parkpilot.energy.ingest import deltas
from parkpilot.energy.ingest.store import (
    db_ts,
    delete_readings,
    epoch_of,
    fetch_readings,
    reading_at_or_before,
    run_start_of,
    ts_param_converter,
    upsert_add,
    upsert_replace,
)
from parkpilot.energy.models import (
    DeadLetter,
    Gap,
    IngestBatch,
    Level,
    PointState,
    Scope,
    SuspectDecision,
)
from parkpilot.energy.models_quality import CounterAnchor
from parkpilot.energy.registry import PointInfo, registry
from parkpilot.gcpause import gc_paused
from parkpilot.stored_text import stored
from parkpilot.tenancy.models import Park

_LOCK_KEY = 7_412_001  # PostgreSQL advisory lock id of the rollup stage
LEVELS = (Level.QUARTER, Level.HOUR, Level.DAY, Level.MONTH)
UPPER_LEVELS = LEVELS[1:]  # the levels above a quarter, in `parents()` order


@dataclass
class PassResult:
    batches: int = 0
    points: int = 0
    readings: int = 0
    recomputed_points: int = 0
    spikes: int = 0
    gaps: int = 0
    buckets_written: int = 0
    points_per_level: dict = field(default_factory=dict)
    more: bool = False  # batches were left for the next pass (the pass's bounds were reached)


# A pass is one transaction, and on SQLite the one writer's lock: after a backlog (a worker
# down for a day) 2,000 batches could be millions of readings, and sign-ins would wait past
# the busy timeout. The live loops (MQTT worker, rollup task) pass this: about 14 live ticks
# of the whole park. A pass always takes at least one batch.
READINGS_PER_PASS = 20_000


def rollup_pending(*, limit: int = 2000, readings: int | None = None) -> PassResult:
    """Roll up what intake committed since the last pass: at most `limit` batches and, if
    given, about `readings` readings (`more` says whether some were left). Safe to call from
    anywhere, any time. A point whose part of the pass fails is quarantined (with the reason)
    and the rest of the pass goes on; quarantined points are retried with backoff."""
    result = PassResult()
    with gc_paused(), transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        sizes = list(IngestBatch.objects.order_by("id").values_list("id", "accepted")[: limit + 1])
        chosen = _within(sizes[:limit], readings)
        result.more = len(sizes) > len(chosen)
        batches = list(
            IngestBatch.objects.filter(id__in=chosen)
            .order_by("id")
            .values_list("id", "ranges", "deltas")
        )
        spans, chains = _merge(batches)
        retrying = quarantine.set_aside(spans, chains)
        if spans:
            _roll(spans, chains, result, retrying)
        if not batches:
            return result
        IngestBatch.objects.filter(id__in=[b[0] for b in batches]).delete()
        result.batches = len(batches)
    return result


def _within(sizes: list[tuple[int, int]], readings: int | None) -> list[int]:
    """The oldest batches whose readings fit in `readings` (the first one always)."""
    chosen, total = [], 0
    for batch_id, accepted in sizes:
        if chosen and readings is not None and total + accepted > readings:
            break
        chosen.append(batch_id)
        total += accepted
    return chosen


def _merge(batches) -> tuple[dict[int, list[float]], dict[int, tuple[str, list] | None]]:
    """Per point: the time span all batches added, and the batches' own deltas (None when a
    batch carries none for it: that point is recomputed from its readings)."""
    spans: dict[int, list[float]] = {}
    chains: dict[int, tuple[str, list] | None] = {}
    for _, ranges, encoded in batches:
        tz_name, entries = deltas.decode(encoded)
        added = deltas.spans(entries) if entries else ranges
        for key, (lo, hi) in added.items():
            point_id = int(key)
            span = spans.setdefault(point_id, [lo, hi])
            span[0], span[1] = min(span[0], lo), max(span[1], hi)
            entry = entries.get(point_id)
            chain = chains.setdefault(point_id, (tz_name, []))
            if entry is None or chain is None or chain[0] != tz_name:
                chains[point_id] = None
            else:
                chain[1].append(entry)
    return spans, chains


@dataclass
class _State:
    base: tuple[float, float]  # the last reading counted (the watermark)
    run_start: float | None  # since when the counter has shown base's value
    held_since: float | None  # readings after the base still held as suspect


@dataclass
class _Plan:
    point: PointInfo
    base: tuple[float, float] | None  # last counted reading before the window
    lo: float  # window: lo < ts <= hi
    hi: float
    replace_from: int | None  # first 15-minute bucket to recompute (late data), else None
    run_start: float | None = None


@dataclass
class _Done:
    """One point's part of a pass, ready to write."""

    point: PointInfo
    summary: counters.Summary
    plan: _Plan | None  # None: joined from the batches' deltas
    span: list[float]


# A pass writes its points in parts of about this many 15-minute buckets, so its memory stays
# bounded however much one pass covers (a long outage spreads over every quarter of the gap:
# 160 points × 11 days of gap were 170k buckets in one part, +120 MB, before this).
WRITE_BUCKETS = 20_000
PLAN_POINTS = 100  # recomputed points whose readings are read back at a time


def _roll(spans, chains, result: PassResult, retrying: set[int]) -> None:
    tz_by_park = dict(Park.objects.values_list("id", "timezone"))
    states = _load_states(list(spans))
    bucket_of = {tz: _quarters_of(tz) for tz in set(tz_by_park.values())}
    failed: list[tuple[int, list[float], BaseException]] = []
    writer = _PartWriter(tz_by_park, result, failed)
    plans: list[tuple[_Plan, list[float]]] = []
    for point_id, span in spans.items():
        point = registry.by_id(point_id)
        if point is None:  # deactivated since: its readings stay, its energy stops
            continue
        try:
            tz_name = tz_by_park[point.park_id]
            state = states.get(point_id)
            chained = _chain(point, state, chains.get(point_id), bucket_of, tz_name)
            if chained is not None:
                writer.add(_Done(point, chained, None, span))
            else:
                plans.append((_plan(point, span, state, tz_name), span))
        except Exception as exc:
            failed.append((point_id, span, exc))
    for start in range(0, len(plans), PLAN_POINTS):
        part = plans[start : start + PLAN_POINTS]
        readings = fetch_readings([(p.point.id, p.lo, p.hi) for p, _ in part])
        anchors = _anchors([p for p, _ in part])
        for plan, span in part:
            try:
                summary = counters.summarise(
                    plan.point.meter,
                    plan.base,
                    readings.get(plan.point.id, []),
                    bucket_of[tz_by_park[plan.point.park_id]],
                    run_start=plan.run_start,
                    anchors=anchors.get(plan.point.id),
                )
                writer.add(_Done(plan.point, summary, plan, span))
            except Exception as exc:
                failed.append((plan.point.id, span, exc))
        del readings
    writer.flush()
    quarantine.record(failed)
    quarantine.release(retrying, writer.written)


class _PartWriter:
    """Collects finished points and writes them a part at a time (WRITE_BUCKETS)."""

    def __init__(self, tz_by_park, result: PassResult, failed: list):
        self.tz_by_park, self.result, self.failed = tz_by_park, result, failed
        self.pending: list[_Done] = []
        self.buckets = 0
        self.written: list[int] = []

    def add(self, item: _Done) -> None:
        self.pending.append(item)
        self.buckets += len(item.summary.buckets)
        if self.buckets >= WRITE_BUCKETS:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            done = _write_isolated(self.pending, self.tz_by_park, self.result, self.failed)
            self.written += [d.point.id for d in done]
        self.pending, self.buckets = [], 0


def _load_states(point_ids: list[int]) -> dict[int, _State]:
    rows = PointState.objects.filter(point_id__in=point_ids).values_list(
        "point_id", "rolled_ts", "rolled_value", "run_start", "held_since"
    )
    return {
        point_id: _State((ts.timestamp(), value), run_start, held_since)
        for point_id, ts, value, run_start, held_since in rows
    }


def _write_isolated(done: list[_Done], tz_by_park, result: PassResult, failed) -> list[_Done]:
    """Write every point's part together (the common case: one statement per table); when
    that fails, write each point in its own savepoint so one bad point cannot hold the others
    back, and collect the ones that fail. Nothing half-written: a failed point's savepoint
    rolls back all of its rows."""
    try:
        with transaction.atomic():
            _write(done, tz_by_park, result)
        return done
    except Exception:
        pass
    written = []
    for item in done:
        try:
            with transaction.atomic():
                _write([item], tz_by_park, result)
            written.append(item)
        except Exception as exc:
            failed.append((item.point.id, item.span, exc))
    return written


def _write(done: list[_Done], tz_by_park, result: PassResult) -> None:
    replaced = [d.plan for d in done if d.plan is not None and d.plan.replace_from is not None]
    new_states, refused, gaps, decisions = [], [], [], []
    for item in done:
        point, summary = item.point, item.summary
        gaps += [(point, start, end) for start, end in summary.gaps]
        refused += [(point, s) for s in summary.refused]
        decisions += [(point, d) for d in summary.decisions]
        if summary.last is not None:
            new_states.append((point.id, *summary.last, summary.run_start, summary.held_since))
        result.readings += sum(b[1] for b in summary.buckets.values())
    # Each point is in `done` once: its buckets are the changes to its quarters.
    changes = {d.point.id: d.summary.buckets for d in done}
    _subtract_replaced(replaced, changes)
    _write_gaps(replaced, gaps)
    _refuse(refused)
    _write_decisions(replaced, decisions)
    _save_states(new_states)
    summaries = [(d.point, d.summary) for d in done]
    result.buckets_written += _apply(summaries, tz_by_park)
    result.points += len(done)
    result.recomputed_points += len(replaced)
    result.spikes += len(refused)
    result.gaps += len(gaps)


def _chain(point: PointInfo, state, chain, bucket_of, tz_name: str) -> counters.Summary | None:
    """The batches' own deltas joined onto the point's watermark; None (recompute from the
    readings) when they do not simply follow it, the point holds suspect readings, or they
    were bucketed in another time zone."""
    if chain is None or chain[0] != tz_name or (state is not None and state.held_since):
        return None
    base, run_start = (state.base, state.run_start) if state else (None, None)
    return deltas.join(point.meter, base, run_start, chain[1], bucket_of[tz_name])


def _quarters_of(tz_name: str):
    """quarter_start for one zone, remembered for the pass: points share their instants."""
    cache: dict[float, int] = {}

    def bucket_of(epoch: float) -> int:
        quarter = cache.get(epoch)
        if quarter is None:
            quarter = cache[epoch] = quarter_start(epoch, tz_name)
        return quarter

    return bucket_of


# Readings cannot be dated more than minutes ahead (validate.py): a window ending a day from
# now holds every reading after its start, the held ones included.
_AHEAD_S = 86400.0


def _plan(point: PointInfo, span, state: _State | None, tz_name: str) -> _Plan:
    lo, hi = span
    if state is not None and state.held_since:
        hi = max(hi, time.time() + _AHEAD_S)
    if state is None or lo > state.base[0]:
        start = state.base[0] if state else lo - 1e-6
        base = state.base if state else None
        return _Plan(point, base, start, hi, None, state.run_start if state else None)
    # Late data: recompute from the late reading's quarter up to the watermark (or beyond).
    first_quarter, base, run_start = _recompute_start(point.id, quarter_start(lo, tz_name), tz_name)
    end = max(hi, state.base[0])
    return _Plan(point, base, base[0] if base else first_quarter, end, first_quarter, run_start)


def _recompute_start(point_id: int, first_quarter: int, tz_name: str, steps: int = 8):
    """(quarter, base, run_start) a late-data recompute starts from: the base is the last
    reading at or before the quarter, with since when the counter has shown its value. A
    frozen value's catch-up is spread from there, a gap's from its start: the recompute starts
    early enough to replace every quarter it spreads over (else their shares count twice)."""
    base = run_start = None
    for _ in range(steps):
        first_quarter = _spread_start(point_id, first_quarter, tz_name)
        base = reading_at_or_before(point_id, first_quarter)
        if base is None:
            return first_quarter, None, None
        run_start = run_start_of(point_id, base)
        frozen_quarter = quarter_start(run_start + 1e-3, tz_name)
        if frozen_quarter >= first_quarter:
            break
        first_quarter = frozen_quarter
    return first_quarter, base, run_start


def _spread_start(point_id: int, first_quarter: int, tz_name: str, steps: int = 8) -> int:
    """The quarter a recompute must start at: a stored gap that crosses into `first_quarter`
    had its energy spread from the gap's start on, over earlier quarters too; recomputing only
    from `first_quarter` would book those shares again (a late batch at the end of a gap)."""
    for _ in range(steps):
        start = (
            Gap.objects.filter(point_id=point_id, start__lt=aware(first_quarter))
            .filter(end__gt=aware(first_quarter))
            .order_by("start")
            .values_list("start", flat=True)
            .first()
        )
        if start is None:
            break
        first_quarter = quarter_start(start.timestamp() + 1e-3, tz_name)
    return first_quarter


def _anchors(plans: list[_Plan]) -> dict[int, dict[float, float | None]]:
    """Staff decisions inside the plans' windows: {point: {ts: start value or None}}."""
    if not plans:
        return {}
    found: dict[int, dict[float, float | None]] = {}
    rows = CounterAnchor.objects.filter(point_id__in=[p.point.id for p in plans]).values_list(
        "point_id", "ts", "start_value"
    )
    windows = {p.point.id: (p.lo, p.hi) for p in plans}
    for point_id, ts, start in rows:
        lo, hi = windows[point_id]
        if lo < ts.timestamp() <= hi:
            found.setdefault(point_id, {})[ts.timestamp()] = start
    return found


def _subtract_replaced(replaced: list[_Plan], changes: dict[int, dict[int, list]]) -> None:
    """For recomputed points the new quarter values replace the stored ones: add new − old."""
    if not replaced:
        return
    with connection.cursor() as cursor:
        for plan in replaced:
            cursor.execute(
                "SELECT bucket, energy, readings, flagged_energy FROM energy_pointrollup "
                "WHERE point_id = %s AND level = %s AND bucket >= %s AND bucket <= %s",
                [plan.point.id, Level.QUARTER, db_ts(plan.replace_from), db_ts(plan.hi)],
            )
            quarters = changes[plan.point.id]
            for bucket, energy, readings, flagged in cursor.fetchall():
                counters.add_sums(quarters, int(epoch_of(bucket)), -energy, -readings, -flagged)


def _write_gaps(replaced: list[_Plan], gaps) -> None:
    for plan in replaced:  # their gaps are found again from the recomputed readings
        Gap.objects.filter(
            point_id=plan.point.id, end__gt=aware(plan.replace_from), end__lte=aware(plan.hi)
        ).delete()
    Gap.objects.bulk_create(
        [
            Gap(
                point_id=point.id,
                start=aware(start),
                end=aware(end),
                missing_intervals=max(1, round((end - start) / point.meter.interval_s) - 1),
            )
            for point, start, end in gaps
        ],
        ignore_conflicts=True,
    )


# A refused counter reading's dead-letter reason: stored texts (parkpilot.stored_text).
_REASONS = {
    counters.SPIKE: gettext_noop("Counter jump over the plausibility cap"),
    counters.DIP: gettext_noop("Lower than the counter's previous reading"),
    counters.ZERO: gettext_noop("Zero or near-zero reading"),
}
_WHY = {
    "recovered": gettext_noop("the counter recovered after it"),
    "replaced": gettext_noop("before a meter replacement or reset"),
    "held too long": gettext_noop("no recovery within the holding time"),
    "confirmed": gettext_noop("staff confirmed a replacement"),
}


def refusal_reason(refused: counters.Interval) -> str:
    why = _WHY.get(refused.why)
    if not why:
        return _REASONS[refused.flag]
    return stored(
        gettext_noop("%(flag_msg)s; %(why_msg)s."), flag_msg=_REASONS[refused.flag], why_msg=why
    )


def _refuse(refused) -> None:
    """A reading that broke the counter's trend and proved bad is moved to the dead letters
    (with the reason), so the counter goes on from the last good one. Nothing is lost."""
    if not refused:
        return
    now = timezone.now()
    DeadLetter.objects.bulk_create(
        DeadLetter(
            park_id=point.park_id,
            received_at=now,
            source="rollup",
            point_code=point.code,
            raw=f'{{"point": "{point.code}", "ts": "{aware(s.ts).isoformat()}", '
            f'"value": {s.value!r}}}',
            field="value",
            reason=refusal_reason(s),
        )
        for point, s in refused
    )
    delete_readings([(point.id, s.ts) for point, s in refused])


def _write_decisions(replaced: list[_Plan], decisions) -> None:
    """The cleaner's decisions, for the data-quality page. A recomputed window finds its
    adoptions again; its refusals stay (their readings are gone from the table)."""
    for plan in replaced:
        SuspectDecision.objects.filter(
            point_id=plan.point.id,
            ts__gt=aware(plan.replace_from),
            ts__lte=aware(plan.hi),
            status=SuspectDecision.Status.AUTOMATIC,
        ).exclude(decision=SuspectDecision.Decision.REFUSED).delete()
    if not decisions:
        return
    SuspectDecision.objects.bulk_create(
        [
            SuspectDecision(
                point_id=point.id,
                ts=aware(d.ts),
                value=d.value,
                base=d.base,
                decision=d.decision,
                reason=d.reason,
            )
            for point, d in decisions
        ],
        ignore_conflicts=True,
    )


def _save_states(new_states) -> None:
    param = ts_param_converter()
    now = param(timezone.now().timestamp())
    upsert_replace(
        "energy_pointstate",
        ["point_id"],
        ["rolled_ts", "rolled_value", "last_received_at", "run_start", "held_since"],
        ["bigint", "timestamptz", "float8", "timestamptz", "float8", "float8"],
        [(pid, param(ts), value, now, run, held) for pid, ts, value, run, held in new_states],
    )


def _apply(summaries: list[tuple[PointInfo, counters.Summary]], tz_by_park) -> int:
    """Add each quarter's change to the quarter, its hour/day/month, and the scopes' rows."""
    point_rows: list[tuple] = []
    scope_quarters: dict[tuple, list] = {}
    for point, summary in summaries:
        tz_name = tz_by_park[point.park_id]
        scopes = [
            (point.park_id, scope, scope_id, enterprise_id, point.kind)
            for scope, scope_id, enterprise_id in _scopes(point)
        ]
        upper: dict[tuple[str, int], list] = {}
        for quarter, sums in summary.buckets.items():
            if not (sums[0] or sums[1] or sums[2]):
                continue
            point_rows.append((point.id, Level.QUARTER, quarter, *sums))
            for key in zip(UPPER_LEVELS, parents(quarter, tz_name), strict=True):
                counters.add_sums(upper, key, *sums)
            for scope in scopes:
                counters.add_sums(scope_quarters, (*scope, quarter), *sums)
        point_rows += [(point.id, *key, *sums) for key, sums in upper.items()]
    # Scopes are few: sum their quarters first, then carry each sum up the levels.
    scope_rows: dict[tuple, list] = {}
    for (park_id, scope, sid, ent, kind, quarter), sums in scope_quarters.items():
        buckets = (quarter, *parents(quarter, tz_by_park[park_id]))
        for level, bucket in zip(LEVELS, buckets, strict=True):
            counters.add_sums(scope_rows, (park_id, scope, sid, ent, kind, level, bucket), *sums)
    _upsert_point_rows(point_rows)
    _upsert_scope_rows(scope_rows)
    return len(point_rows) + len(scope_rows)


def _scopes(point: PointInfo):
    # A sub-meter measures part of what its parent already measures: it has its own point
    # rollups, but adding it to the enterprise, zone and park totals would count it twice.
    if point.parent_id is not None:
        return
    yield Scope.PARK, point.park_id, None
    if point.owner_id:
        yield Scope.ENTERPRISE, point.owner_id, point.owner_id
    else:
        yield Scope.PUBLIC, point.park_id, None
    if point.zone_id:
        yield Scope.ZONE, point.zone_id, None


def _upsert_point_rows(rows: list[tuple]) -> None:
    param = ts_param_converter()
    rows = [(pid, level, param(bucket), *sums) for pid, level, bucket, *sums in rows]
    rows = _subtract_in_place("energy_pointrollup", ["point_id", "level", "bucket"], rows)
    upsert_add(
        "energy_pointrollup",
        ["point_id", "level", "bucket"],
        [],
        ["energy", "readings", "flagged_energy"],
        ["bigint", "text", "timestamptz", "float8", "int", "float8"],
        rows,
    )


_SCOPE_KEY = ["park_id", "scope", "scope_id", "kind", "level", "bucket"]


def _upsert_scope_rows(rows: dict[tuple, list]) -> None:
    param = ts_param_converter()
    keyed = [
        (park, scope, sid, kind, level, param(bucket), *sums)
        for (park, scope, sid, ent, kind, level, bucket), sums in rows.items()
    ]
    enterprises = {
        (park, scope, sid, kind, level, param(bucket)): ent
        for (park, scope, sid, ent, kind, level, bucket) in rows
    }
    keyed = _subtract_in_place("energy_energyrollup", _SCOPE_KEY, keyed)
    upsert_add(
        "energy_energyrollup",
        _SCOPE_KEY,
        ["enterprise_id"],
        ["energy", "readings", "flagged_energy"],
        [
            "bigint",
            "text",
            "bigint",
            "text",
            "text",
            "timestamptz",
            "bigint",
            "float8",
            "int",
            "float8",
        ],
        [(*row[:6], enterprises[row[:6]], *row[6:]) for row in keyed],
    )


def _subtract_in_place(table: str, key: list[str], rows: list[tuple]) -> list[tuple]:
    """Rows that take readings away (a recompute found fewer than were counted) are applied
    as an UPDATE of the stored row: an INSERT … ON CONFLICT would check the candidate row,
    negative, against the table's `readings >= 0` constraint and fail the whole pass (the
    late-zero freeze). Returns the other rows, for the upsert."""
    width = len(key)
    taking = [row for row in rows if row[width + 1] < 0]
    if not taking:
        return rows
    where = " AND ".join(f"{c} = %s" for c in key)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET energy = energy + %s, readings = readings + %s, "
            f"flagged_energy = flagged_energy + %s WHERE {where}",
            [(*row[width:], *row[:width]) for row in taking],
        )
    return [row for row in rows if row[width + 1] >= 0]
