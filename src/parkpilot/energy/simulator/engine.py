"""Readings of the planned points at any instant, and the faults a real park's meters make."""

import datetime as dt
import math
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from parkpilot.energy.simulator.plan import PointSpec
from parkpilot.energy.simulator.profiles import ORIGIN, day_factor, day_shape, partial_integral
from parkpilot.energy.simulator.profiles import unit_hash as _hash

TZ = ZoneInfo("Asia/Shanghai")
ORIGIN_EPOCH = dt.datetime.combine(ORIGIN, dt.time(), TZ).timestamp()
SUB_METERED_SHARE = 0.95  # sub-meters see 95% of their parent's energy


class Meters:
    """Deterministic energy of every point since the origin, cached per day. Moving forward in
    time is cheap; jumping far back recomputes from the origin (~2 s), so the back-fill and
    the live stream each keep their own instance."""

    def __init__(self, plan: list[PointSpec]):
        self.plan = plan
        self.by_code = {p.code: i for i, p in enumerate(plan)}
        self.children: dict[int, list[int]] = {}
        for i, p in enumerate(plan):
            if p.parent:
                self.children.setdefault(self.by_code[p.parent], []).append(i)
        # day index → energy of every point before that day; a few recent days are kept so
        # an interval reading that reaches back over midnight costs nothing.
        self._before: dict[int, list[float]] = {0: [0.0] * len(plan)}

    def _before_day(self, day_index: int) -> list[float]:
        found = self._before.get(day_index)
        if found is not None:
            return found
        start = max((d for d in self._before if d < day_index), default=0)
        before = list(self._before[start])
        plan = self.plan
        for d in range(start, day_index):
            day = ORIGIN + dt.timedelta(days=d)
            totals: dict[str, float] = {}
            for i, p in enumerate(plan):
                total = totals.get(p.shape)
                if total is None:
                    total = totals[p.shape] = day_shape(p.shape, day)[1][-1]
                before[i] += p.mean_per_h * day_factor(p.shape, p.seed, d) * total
        self._before[day_index] = before
        if len(self._before) > 8:
            for d in sorted(self._before)[1:-4]:  # keep the origin and the latest days
                del self._before[d]
        return before

    def energy(self, i: int, epoch: float) -> float:
        """Canonical units (kWh, m³, t) point i delivered from the origin to `epoch`."""
        kids = self.children.get(i)
        if kids:
            return sum(self.energy(k, epoch) for k in kids) / SUB_METERED_SHARE
        seconds = epoch - ORIGIN_EPOCH
        day_index = int(seconds // 86400)
        before = self._before_day(day_index)
        p = self.plan[i]
        day = ORIGIN + dt.timedelta(days=day_index)
        within = seconds - day_index * 86400
        today = p.mean_per_h * day_factor(p.shape, p.seed, day_index)
        return before[i] + today * partial_integral(p.shape, day, within)

    def counter(self, i: int, epoch: float, *, since: float = 0.0, offset: bool = True) -> float:
        """What a cumulative register shows (meter units, 2 decimals, rolled over)."""
        p = self.plan[i]
        value = (p.offset if offset else 0.0) + (self.energy(i, epoch) - since) / p.multiplier
        if p.rollover:
            value = math.fmod(value, p.rollover)
        value = round(value, 2)
        return 0.0 if p.rollover and value >= p.rollover else value

    def interval(self, i: int, epoch: float, step_s: float) -> float:
        p = self.plan[i]
        return round((self.energy(i, epoch) - self.energy(i, epoch - step_s)) / p.multiplier, 3)


def iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, TZ).isoformat()


FAULT_KINDS = ("resets", "spikes", "gaps", "late", "duplicates", "malformed")


def parse_faults(text: str) -> dict[str, float]:
    """`resets,spikes:0.01,gaps` → {kind: rate per reading}; a kind without a rate: 0.001."""
    rates: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        name, _, rate = part.partition(":")
        if name not in FAULT_KINDS:
            raise ValueError(f"unknown fault {name!r}; known: {', '.join(FAULT_KINDS)}")
        rates[name] = float(rate) if rate else 0.001
        if not 0 <= rates[name] <= 1:
            raise ValueError(f"fault rate of {name} must be between 0 and 1")
    return rates


@dataclass
class Faults:
    """Meter faults on request, reproducible from the tick and point (no RNG state)."""

    rates: dict[str, float]
    reset_base: dict[int, float] = field(default_factory=dict)  # point → energy at its reset
    silent_until: dict[int, float] = field(default_factory=dict)  # point → end of its gap
    held: list[tuple[float, dict]] = field(default_factory=list)  # (release epoch, reading)
    counts: dict[str, int] = field(default_factory=dict)

    def _hit(self, kind: str, i: int, epoch: float) -> bool:
        rate = self.rates.get(kind, 0.0)
        hit = rate > 0 and _hash(i, int(epoch), FAULT_KINDS.index(kind)) < rate
        if hit:
            self.counts[kind] = self.counts.get(kind, 0) + 1
        return hit


def readings_at(
    meters: Meters,
    epoch: float,
    *,
    step_s: float,
    points: list[int] | None = None,
    faults: Faults | None = None,
) -> list:
    """One reading per point at `epoch` (or fewer/more with faults): the intake's JSON items."""
    ts = iso(epoch)
    items: list = []
    for i in points if points is not None else range(len(meters.plan)):
        p = meters.plan[i]
        if faults and faults.rates:
            if faults.silent_until.get(i, 0) > epoch:
                continue
            if faults._hit("gaps", i, epoch):
                faults.silent_until[i] = epoch + step_s * 10  # ten readings missing
                continue
        if p.cumulative:
            if faults and faults._hit("resets", i, epoch) and i not in faults.reset_base:
                faults.reset_base[i] = meters.energy(i, epoch)  # the meter restarts at zero
            if faults and i in faults.reset_base:
                value = meters.counter(i, epoch, since=faults.reset_base[i], offset=False)
            else:
                value = meters.counter(i, epoch)
        else:
            value = meters.interval(i, epoch, step_s)
        item = {"point": p.code, "ts": ts, "value": value}
        if faults and faults.rates:
            if faults._hit("spikes", i, epoch):
                item["value"] = value * 50 + 10_000  # a glitching register
            if faults._hit("late", i, epoch):
                faults.held.append((epoch + step_s * 5, item))  # arrives five readings late
                continue
            if faults._hit("duplicates", i, epoch):
                items.append(dict(item))
            if faults._hit("malformed", i, epoch):
                items.append({"point": p.code, "ts": ts[:19], "value": str(value)})
        items.append(item)
    if faults and faults.held:
        due = [r for t, r in faults.held if t <= epoch]
        faults.held = [(t, r) for t, r in faults.held if t > epoch]
        items += due
    return items
