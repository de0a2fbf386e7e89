"""MyEMS's published counter rule, re-implemented for a side-by-side benchmark (issue 13).

Written from the description in ../shared/peers/myems-counter-rule.md and checked against
MyEMS's public source (github MyEMS/myems, MIT: myems-cleaning/clean_energy_value.py,
myems-normalization/meter.py); no code copied. One meter, one point, its own database:
  - readings are stored as they arrive, without a uniqueness constraint, `is_bad` unset;
  - cleaning runs on its own schedule: after a pass that found readings to check it sleeps
    15 minutes, else 1 minute. A pass looks at the window from one hour before the newest
    checked reading (or the configured start) to the newest unchecked one: values outside the
    point's [low, high] limits are bad; then the "concave" rule over the window's remaining
    readings in time order (a value below the running base is a candidate; a later value at or
    above the base makes every candidate bad and becomes the base; with only two readings, a
    second one lower than the first is bad); then every still unchecked reading in
    [window start, newest unchecked) is good;
  - normalisation runs every 60 s: hour slots (UTC) from the slot after the newest computed one
    (or the configured start) up to now − 30 minutes; `maximum` starts at the last good reading
    before the first slot (0 if none or not positive); per good reading in time order the slot's
    increment grows by the amount the value exceeds `maximum`, and `maximum` becomes the value,
    always; a slot that started from a maximum ≤ 0.1, or whose increment is below the meter's
    hourly low limit or above its hourly high limit, gets 0; slots without any good reading in
    the range get 0; a computed slot is never computed again.
The simulation runs in simulated time: deliveries are stored at their `sent_at`, each service
runs at its own times, in time order (a delivery first when they coincide)."""

import heapq
import math
from dataclasses import dataclass, field

from benchmarks.field_patterns import HOUR, MINUTE, Pattern

CLEAN_SLEEP_S = 900  # after a pass that checked something
CLEAN_RETRY_S = 60  # when there was nothing to check
NORMALISE_SLEEP_S = 60
MINUTES_TO_CLEAN = 30  # normalisation leaves the last 30 minutes to cleaning
SLOT_S = HOUR
STARTUP_ZERO_LIMIT = 0.1  # "omit huge initial value for a new meter"


@dataclass
class Limits:
    point_low: float = 0.0
    point_high: float = 1e12
    hourly_low: float = 0.0
    hourly_high: float = 50.0  # rated 50 kW × 1 h


@dataclass
class _Row:
    ts: float
    value: float
    bad: bool | None = None  # None: not checked yet


@dataclass
class MyEmsMeter:
    """One point's raw table and one meter's hourly table."""

    start: float  # the configured start (an hour boundary)
    limits: Limits = field(default_factory=Limits)
    rows: list[_Row] = field(default_factory=list)
    hourly: dict[float, float] = field(default_factory=dict)  # slot start → energy

    def store(self, readings) -> None:
        self.rows.extend(_Row(r.ts, r.value) for r in readings)

    # --- cleaning -----------------------------------------------------------------------------

    def clean(self) -> int:
        """One cleaning pass; returns the seconds until the next one."""
        checked = [r.ts for r in self.rows if r.bad is not None]
        unchecked = [r.ts for r in self.rows if r.bad is None]
        if not unchecked:
            return CLEAN_RETRY_S
        lo = max(checked) - HOUR if checked else self.start
        hi = max(unchecked)
        for row in self._window(lo, hi):
            if not self.limits.point_low <= row.value <= self.limits.point_high:
                row.bad = True
        self._concave(sorted(self._window(lo, hi), key=lambda r: r.ts))
        for row in self.rows:
            if row.bad is None and lo <= row.ts < hi:
                row.bad = False
        return CLEAN_SLEEP_S

    def _window(self, lo: float, hi: float) -> list[_Row]:
        return [r for r in self.rows if lo <= r.ts <= hi and not r.bad]

    @staticmethod
    def _concave(rows: list[_Row]) -> None:
        if len(rows) < 2:
            return
        if len(rows) == 2:
            if rows[1].value < rows[0].value:
                rows[1].bad = True
            return
        base = rows[0].value
        candidates: list[_Row] = []
        for row in rows:
            if row.value < base:
                candidates.append(row)
                continue
            for candidate in candidates:
                candidate.bad = True
            candidates = []
            base = row.value

    # --- normalisation --------------------------------------------------------------------

    def normalise(self, now: float) -> None:
        first = max(self.hourly) + SLOT_S if self.hourly else self.start
        limit = now - MINUTES_TO_CLEAN * MINUTE
        if limit - first < SLOT_S:
            return
        end = first + math.floor((limit - first) / SLOT_S) * SLOT_S
        good = sorted((r for r in self.rows if r.bad is False), key=lambda r: r.ts)
        before = [r for r in good if r.ts < first]
        rows = [r for r in good if first <= r.ts < end]
        slots = [first + i * SLOT_S for i in range(round((end - first) / SLOT_S))]
        if not rows:
            self.hourly.update(dict.fromkeys(slots, 0.0))
            return
        maximum = before[-1].value if before and before[-1].value > 0 else 0.0
        for slot in slots:
            started_from, increment = maximum, 0.0
            for row in (r for r in rows if slot <= r.ts < slot + SLOT_S):
                if row.value > maximum:
                    increment += row.value - maximum
                maximum = row.value
            if (
                started_from <= STARTUP_ZERO_LIMIT
                or increment < self.limits.hourly_low
                or increment > self.limits.hourly_high
            ):
                increment = 0.0
            self.hourly[slot] = increment

    def energy_between(self, lo: float, hi: float) -> float:
        return sum(e for slot, e in self.hourly.items() if lo <= slot < hi)


# Event kinds, in the order they run when they fall on the same instant.
_DELIVERY, _CLEAN, _NORMALISE = 0, 1, 2


def replay(
    pattern: Pattern,
    *,
    limits: Limits | None = None,
    clean_phase_s: float = 450,
    normalise_phase_s: float = 30,
    settle_s: float = 2 * HOUR,
) -> MyEmsMeter:
    """The pattern's deliveries through MyEMS's services in simulated time. The configured start
    is the hour of the first reading; cleaning first runs `clean_phase_s` and normalisation
    `normalise_phase_s` after it; the run ends `settle_s` after the last delivery."""
    start = math.floor(pattern.first_ts / HOUR) * HOUR
    meter = MyEmsMeter(start=start, limits=limits or default_limits(pattern))
    events = [(d.sent_at, _DELIVERY, i) for i, d in enumerate(pattern.deliveries)]
    events += [(start + clean_phase_s, _CLEAN, 0), (start + normalise_phase_s, _NORMALISE, 0)]
    heapq.heapify(events)
    until = max(d.sent_at for d in pattern.deliveries) + settle_s
    while events:
        now, kind, index = heapq.heappop(events)
        if now > until:
            break
        if kind == _DELIVERY:
            meter.store(pattern.deliveries[index].readings)
        elif kind == _CLEAN:
            heapq.heappush(events, (now + meter.clean(), _CLEAN, 0))
        else:
            meter.normalise(now)
            heapq.heappush(events, (now + NORMALISE_SLEEP_S, _NORMALISE, 0))
    return meter


def default_limits(pattern: Pattern) -> Limits:
    """How a MyEMS operator would configure the corpus's meter: the point's value limits are the
    register's range (0 to its roll-over, else 10¹² as a sanity bound), the meter's hourly
    high limit its rating × 1 h, no hourly low limit."""
    return Limits(
        point_low=0.0,
        point_high=pattern.meter.rollover or 1e12,
        hourly_low=0.0,
        hourly_high=pattern.meter.rated_kw * SLOT_S / HOUR,
    )


def counted_energy(pattern: Pattern, **kwargs) -> float:
    """Energy MyEMS's rule books for the pattern's window (its hour slots in [start, end))."""
    return replay(pattern, **kwargs).energy_between(pattern.start, pattern.end)
