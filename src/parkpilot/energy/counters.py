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
