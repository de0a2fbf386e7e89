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

from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from parkpilot.energy import counters
from parkpilot.energy.buckets import aware, parents, quarter_start
from parkpilot.energy.ingest import deltas
from parkpilot.energy.ingest.store import (
    db_ts,
    delete_readings,
    epoch_of,
    fetch_readings,
    reading_at_or_before,
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
)
from parkpilot.energy.registry import PointInfo, registry
from parkpilot.gcpause import gc_paused
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


def rollup_pending(*, limit: int = 2000) -> PassResult:
    """Roll up what intake committed since the last pass. Safe to call from anywhere, any time."""
    result = PassResult()
    with gc_paused(), transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        batches = list(
            IngestBatch.objects.order_by("id").values_list("id", "ranges", "deltas")[:limit]
        )
        if not batches:
            return result
        spans, chains = _merge(batches)
        _roll(spans, chains, result)
        IngestBatch.objects.filter(id__in=[b[0] for b in batches]).delete()
        result.batches = len(batches)
    return result


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
class _Plan:
    point: PointInfo
    base: tuple[float, float] | None  # last counted reading before the window
    lo: float  # window: lo < ts <= hi
    hi: float
    replace_from: int | None  # first 15-minute bucket to recompute (late data), else None


def _roll(spans, chains, result: PassResult) -> None:
    tz_by_park = dict(Park.objects.values_list("id", "timezone"))
    states = {
        point_id: (ts.timestamp(), value)
        for point_id, ts, value in PointState.objects.filter(point_id__in=list(spans)).values_list(
            "point_id", "rolled_ts", "rolled_value"
        )
    }
    bucket_of = {tz: _quarters_of(tz) for tz in set(tz_by_park.values())}
    summaries: list[tuple[PointInfo, counters.Summary]] = []
    plans = []
    for point_id, span in spans.items():
        point = registry.by_id(point_id)
        if point is None:  # deactivated since: its readings stay, its energy stops
            continue
        tz_name = tz_by_park[point.park_id]
        chained = _chain(point, states.get(point_id), chains.get(point_id), bucket_of, tz_name)
        if chained is not None:
            summaries.append((point, chained))
        else:
            plans.append(_plan(point, span, states, tz_name))
    readings = fetch_readings([(p.point.id, p.lo, p.hi) for p in plans])
    for plan in plans:
        summary = counters.summarise(
            plan.point.meter,
            plan.base,
            readings.get(plan.point.id, []),
            bucket_of[tz_by_park[plan.point.park_id]],
        )
        summaries.append((plan.point, summary))
    replaced = [plan for plan in plans if plan.replace_from is not None]
    new_states, spikes, gaps = [], [], []
    for point, summary in summaries:
        gaps += [(point, start, end) for start, end in summary.gaps]
        spikes += [(point, s) for s in summary.spikes]
        if summary.last is not None:
            new_states.append((point.id, *summary.last))
        result.readings += sum(b[1] for b in summary.buckets.values())
    # Each point is in `summaries` once: its buckets are the changes to its quarters.
    changes = {point.id: summary.buckets for point, summary in summaries}
    _subtract_replaced(replaced, changes)
    _write_gaps(replaced, gaps)
    _refuse_spikes(spikes)
    _save_states(new_states)
    result.buckets_written = _apply(summaries, tz_by_park)
    result.points, result.recomputed_points = len(summaries), len(replaced)
    result.spikes, result.gaps = len(spikes), len(gaps)


def _chain(point: PointInfo, state, chain, bucket_of, tz_name: str) -> counters.Summary | None:
    """The batches' own deltas joined onto the point's watermark; None (recompute from the
    readings) when they do not simply follow it, or were bucketed in another time zone."""
    if chain is None or chain[0] != tz_name:
        return None
    return deltas.join(point.meter, state, chain[1], bucket_of[tz_name])


def _quarters_of(tz_name: str):
    """quarter_start for one zone, remembered for the pass: points share their instants."""
    cache: dict[float, int] = {}

    def bucket_of(epoch: float) -> int:
        quarter = cache.get(epoch)
        if quarter is None:
            quarter = cache[epoch] = quarter_start(epoch, tz_name)
        return quarter

    return bucket_of


def _plan(point: PointInfo, span, states, tz_name: str) -> _Plan:
    lo, hi = span
    state = states.get(point.id)  # (ts, value) of the last reading counted
    if state is None or lo > state[0]:
        start = state[0] if state else lo - 1e-6
        return _Plan(point, state, start, hi, None)
    # Late data: recompute from the late reading's quarter up to the watermark (or beyond).
    first_quarter = quarter_start(lo, tz_name)
    base = reading_at_or_before(point.id, first_quarter)
    end = max(hi, state[0])
    return _Plan(point, base, base[0] if base else first_quarter, end, first_quarter)


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


def _refuse_spikes(spikes) -> None:
    """A counter jump the meter cannot physically make is moved to the dead letters (with the
    reason), so the next reading is compared with the last good one. Nothing is lost."""
    if not spikes:
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
            reason="计数跳变超过额定上限 / counter jump over the plausibility cap",
        )
        for point, s in spikes
    )
    delete_readings([(point.id, s.ts) for point, s in spikes])


def _save_states(new_states) -> None:
    param = ts_param_converter()
    now = param(timezone.now().timestamp())
    upsert_replace(
        "energy_pointstate",
        ["point_id"],
        ["rolled_ts", "rolled_value", "last_received_at"],
        ["bigint", "timestamptz", "float8", "timestamptz"],
        [(pid, param(ts), value, now) for pid, ts, value in new_states],
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
    upsert_add(
        "energy_pointrollup",
        ["point_id", "level", "bucket"],
        [],
        ["energy", "readings", "flagged_energy"],
        ["bigint", "text", "timestamptz", "float8", "int", "float8"],
        [(pid, level, param(bucket), *sums) for pid, level, bucket, *sums in rows],
    )


def _upsert_scope_rows(rows: dict[tuple, list]) -> None:
    param = ts_param_converter()
    upsert_add(
        "energy_energyrollup",
        ["park_id", "scope", "scope_id", "kind", "level", "bucket"],
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
        [
            (park, scope, sid, kind, level, param(bucket), ent, *sums)
            for (park, scope, sid, ent, kind, level, bucket), sums in rows.items()
        ],
    )
