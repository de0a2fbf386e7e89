"""Turning a point's readings into interval energy. Pure functions, no database.

A cumulative register's energy for the interval that ends at a reading is the difference to the
previous reading. A counter that goes backwards either rolled over (it passed its maximum and
restarted at zero) or was reset (replaced, cleared): a roll-over adds the distance to the maximum,
a reset counts what the counter shows since zero. Neither yields negative energy, and a jump
larger than the meter can physically deliver in the elapsed time (the plausibility cap) is a
spike: the reading is refused and the next one is compared with the last good reading."""

from dataclasses import dataclass

# Tolerance over the rated maximum before a value counts as physically impossible.
CAP_TOLERANCE = 1.2
# A pause longer than this many expected intervals is a gap (flagged, never filled in).
GAP_FACTOR = 2.5

OK, FIRST, RESET, ROLLOVER, GAP, SPIKE = "ok", "first", "reset", "rollover", "gap", "spike"


@dataclass(frozen=True)
class Meter:
    cumulative: bool
    scale: float  # multiplier (CT×PT) × unit factor to the kind's canonical unit
    rollover: float | None  # counter maximum, in meter units
    cap_per_s: float  # rated maximum per second, canonical units (after scale)
    interval_s: int


def cap_for(meter: Meter, elapsed_s: float) -> float:
    return meter.cap_per_s * max(elapsed_s, meter.interval_s) * CAP_TOLERANCE


def interval_energy(
    meter: Meter, prev: tuple[float, float] | None, ts: float, value: float
) -> tuple[float, str]:
    """(energy in canonical units, flag) for the interval ending at `ts` (epoch seconds)."""
    if not meter.cumulative:
        return value * meter.scale, OK
    if prev is None:
        return 0.0, FIRST
    prev_ts, prev_value = prev
    elapsed = ts - prev_ts
    cap = cap_for(meter, elapsed)
    if value >= prev_value:
        energy, flag = (value - prev_value) * meter.scale, OK
    else:
        energy, flag = _backwards(meter, prev_value, value, cap)
    if energy > cap:
        return energy, SPIKE
    if flag == OK and elapsed > meter.interval_s * GAP_FACTOR:
        flag = GAP
    return energy, flag


def _backwards(meter: Meter, prev_value: float, value: float, cap: float) -> tuple[float, str]:
    if meter.rollover:
        wrapped = (meter.rollover - prev_value + value) * meter.scale
        if 0 <= wrapped <= cap:
            return wrapped, ROLLOVER
    return value * meter.scale, RESET


@dataclass
class Interval:
    ts: float
    value: float
    energy: float
    flag: str
    gap_after: float | None = None  # ts of the previous reading when a gap precedes this one


def intervals(
    meter: Meter, base: tuple[float, float] | None, readings: list[tuple[float, float]]
) -> tuple[list[Interval], list[Interval]]:
    """Energy per reading, in order, starting from `base` (the last reading already counted).
    Returns (intervals, spikes); spikes are not part of the sequence."""
    kept: list[Interval] = []
    spikes: list[Interval] = []
    prev = base
    for ts, value in readings:
        energy, flag = interval_energy(meter, prev, ts, value)
        if flag == SPIKE:
            spikes.append(Interval(ts, value, energy, flag))
            continue
        gap_after = None
        if prev is not None and ts - prev[0] > meter.interval_s * GAP_FACTOR:
            gap_after = prev[0]
        kept.append(Interval(ts, value, energy, flag, gap_after))
        prev = (ts, value)
    return kept, spikes


def plain_energy(meter: Meter, prev, ts: float, value: float) -> float | None:
    """The interval's energy when it is the common case (a counter that rose by a plausible
    amount since a recent reading: no reset, roll-over, spike or gap), else None. The same
    rule `summarise` applies inline."""
    if prev is None or not meter.cumulative or value < prev[1]:
        return None
    elapsed = ts - prev[0]
    energy = (value - prev[1]) * meter.scale
    cap_per_s = meter.cap_per_s * CAP_TOLERANCE  # as summarise computes it, to the last bit
    cap = max(meter.cap_per_s * meter.interval_s * CAP_TOLERANCE, cap_per_s * elapsed)
    if energy > cap or elapsed > meter.interval_s * GAP_FACTOR:
        return None
    return energy


def add_sums(table: dict, key, energy: float, readings: int, flagged: float) -> None:
    """table[key] += [energy, readings, flagged energy]: the bucket sums of a Summary, and of
    every rollup row built from them."""
    sums = table.get(key)
    if sums is None:
        table[key] = [energy, readings, flagged]
    else:
        sums[0] += energy
        sums[1] += readings
        sums[2] += flagged


@dataclass
class Summary:
    """A point's readings in a window, reduced to per-bucket sums (what the rollup stage needs)."""

    buckets: dict[int, list]  # bucket start → [energy, readings, flagged energy]
    spikes: list[Interval]
    gaps: list[tuple[float, float]]  # (previous reading, next reading)
    last: tuple[float, float] | None  # the last reading counted


def summarise(
    meter: Meter,
    base,
    readings: list[tuple[float, float]],
    bucket_of,
    bucket_length: int = 900,
) -> Summary:
    """`intervals` reduced into buckets in one pass. The common case (a counter that rose by a
    plausible amount since a recent reading) is computed inline; anything else goes through
    `interval_energy` so there is one set of rules."""
    buckets: dict[int, list] = {}
    spikes: list[Interval] = []
    gaps: list[tuple[float, float]] = []
    prev = base
    lo = hi = 0.0  # the current bucket's (start, end]; readings are in time order
    sums: list = []
    scale, gap_s = meter.scale, meter.interval_s * GAP_FACTOR
    cap_per_s = meter.cap_per_s * CAP_TOLERANCE
    min_cap = meter.cap_per_s * meter.interval_s * CAP_TOLERANCE
    for ts, value in readings:
        flagged = False
        if prev is not None and meter.cumulative and value >= prev[1]:
            elapsed = ts - prev[0]
            energy = (value - prev[1]) * scale
            if energy > max(min_cap, cap_per_s * elapsed):
                spikes.append(Interval(ts, value, energy, SPIKE))
                continue
            if elapsed > gap_s:
                gaps.append((prev[0], ts))
                flagged = True
        else:
            energy, flag = interval_energy(meter, prev, ts, value)
            if flag == SPIKE:
                spikes.append(Interval(ts, value, energy, flag))
                continue
            if prev is not None and ts - prev[0] > gap_s:
                gaps.append((prev[0], ts))
            flagged = flag != OK
        if not lo < ts <= hi:
            bucket = bucket_of(ts)
            lo, hi = bucket, bucket + bucket_length
            sums = buckets.get(bucket)
            if sums is None:
                sums = buckets[bucket] = [0.0, 0, 0.0]
        sums[0] += energy
        sums[1] += 1
        if flagged:
            sums[2] += energy
        prev = (ts, value)
    return Summary(buckets, spikes, gaps, prev if prev is not base else None)
