"""Turning a point's readings into interval energy: counter cleaning. Pure functions, no database.

A cumulative register's energy for the interval that ends at a reading is its rise since the
last good reading (the *base*), × multiplier × unit factor. A reading that breaks the trend —
lower than the base (a dip, a zero, a reset), or higher than the meter can deliver in the
elapsed time (the plausibility cap: rated maximum × elapsed × 1.2) — is not taken at face value:
it is *held* as suspect and decided by the readings that follow.

  - recovery: a later reading fits the base again (a plausible rise): every held reading was a
    bad one (a dip, a zero, a spike) and is refused, each with its reason (except held
    readings on the base's trend on the way to it); the recovering reading counts its rise
    over the base. One bad reading costs only itself.
  - climbing back: a held run from below the base that rises until a reading fits both the
    base and the run is a recovery or a run that reached the old value (a new counter at a
    small base, low readings at a small value): held on; a reading that breaks the run but
    fits the base decides for the recovery, one below the run is a dip of it, a run that
    keeps on is adopted (as a new meter only if it started where a reset to zero would be).
  - a new trend: the held readings end in a run that rises from a new base at a plausible rate
    for `ADOPT_S` (and at least `ADOPT_READINGS` readings): a meter replacement or reset. The
    run is adopted: its first reading counts what the counter shows since zero when that is
    plausible (a reset to zero), else nothing (staff can confirm the replacement with its start
    value); its later readings count their rises; held readings before the run are refused.
  - bounded: nothing is held longer than `HOLD_MAX_S` or `HOLD_MAX_READINGS`. Then the run the
    counter now shows is adopted (a flat one too: an idle new meter), except a run of zero or
    near-zero readings, which is refused instead (a zero counts no energy, and the base it
    would replace may still recover).
  - a roll-over (the counter passed its configured maximum) that is plausible in the elapsed
    time is held for one reading: when the next carries on from it, it is counted (flagged);
    when the next fits the old base instead, it was a zero or a dip near the top, refused.
  - a surge: held readings above the base that keep rising, until a reading fits both the base
    and their rise, were true after all (the cap judged a fast rise too fast): counted, not
    refused (the same energy either way).
  - stuck (frozen) values: the counter shows the same value for a while, then jumps by what
    flowed meanwhile. The jump is checked against the time since the value first appeared, and
    its energy is spread over that span, marked estimated, with a `stuck` decision.
  - a gap (no reading for over `GAP_FACTOR` expected intervals): the difference across it is
    spread over the gap by time (each 15-minute bucket gets its share), marked estimated (the
    flagged energy), never lumped into the bucket after the gap and never dropped.

`summarise` is the one engine: the rollup stage's recompute path calls it with the point's
saved state (base, since when it shows that value, readings still held); intake computes a
batch's deltas with `plain_batch`, which only accepts the common case (every interval a
plausible rise, no gap) and leaves everything else to `summarise`."""

import math
from dataclasses import dataclass, field

# Tolerance over the rated maximum before a value counts as physically impossible.
CAP_TOLERANCE = 1.2
# A pause longer than this many expected intervals is a gap (its energy spread, flagged).
GAP_FACTOR = 2.5
# A new trend is adopted (meter replaced or reset) once it has risen plausibly for this long...
ADOPT_S = 3600.0
# ... over at least this many readings.
ADOPT_READINGS = 4
# Nothing is held longer than this (time, or number of readings): then it is decided anyway.
HOLD_MAX_S = 6 * 3600.0
HOLD_MAX_READINGS = 4000
# A reading at or below this fraction of the base is a zero / near-zero reading.
NEAR_ZERO = 0.01

# Flags of counted intervals.
OK, FIRST, ROLLOVER, GAP, STUCK, RESET = "ok", "first", "rollover", "gap", "stuck", "reset"
SURGE = "surge"  # a jump over the cap that the readings after it bore out
# Why a reading was refused.
SPIKE, DIP, ZERO = "spike", "dip", "zero"
# Decisions worth a person's look (SuspectDecision rows).
REFUSED, REPLACED, FORCED, CONFIRMED, ACCEPTED = (
    "refused",
    "replaced",
    "forced",
    "confirmed",
    "accepted",
)


@dataclass(frozen=True)
class Meter:
    cumulative: bool
    scale: float  # multiplier (CT×PT) × unit factor to the kind's canonical unit
    rollover: float | None  # counter maximum, in meter units
    cap_per_s: float  # rated maximum per second, canonical units (after scale)
    interval_s: int


def cap_for(meter: Meter, elapsed_s: float) -> float:
    return meter.cap_per_s * max(elapsed_s, meter.interval_s) * CAP_TOLERANCE


@dataclass
class Interval:
    """A refused reading (flag: spike / dip / zero), kept for the dead letters."""

    ts: float
    value: float
    energy: float
    flag: str
    why: str = ""  # recovered / replaced / held too long / confirmed


@dataclass
class Decision:
    """What the cleaner decided about a reading that broke the trend."""

    ts: float
    value: float
    decision: str  # refused / replaced / forced / stuck / confirmed / accepted
    reason: str  # spike / dip / zero for refusals, else a short code
    base: float | None = None  # the counter's value before it (the last good reading)


@dataclass
class Summary:
    """A point's readings in a window, reduced to per-bucket sums (what the rollup stage needs)."""

    buckets: dict[int, list]  # bucket start → [energy, readings, flagged energy]
    refused: list[Interval]
    gaps: list[tuple[float, float]]  # (previous reading, next reading)
    last: tuple[float, float] | None  # the base after these readings (last reading counted)
    run_start: float | None = None  # since when the counter has shown last's value
    held: list[tuple[float, float]] = field(default_factory=list)  # readings not decided yet
    decisions: list[Decision] = field(default_factory=list)

    @property
    def spikes(self) -> list[Interval]:  # the name the rollup stage used before
        return self.refused

    @property
    def held_since(self) -> float | None:
        return self.held[0][0] if self.held else None


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


def spread(buckets: dict, bucket_of, start: float, end: float, energy: float, length=900):
    """Add `energy`, flowed over (start, end], to the buckets by time: each bucket gets the
    share of the span that falls in it, all of it flagged (estimated)."""
    span = end - start
    # bucket_of(t) is the bucket of an interval ENDING at t: the span's first instant, just
    # after `start`, is in bucket_of(start) unless `start` is that bucket's very end.
    bucket = bucket_of(start)
    if bucket + length <= start:
        bucket += length
    while bucket < end:
        lo, hi = max(bucket, start), min(bucket + length, end)
        if hi > lo:
            share = energy * (hi - lo) / span
            add_sums(buckets, bucket, share, 0, share)
        bucket += length


def plain_energy(meter: Meter, prev, ts: float, value: float) -> float | None:
    """The interval's energy when it is the common case (a counter that rose by a plausible
    amount since a recent reading: nothing held, no roll-over, jump or gap; or an interval
    register), else None. The same rule `summarise` applies inline."""
    if not meter.cumulative:
        gap = prev is not None and ts - prev[0] > meter.interval_s * GAP_FACTOR
        return None if gap else value * meter.scale
    if prev is None or value < prev[1]:
        return None
    elapsed = ts - prev[0]
    energy = (value - prev[1]) * meter.scale
    cap_per_s = meter.cap_per_s * CAP_TOLERANCE  # as summarise computes it, to the last bit
    cap = max(meter.cap_per_s * meter.interval_s * CAP_TOLERANCE, cap_per_s * elapsed)
    if energy > cap or elapsed > meter.interval_s * GAP_FACTOR:
        return None
    return energy


def plain_batch(meter: Meter, readings: list[tuple[float, float]], bucket_of, length=900):
    """Intake's deltas: ({bucket: sums}, tail_run_start) for readings[1:] against the one
    before each, when every interval is plain (`plain_energy`); None when any is not (then
    only the rollup stage, which knows the point's state, can decide). `tail_run_start` is the
    first reading of the run of equal values the batch ends with."""
    buckets: dict[int, list] = {}
    prev = readings[0]
    run_start = prev[0]
    lo = hi = 0.0
    sums: list = []
    for ts, value in readings[1:]:
        energy = plain_energy(meter, prev, ts, value)
        if energy is None:
            return None
        if not lo < ts <= hi:
            bucket = bucket_of(ts)
            lo, hi = bucket, bucket + length
            sums = buckets.get(bucket)
            if sums is None:
                sums = buckets[bucket] = [0.0, 0, 0.0]
        sums[0] += energy
        sums[1] += 1
        if value != prev[1]:
            run_start = ts
        prev = (ts, value)
    return buckets, run_start


class _Cleaner:
    """The rules for everything but the common case; `summarise` runs the common case inline
    and hands each other reading to `step`."""

    def __init__(self, meter: Meter, base, run_start, held, anchors, bucket_of, length):
        self.meter = meter
        self.prev = base
        self.run_start = run_start if run_start is not None else (base[0] if base else None)
        self.held: list[tuple[float, float]] = []
        self.trend_start = 0  # index in held of the run that rises plausibly
        self.anchors = sorted(anchors.items()) if anchors else []
        self.bucket_of = bucket_of
        self.length = length
        self.buckets: dict[int, list] = {}
        self.refused: list[Interval] = []
        self.gaps: list[tuple[float, float]] = []
        self.decisions: list[Decision] = []
        for ts, value in held or ():
            self.step(ts, value)

    @property
    def next_anchor(self) -> float:
        return self.anchors[0][0] if self.anchors else math.inf

    # --- one reading -------------------------------------------------------------------------

    def step(self, ts: float, value: float) -> None:
        while self.anchors and self.anchors[0][0] <= ts:
            anchor_ts, start = self.anchors.pop(0)
            if start is not None:
                self._replaced_at(anchor_ts, start)
            elif anchor_ts == ts:
                self._accept_confirmed(ts, value)
                return
        meter, prev = self.meter, self.prev
        if not meter.cumulative:
            self._count(ts, value, value * meter.scale, ts, OK)
            return
        if prev is None:
            self._count(ts, value, 0.0, ts, FIRST)
            return
        judged = self._judge(ts, value)
        if judged is None or judged[2] == ROLLOVER:
            # A roll-over waits for the next reading to rise from it (a zero near the top is
            # not one): the held readings may start with one, followed by bad readings.
            run = self._wrap_run()
            step = self._step_from(run - 1, ts, value) if run else None
            if step == "rise":
                self._refuse(self.held[run:], "recovered")
                self._count_held(ROLLOVER, run)
                judged = self._judge(ts, value)
            elif judged is not None and self.held and not run and not self._carries_on(ts, value):
                # This reading is itself a roll-over: what was held before it was bad.
                self._refuse(self.held, "recovered")
            if step != "rise":
                self._hold(ts, value)
                return
        if self.held and self._vindicates(ts, value):
            self._count_held(SURGE)
            judged = self._judge(ts, value)
        elif self.held and self._climbs_back(ts, value):
            self._hold(ts, value)  # two explanations: the readings after it decide
            return
        elif self.held and self._falls_below_climbed_run(value):
            # The run that climbed back is the counter's trend; the reading falls below it.
            last = self.held.pop()
            self._recover(*last)
            self._count(*last, *self._judge(*last))
            self.step(ts, value)
            return
        elif self.held:  # a recovery
            self._recover(ts, value)
            judged = self._judge(ts, value)
        self._count(ts, value, *judged)

    def _falls_below_climbed_run(self, value: float) -> bool:
        """The held readings' newest run began below the base and has climbed back to fit it
        (`_climbs_back`), and the reading, which fits the base too, is lower than the run:
        judged against the run, it is a dip."""
        last_ts, last_value = self.held[-1]
        return (
            value < last_value
            and self.held[self.trend_start][1] < self.prev[1] <= last_value
            and self._judge(last_ts, last_value) is not None
        )

    def _recover(self, ts: float, value: float) -> None:
        """The reading fits the base: the held readings were bad ones, refused, except those
        on the base's trend on the way to it (a run that climbed back above the base, then
        other bad readings): counted, so that one bad reading still costs only itself. Each
        step is judged as the held runs were (`_step_from`)."""
        kept: list[int] = []
        for index, (held_ts, held_value) in enumerate(self.held):
            if kept:
                on_trend = self._step_from(kept[-1], held_ts, held_value) is not None
            else:
                judged = self._judge(held_ts, held_value)
                on_trend = held_value >= self.prev[1] and judged is not None
            if on_trend and self._step_from(index, ts, value) is not None:
                kept.append(index)
        held, self.held = self.held, []
        on_trend = set(kept)
        self._refuse([r for i, r in enumerate(held) if i not in on_trend], "recovered")
        self._count_on([held[i] for i in kept])

    def _vindicates(self, ts: float, value: float) -> bool:
        """The reading fits the base and also carries on the held readings' rise, which all
        sit above the base: a surge the cap judged too fast, not bad readings. Counting them
        gives the same energy as refusing them, and refuses nothing that may be true."""
        held, meter = self.held, self.meter
        if self.trend_start or held[0][1] < self.prev[1]:
            return False
        last_ts, last_value = held[-1]
        return 0 <= (value - last_value) * meter.scale <= cap_for(meter, ts - last_ts)

    def _climbs_back(self, ts: float, value: float) -> bool:
        """The reading fits the base, and also carries on the held readings' newest run, which
        began below the base and rises: either a recovery from bad readings or a run that has
        climbed back to the base's value — a new counter at a light load or a small base (a
        second replacement, a replacement after a roll-over), or low readings (11 % low at a
        small value) whose rise has overtaken the base. Neither is decided yet: a reading
        that fits the base but breaks the run decides for the recovery; a run that keeps on
        for `ADOPT_S` is decided by `_adopt`. Deciding now would refuse true readings."""
        return self.held[self.trend_start][1] < self.prev[1] and self._carries_on(ts, value)

    def _carries_on(self, ts: float, value: float) -> bool:
        """The held readings' newest run rises and the reading carries it on: a new meter's
        counter (held until adopted), not bad readings before a roll-over. A replacement a few
        kWh below the old meter's maximum soon looks like a plausible wrap from the old base."""
        run = self.held[self.trend_start :]
        return run[-1][1] > run[0][1] and self._step_from(len(self.held) - 1, ts, value) is not None

    def _wrap_run(self) -> int:
        """How many held readings are a roll-over followed by its plain run (0: none)."""
        held = self.held
        if not held or self._wrap(*held[0]) is None:
            return 0
        run = 1
        while run < len(held) and self._step_from(run - 1, *held[run]) is not None:
            run += 1
        return run

    def _step_from(self, index: int, ts: float, value: float) -> str | None:
        """ "rise" or "flat" when going from held reading `index` to the reading is plausible
        (a catch-up jump after a frozen value checked since the value first appeared, as at
        the base), else None."""
        before = self.held[index]
        rise = (value - before[1]) * self.meter.scale
        if rise < 0:
            return None
        if rise > cap_for(self.meter, ts - before[0]):
            frozen = index
            while frozen and self.held[frozen - 1][1] == before[1]:
                frozen -= 1
            if rise > cap_for(self.meter, ts - self.held[frozen][0]):
                return None
        return "rise" if rise > 0 else "flat"

    def _count_held(self, flag: str, upto: int | None = None) -> None:
        """Count the held readings (the first `upto`) after all: the first one's step from the
        base is a surge or a roll-over, the others rise plainly."""
        held, self.held = self.held[:upto], []
        (first_ts, first_value), (prev_ts, prev_value) = held[0], self.prev
        if flag == ROLLOVER:
            energy, since = self._wrap(first_ts, first_value)
        else:
            energy, since = (first_value - prev_value) * self.meter.scale, prev_ts
        self._count(first_ts, first_value, energy, since, flag)
        self._count_on(held[1:])

    def _judge(self, ts: float, value: float):
        """(energy, spread from, flag) when the reading fits the base, else None."""
        meter, (prev_ts, prev_value) = self.meter, self.prev
        cap = cap_for(meter, ts - prev_ts)
        if value >= prev_value:
            energy = (value - prev_value) * meter.scale
            if energy <= cap:
                return energy, prev_ts, OK
            frozen = self.run_start
            if frozen is not None and frozen < prev_ts and energy <= cap_for(meter, ts - frozen):
                return energy, frozen, STUCK
            return None
        wrap = self._wrap(ts, value)
        return (*wrap, ROLLOVER) if wrap else None

    def _wrap(self, ts: float, value: float):
        """(energy, since) when going from the base to `value` can be a roll-over: within the
        cap since the base, or since the base's value first appeared (a frozen dial)."""
        meter, (prev_ts, prev_value) = self.meter, self.prev
        if not meter.rollover or value >= prev_value:
            return None
        wrapped = (meter.rollover - prev_value + value) * meter.scale
        if 0 <= wrapped <= cap_for(meter, ts - prev_ts):
            return wrapped, prev_ts
        frozen = self.run_start
        if frozen is not None and frozen < prev_ts and 0 <= wrapped <= cap_for(meter, ts - frozen):
            return wrapped, frozen
        return None

    def _count(self, ts: float, value: float, energy: float, since: float, flag: str) -> None:
        """Count a reading: its energy flowed over (since, ts]; spread by time over the span
        when that is longer than a gap (marked estimated)."""
        meter, prev = self.meter, self.prev
        gap_s = meter.interval_s * GAP_FACTOR
        missing = prev is not None and flag != FIRST and ts - prev[0] > gap_s
        if missing and flag in (OK, ROLLOVER):
            self.gaps.append((prev[0], ts))
            if flag == OK and meter.cumulative:
                flag = GAP
        if meter.cumulative and flag != FIRST and ts - since > gap_s and energy:
            spread(self.buckets, self.bucket_of, since, ts, energy, self.length)
            add_sums(self.buckets, self.bucket_of(ts), 0.0, 1, 0.0)
        else:
            flagged = energy if flag not in (OK, FIRST) else 0.0
            add_sums(self.buckets, self.bucket_of(ts), energy, 1, flagged)
        if flag == STUCK:
            self.decisions.append(Decision(ts, value, STUCK, "frozen", prev[1]))
        if prev is None or value != prev[1]:
            self.run_start = ts
        self.prev = (ts, value)

    # --- held readings -----------------------------------------------------------------------

    def _hold(self, ts: float, value: float) -> None:
        held = self.held
        if held:
            if self._step_from(len(held) - 1, ts, value) is None:
                self.trend_start = len(held)
        else:
            self.trend_start = 0
        held.append((ts, value))
        run = held[self.trend_start :]
        first, last = run[0], run[-1]
        if len(run) >= ADOPT_READINGS and last[0] - first[0] >= ADOPT_S and last[1] > first[1]:
            self._adopt(REPLACED)
        elif held[-1][0] - held[0][0] >= HOLD_MAX_S or len(held) >= HOLD_MAX_READINGS:
            if last[1] <= self.prev[1] * NEAR_ZERO:
                self._refuse(held, "held too long")
            else:
                self._adopt(FORCED)

    def _adopt(self, decision: str) -> None:
        """The held readings end in a run from a new base: a replacement or reset. Unless
        the run has climbed back to fit the base and did not start where a counter reset to
        zero would be: then the old trend carries on (low readings, then the true ones),
        and the readings before the first that fits it were the bad ones."""
        run = self.held[self.trend_start :]
        (ts, value), (prev_ts, prev_value) = run[0], self.prev
        since_zero = value * self.meter.scale  # what a counter reset to zero shows
        from_zero = since_zero <= cap_for(self.meter, ts - prev_ts)
        back = None if from_zero else self._first_fitting(self.trend_start)
        if back is not None:
            self._refuse(self.held[:back], "recovered")
            self._count_on(self.held[back:])
            self.held = []
            return
        self._refuse(self.held[: self.trend_start], "replaced")
        self.held = []
        energy = since_zero if from_zero else 0.0
        self.decisions.append(Decision(ts, value, decision, RESET, prev_value))
        self._count(ts, value, energy, prev_ts, RESET)
        self._count_on(run[1:])

    def _first_fitting(self, start: int) -> int | None:
        """Index of the first held reading from `start` on at or above the base that fits it."""
        for index in range(start, len(self.held)):
            ts, value = self.held[index]
            if value >= self.prev[1] and self._judge(ts, value) is not None:
                return index
        return None

    def _count_on(self, readings) -> None:
        """Count readings that each rise plausibly from the one before (a catch-up after a
        frozen value is spread as stuck, as at the base)."""
        for ts, value in readings:
            judged = self._judge(ts, value)
            if judged is None:  # not reached: the run's steps were checked the same way
                judged = (value - self.prev[1]) * self.meter.scale, self.prev[0], OK
            self._count(ts, value, *judged)

    def _refuse(self, readings, why: str) -> None:
        base = self.prev[1]
        for ts, value in readings:
            if value > base:
                reason = SPIKE
            elif value <= base * NEAR_ZERO:
                reason = ZERO
            else:
                reason = DIP
            self.refused.append(Interval(ts, value, 0.0, reason, why))
            self.decisions.append(Decision(ts, value, REFUSED, reason, base))
        if readings is self.held:
            self.held = []

    # --- staff decisions (anchors) -----------------------------------------------------------

    def _replaced_at(self, ts: float, start: float) -> None:
        """Staff confirmed the meter was replaced at `ts` with the counter at `start`."""
        self._refuse(self.held, "confirmed")
        self.decisions.append(Decision(ts, start, CONFIRMED, RESET, self.prev and self.prev[1]))
        self.prev, self.run_start = (ts, start), ts

    def _accept_confirmed(self, ts: float, value: float) -> None:
        """Staff confirmed this reading is true: a rise counts, a fall is a reset at it."""
        self._refuse(self.held, "confirmed")
        prev = self.prev
        if prev is None:
            self._count(ts, value, 0.0, ts, FIRST)
            return
        rise = max(0.0, value - prev[1]) * self.meter.scale
        self.decisions.append(Decision(ts, value, ACCEPTED, "staff", prev[1]))
        self._count(ts, value, rise, prev[0], OK if value >= prev[1] else RESET)


def summarise(
    meter: Meter,
    base,
    readings: list[tuple[float, float]],
    bucket_of,
    bucket_length: int = 900,
    *,
    run_start: float | None = None,
    held: list[tuple[float, float]] | None = None,
    anchors: dict[float, float | None] | None = None,
) -> Summary:
    """A point's readings (after `base`, the last reading counted, and after the readings
    still `held` from before) cleaned and reduced into buckets in one pass. `anchors` are
    staff decisions: {ts: start value} a confirmed meter replacement, {ts: None} a reading
    confirmed true. The common case (a plausible rise since a recent reading) is computed
    inline; everything else goes through the rules of `_Cleaner`."""
    cleaner = _Cleaner(meter, base, run_start, held, anchors, bucket_of, bucket_length)
    buckets, held_now = cleaner.buckets, cleaner.held
    prev, run_start = cleaner.prev, cleaner.run_start
    lo = hi = 0.0  # the current bucket's (start, end]; readings are in time order
    sums: list = []
    scale, gap_s, cumulative = meter.scale, meter.interval_s * GAP_FACTOR, meter.cumulative
    cap_per_s = meter.cap_per_s * CAP_TOLERANCE
    min_cap = meter.cap_per_s * meter.interval_s * CAP_TOLERANCE
    next_anchor = cleaner.next_anchor
    for ts, value in readings:
        if (
            prev is not None
            and cumulative
            and value >= prev[1]
            and not held_now
            and ts < next_anchor
            and ts - prev[0] <= gap_s
        ):
            energy = (value - prev[1]) * scale
            if energy <= max(min_cap, cap_per_s * (ts - prev[0])):
                if not lo < ts <= hi:
                    bucket = bucket_of(ts)
                    lo, hi = bucket, bucket + bucket_length
                    sums = buckets.get(bucket)
                    if sums is None:
                        sums = buckets[bucket] = [0.0, 0, 0.0]
                sums[0] += energy
                sums[1] += 1
                if value != prev[1]:
                    run_start = ts
                prev = (ts, value)
                continue
        cleaner.prev, cleaner.run_start = prev, run_start
        cleaner.step(ts, value)
        prev, run_start, held_now = cleaner.prev, cleaner.run_start, cleaner.held
        next_anchor = cleaner.next_anchor
        lo = hi = 0.0  # the rules may have added buckets: look the next one up again
    return Summary(
        buckets,
        cleaner.refused,
        cleaner.gaps,
        prev,
        run_start,
        list(held_now),
        cleaner.decisions,
    )
