"""The batch's own interval energy, computed at intake: the "delta" of the full core.

For each point, every reading after the point's first one in the batch is compared with the one
before it and its energy summed into its 15-minute bucket — but only when every interval is the
common case (`counters.plain_batch`: a plausible rise, no gap). Anything else (a dip, a zero, a
jump, a roll-over, a gap) needs the point's state — its base, the readings it still holds as
suspect — which only the rollup stage knows: such an entry carries no sums, and the stage
recomputes the point from its readings (`counters.summarise`). The one interval intake cannot
know is the one from the point's last reading before the batch to the batch's first: that
reading may sit in a batch another worker is committing at the same moment. The rollup stage,
which runs one pass at a time, adds that interval (`rollups._chain`) and so never has to read
the batch's readings back.

Stored on the batch's work item as compact JSON, one entry per point:
    {"tz": zone name, "points": {point_id: [first_ts, first_value, last_ts, last_value,
        [quarter, energy, readings, flagged energy, ...] or null, tail_run_start, latest_ts]}}
(epoch seconds; energy in the kind's canonical unit; `tail_run_start` is the first reading of
the run of equal values the batch ends with, for the stuck-value rule; null sums: recompute).
Entries of the earlier format (8 items: gaps and spikes listed) are recomputed too."""

import functools
import itertools
import operator

import orjson

from parkpilot.energy import counters
from parkpilot.energy.buckets import quarter_start
from parkpilot.energy.ingest.validate import Accepted

_POINT = operator.attrgetter("point")


def encode(inserted: list[Accepted], tz_name: str) -> str:
    """The batch's deltas as JSON. `inserted` is sorted by (point, ts), as intake writes it."""
    bucket_of = functools.partial(quarter_start, tz_name=tz_name)
    points = {}
    for point, group in itertools.groupby(inserted, key=_POINT):
        readings = [(a.epoch, a.value) for a in group]
        first, last = readings[0], readings[-1]
        plain = counters.plain_batch(point.meter, readings, bucket_of)
        if plain is None:
            points[point.id] = [*first, *last, None, None, last[0]]
            continue
        buckets, tail_run_start = plain
        flat = [x for quarter, sums in buckets.items() for x in (quarter, *sums)]
        points[point.id] = [*first, *last, flat, tail_run_start, last[0]]
    text = orjson.dumps({"tz": tz_name, "points": points}, option=orjson.OPT_NON_STR_KEYS)
    return text.decode()


def decode(text: str) -> tuple[str, dict[int, list]]:
    """(time zone, {point_id: entry}); an empty text (a work item made elsewhere, e.g. a
    resolved conflict) decodes to no entries, so the stage recomputes from the readings."""
    if not text:
        return "", {}
    data = orjson.loads(text)
    return data["tz"], {int(pid): entry for pid, entry in data["points"].items()}


def spans(entries: dict[int, list]) -> dict[int, tuple[float, float]]:
    """{point_id: (first, latest)}: the time span each point's readings in the batch cover."""
    return {point_id: (entry[0], entry[-1]) for point_id, entry in entries.items()}


def join(
    meter: counters.Meter, prev, run_start, entries: list[list], bucket_of
) -> counters.Summary | None:
    """Batches' entries for one point joined onto `prev` (the last reading counted before them,
    or None; the point holds no suspect readings): the interval from `prev` to each batch's
    first reading is computed here, the rest is the batch's own. The same Summary that
    `counters.summarise` over all their readings gives; None when the batches do not simply
    follow `prev` (late or overlapping readings, an interval that is not a plain rise, an entry
    without sums): then only the readings can tell."""
    buckets: dict[int, list] = {}
    for entry in sorted(entries, key=_FIRST_TS):
        if len(entry) != 7 or entry[4] is None:
            return None
        first_ts, first_value, last_ts, last_value, flat, tail_run_start, _ = entry
        if prev is None:  # the point's very first reading opens its series
            energy = 0.0 if meter.cumulative else first_value * meter.scale
            run_start = first_ts
        else:
            if first_ts <= prev[0]:
                return None
            energy = counters.plain_energy(meter, prev, first_ts, first_value)
            if energy is None:
                return None
            if first_value != prev[1]:
                run_start = first_ts
        counters.add_sums(buckets, bucket_of(first_ts), energy, 1, 0.0)
        for i in range(0, len(flat), 4):
            counters.add_sums(buckets, flat[i], flat[i + 1], flat[i + 2], flat[i + 3])
        if not (tail_run_start == first_ts and last_value == first_value):
            run_start = tail_run_start
        prev = (last_ts, last_value)
    return counters.Summary(buckets, [], [], prev, run_start)


_FIRST_TS = operator.itemgetter(0)
