"""Field patterns of cumulative meters (issue 13): what real gateways send, on top of a known true
consumption, so any counter rule can be replayed against them and its counted energy compared
with the truth. Pure Python, no Django: the benchmark (bench_counter_corpus.py), the MyEMS rule
(myems_rule.py) and the property tests (tests/energy/test_counter_properties.py) share it.

A `Timeline` is one meter read every minute. Reading 0 is at `start − 1 min`; the measured window
is [start, start + hours); a tail of readings follows it so that every rule has seen what comes
after the window's last reading (rules that hold a suspect reading decide it by the next ones).
The true consumption is a power per minute; `energy[k]` is what flowed up to reading k (kWh), and
`register[k]` what a working meter shows then (roll-over and replacement included). Glitches
change what the gateway sends (a value, a reading missing, a reading held back), delivery
options change how it sends (batches, order, re-sends); each reading knows whether it is the
true register value, so "true readings refused" can be counted.

The corpus (`corpus()`): a one-minute counter at 10 kWh/h on a meter rated 50 kW, 6 hours
(12 for the long outage), so the true energy is 60 kWh (120), by hand: 10 kWh/h × 6 h."""

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

MINUTE = 60
HOUR = 3600
RATED_KW = 50.0  # the meter's rating: the plausibility cap a counter rule may apply
RATE_KW = 10.0  # the corpus's true load: 10 kWh every hour
BASE_KWH = 12_345.6  # what the register shows at reading 0
TAIL_MINUTES = 60
LATENCY_S = 5  # a batch leaves the gateway 5 s after its last reading
BATCH = 5  # a gateway sends every 5 minutes (5 one-minute readings)

# Values field gateways send, from MyEMS's cleaning service's "bad cases" (clean_energy_value.py).
MODBUS_GARBAGE = 1.832278249396618e21  # bad case 1.1: a register read with the wrong byte order
NEAR_ZERO = 0.00303281145170331  # bad case 1.4
SMALL_NEGATIVE = -7.068193740872921e-3  # bad case 1.3


@dataclass(frozen=True)
class Reading:
    ts: float  # epoch seconds, UTC
    value: float
    true: bool  # the register's true value at ts (a genuine reading)


@dataclass(frozen=True)
class Delivery:
    sent_at: float  # when the gateway sends it (epoch seconds)
    readings: tuple[Reading, ...]


@dataclass(frozen=True)
class Meter:
    rated_kw: float = RATED_KW
    rollover: float | None = None  # the register's maximum (it wraps to 0 there)
    interval_s: int = MINUTE


@dataclass(frozen=True, repr=False)
class Pattern:
    name: str
    description: str
    meter: Meter
    start: float  # the measured window's start (an hour boundary, UTC)
    hours: int
    energy: tuple[float, ...]  # true energy flowed up to reading k (kWh)
    deliveries: tuple[Delivery, ...]

    def __repr__(self) -> str:  # short: failing tests print it
        return (f"Pattern({self.name!r}: {self.description}; {self.hours} h from "
                f"{datetime.fromtimestamp(self.start, UTC):%Y-%m-%d %H:%M} UTC, {self.meter}, "
                f"{len(self.deliveries)} deliveries)")  # fmt: skip

    @property
    def first_ts(self) -> float:
        return self.start - MINUTE

    @property
    def end(self) -> float:
        return self.start + self.hours * HOUR

    def energy_between(self, lo: float, hi: float) -> float:
        """True energy of the intervals that end in (lo, hi] (both on the minute grid)."""
        return self.energy[self._index(hi)] - self.energy[self._index(lo)]

    def true_energy(self) -> float:
        """What flowed in the window, as 15-minute buckets count it: intervals ending in
        (start, end] (a bucket [t, t+15 min) holds the intervals that end in (t, t+15 min])."""
        return self.energy_between(self.start, self.end)

    def true_energy_hour_slots(self) -> float:
        """The same, as hour slots [h, h+1h) of readings count it (MyEMS): intervals ending
        in [start, end). Equal to `true_energy` for a constant load."""
        return self.energy_between(self.start - MINUTE, self.end - MINUTE)

    def readings(self) -> list[Reading]:
        return [r for d in self.deliveries for r in d.readings]

    def true_readings(self) -> set[tuple[float, float]]:
        return {(r.ts, r.value) for r in self.readings() if r.true}

    def _index(self, ts: float) -> int:
        return round((ts - self.first_ts) / MINUTE)


@dataclass
class Timeline:
    """One meter's minutes; glitches and delivery options are applied to it, then `pattern()`."""

    start: float
    hours: int
    power_kw: list[float]  # true load during the minute that ends at reading k (k ≥ 1)
    meter: Meter = field(default_factory=Meter)
    base: float = BASE_KWH
    energy: list[float] = field(init=False)
    register: list[float] = field(init=False)
    values: list[float | None] = field(init=False)  # what the gateway sends; None: nothing
    held_until: dict[int, int] = field(init=False, default_factory=dict)  # k → sent with k'
    resends: list[tuple[int, int, int]] = field(init=False, default_factory=list)
    batch: int = BATCH
    swap_batches: bool = False

    def __post_init__(self):
        assert len(self.power_kw) == self.size, (len(self.power_kw), self.size)
        self.energy = [0.0]
        for kw in self.power_kw[1:]:
            self.energy.append(self.energy[-1] + kw / 60)
        self.register = [self._wrap(self.base + e) for e in self.energy]
        self.values = list(self.register)

    @property
    def size(self) -> int:
        return self.hours * 60 + 1 + TAIL_MINUTES

    def ts(self, k: int) -> float:
        return self.start - MINUTE + k * MINUTE

    def index_at(self, minutes_into_window: float) -> int:
        """Reading index of the minute `minutes_into_window` after the window's start."""
        return round(minutes_into_window) + 1

    def _wrap(self, value: float) -> float:
        rollover = self.meter.rollover
        return math.fmod(value, rollover) if rollover else value

    # --- glitches: what the gateway sends instead of the register's value ------------------

    def set_values(self, k: int, n: int, value) -> "Timeline":
        """Readings k..k+n−1 sent as `value` (a number, or a function of the true value)."""
        for i in range(k, k + n):
            self.values[i] = value(self.register[i]) if callable(value) else value
        return self

    def zeros(self, k: int, n: int = 1) -> "Timeline":
        return self.set_values(k, n, 0.0)

    def near_zero(self, k: int, n: int = 18) -> "Timeline":
        return self.set_values(k, n, NEAR_ZERO)

    def negative(self, k: int, n: int = 13) -> "Timeline":
        return self.set_values(k, n, SMALL_NEGATIVE)

    def low(self, k: int, n: int = 20, factor: float = 0.89) -> "Timeline":
        return self.set_values(k, n, lambda v: v * factor)

    def dip(self, k: int, below_previous: float = 40.0) -> "Timeline":
        """One reading a little below the one before (MyEMS bad case 2.1: 0.3% low)."""
        return self.set_values(k, 1, max(0.0, self.register[k - 1] - below_previous))

    def stuck(self, k: int, n: int = 30) -> "Timeline":
        """The gateway serves its cached register value for n readings, then catches up."""
        return self.set_values(k, n, self.register[k - 1])

    def spikes(self, k: int, n: int = 15, value: float = MODBUS_GARBAGE) -> "Timeline":
        return self.set_values(k, n, value)

    def jump(self, k: int, by: float = 500.0) -> "Timeline":
        """One reading far above the trend (a bit flip), then the counter carries on."""
        return self.set_values(k, 1, lambda v: v + by)

    def replace_meter(self, k: int, new_start: float = 0.0) -> "Timeline":
        """A genuine replacement just after reading k−1: the new register starts at
        `new_start` and counts from there. Every reading stays true."""
        flowed = self.energy[k - 1]
        for i in range(k, self.size):
            self.register[i] = self._wrap(new_start + self.energy[i] - flowed)
            self.values[i] = self.register[i]
        return self

    def outage(self, k: int, n: int) -> "Timeline":
        """n readings never sent (the gateway lost them: power or link down, no buffer)."""
        for i in range(k, k + n):
            self.values[i] = None
        return self

    def backfill(self, k: int, n: int) -> "Timeline":
        """Link down for n minutes; the gateway buffers them, resumes its live batches when the
        link is back at reading k+n, and uploads the buffer in one batch after its next live
        batch (late data: newer readings are already stored)."""
        for i in range(k, k + n):
            self.held_until[i] = k + n
        return self

    # --- delivery -----------------------------------------------------------------------------

    def resend(self, at: int, minutes: int = 60) -> "Timeline":
        """A gateway restart at reading `at`: it re-sends its last `minutes` readings (already
        stored: duplicates of stored timestamps) before carrying on."""
        self.resends.append((at, max(0, at - minutes), at))
        return self

    def out_of_order(self) -> "Timeline":
        """Every second batch overtakes the one before it, and each batch lists its readings
        newest first."""
        self.swap_batches = True
        return self

    def pattern(self, name: str, description: str) -> Pattern:
        return Pattern(
            name=name,
            description=description,
            meter=self.meter,
            start=self.start,
            hours=self.hours,
            energy=tuple(self.energy),
            deliveries=tuple(sorted(self._deliveries(), key=lambda d: d.sent_at)),
        )

    def _reading(self, i: int) -> Reading:
        value = self.values[i]
        return Reading(self.ts(i), value, value == self.register[i])

    def _deliveries(self) -> list[Delivery]:
        # A gateway sends every `batch` minutes what it read in them (minutes 0-4, 5-9, ...).
        groups: dict[int, list[int]] = {}
        for i in range(self.size):
            if self.values[i] is not None and i not in self.held_until:
                groups.setdefault((i - 1) // self.batch, []).append(i)
        batches = [groups[g] for g in sorted(groups)]
        out = []
        for number, batch in enumerate(batches):
            sent_at = self.ts(batch[-1]) + LATENCY_S
            readings = [self._reading(i) for i in batch]
            if self.swap_batches:
                readings.reverse()
                if number % 2 == 0 and number + 1 < len(batches):
                    sent_at = self.ts(batches[number + 1][-1]) + LATENCY_S + 1
            out.append(Delivery(sent_at, tuple(readings)))
        held: dict[int, list[int]] = {}
        for i, until in self.held_until.items():
            if self.values[i] is not None:
                held.setdefault(until, []).append(i)
        for until, indexes in held.items():
            readings = tuple(self._reading(i) for i in sorted(indexes))
            out.append(Delivery(self.ts(until + self.batch) + LATENCY_S + 1, readings))
        for at, lo, hi in self.resends:
            readings = tuple(self._reading(i) for i in range(lo, hi) if self.values[i] is not None)
            out.append(Delivery(self.ts(at) + 1, readings))
        return out


def constant_load(hours: int, kw: float = RATE_KW) -> list[float]:
    return [0.0] + [kw] * (hours * 60 + TAIL_MINUTES)


def timeline(start: float, hours: int = 6, *, meter: Meter | None = None, **kwargs) -> Timeline:
    """The corpus's meter: 10 kWh/h, rated 50 kW, one reading a minute."""
    return Timeline(start, hours, constant_load(hours), meter or Meter(), **kwargs)


def window_start(now: float, hours: int) -> float:
    """An hour boundary such that the window and its tail end two hours before `now` (the
    intake refuses readings from the future)."""
    hour = math.floor(now / HOUR) * HOUR
    return hour - (hours + 3) * HOUR


def corpus(now: float | None = None, *, batch: int = BATCH) -> list[Pattern]:
    """The benchmark's field patterns (at least one per glitch class of issue 13)."""
    now = datetime.now(UTC).timestamp() if now is None else now
    s6, s12 = window_start(now, 6), window_start(now, 12)

    def t(hours=6, **kwargs):
        return timeline(s6 if hours == 6 else s12, hours, batch=batch, **kwargs)

    at = t().index_at  # same grid for every 6 h pattern
    return [
        t().pattern("steady", "no glitch: the control"),
        t().zeros(at(137)).pattern("zero_one", "one zero reading"),
        t().zeros(at(180)).pattern("zero_at_hour", "one zero reading on an hour boundary"),
        t().zeros(at(137), 15).pattern("zeros_many", "15 zero readings, then recovery"),
        t().near_zero(at(137)).pattern("near_zero", "18 readings of 0.003, then recovery"),
        t().negative(at(137)).pattern("negative", "13 readings of −0.007, then recovery"),
        t().low(at(137)).pattern("low_recover", "20 readings 11% low, then recovery"),
        t().dip(at(137)).pattern("dip_one", "one reading 40 kWh below the one before"),
        t().stuck(at(137), 30).pattern("stuck", "value frozen for 30 readings, then catches up"),
        t().spikes(at(137)).pattern("spike_garbage", "15 readings of 1.8e21 (byte order)"),
        t().jump(at(137)).pattern("spike_one", "one reading 500 kWh above the trend"),
        t().replace_meter(at(187)).pattern("replacement", "meter replaced: restarts from 0"),
        t(meter=Meter(rollover=100_000.0), base=99_975.0).pattern(
            "rollover", "register wraps at 100,000 after 2.5 h"
        ),
        t(meter=Meter(rollover=100_000.0), base=99_975.0)
        .replace_meter(at(100))
        .pattern(
            "replacement_near_rollover", "replaced 8 kWh before its roll-over: restarts from 0"
        ),
        t().outage(at(137), 10).pattern("outage_short", "10 readings never sent"),
        t(12).outage(at(180), 360).pattern("outage_long", "6 h outage within 12 h (no buffer)"),
        t()
        .backfill(at(90), 120)
        .pattern("backfill", "2 h link loss, buffered, uploaded after live data"),
        t().out_of_order().pattern("out_of_order", "batches overtake each other, newest first"),
        # The batch after the outage (its last minute missing) is overtaken by the next one.
        t()
        .outage(at(131), 5)
        .out_of_order()
        .pattern("outage_out_of_order", "5 readings never sent, the next batches out of order"),
        t().resend(at(240)).pattern("resend_restart", "gateway restart re-sends its last hour"),
    ]


@dataclass(frozen=True)
class Recipe:
    """A drawn field pattern, small enough to print: a load per quarter hour, the register,
    glitches (kind, minute into the window, readings, low factor) and delivery options. The
    property tests draw these; `pattern()` builds the readings."""

    hours: int
    quarter_kw: tuple[float, ...]  # load per quarter hour of the window and its tail
    rollover: float | None = None
    batch: int = BATCH
    glitches: tuple[tuple[str, int, int, float], ...] = ()
    out_of_order: bool = False
    resend: tuple[int, int] | None = None  # (minute into the window, minutes re-sent)

    def pattern(self, start: float) -> Pattern:
        minutes = self.hours * 60 + TAIL_MINUTES
        power = [0.0] + [self.quarter_kw[m // 15] for m in range(minutes)]
        line = Timeline(start, self.hours, power, Meter(rollover=self.rollover), batch=self.batch)
        for kind, minute, n, factor in self.glitches:
            k = line.index_at(minute)
            if kind in ("dip", "jump", "replace_meter"):
                getattr(line, kind)(k)
            elif kind == "low":
                line.low(k, n, factor)
            else:
                getattr(line, kind)(k, n)
        if self.out_of_order:
            line.out_of_order()
        if self.resend:
            line.resend(line.index_at(self.resend[0]), self.resend[1])
        return line.pattern("drawn", repr(self))
