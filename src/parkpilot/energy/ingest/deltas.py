"""The batch's own interval energy, computed at intake: the "delta" of the full core.

For each point, every reading after the point's first one in the batch is compared with the one
before it (`counters.summarise`: resets, roll-overs, spikes, gaps) and its energy summed into its
15-minute bucket. The one interval intake cannot know is the one from the point's last reading
before the batch to the batch's first: that reading may sit in a batch another worker is
committing at the same moment. The rollup stage, which runs one pass at a time, adds that
interval (`rollups._chain`) and so never has to read the batch's readings back.

Stored on the batch's work item as compact JSON, one entry per point:
    {"tz": zone name, "points": {point_id: [first_ts, first_value, last_ts, last_value,
        [quarter, energy, readings, flagged energy, ...], [gap_start, gap_end, ...],
        [spike_ts, spike_value, spike_energy, ...], latest_ts]}}
(epoch seconds; energy in the kind's canonical unit; `last` is the last reading counted,
`latest` the last one written, a spike perhaps)."""

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
        first = readings[0]
        summary = counters.summarise(point.meter, first, readings[1:], bucket_of)
        last = summary.last or first
        points[point.id] = [
            *first,
            *last,
            [x for quarter, sums in summary.buckets.items() for x in (quarter, *sums)],
            [x for gap in summary.gaps for x in gap],
            [x for s in summary.spikes for x in (s.ts, s.value, s.energy)],
            readings[-1][0],
        ]
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
    return {point_id: (entry[0], entry[7]) for point_id, entry in entries.items()}


def join(meter: counters.Meter, prev, entries: list[list], bucket_of) -> counters.Summary | None:
    """Batches' entries for one point joined onto `prev` (the last reading counted before them,
    or None): the interval from `prev` to each batch's first reading is computed here, the rest
    is the batch's own. The same Summary that `counters.summarise` over all their readings
    gives; None when the batches do not simply follow `prev` (late or overlapping readings, or
    a batch whose first reading is a spike): then only the readings can tell."""
    buckets: dict[int, list] = {}
    gaps: list[tuple[float, float]] = []
    spikes: list[counters.Interval] = []
    for entry in sorted(entries):
        first_ts, first_value, last_ts, last_value, flat, gap_flat, spike_flat, _ = entry
        if prev is not None and first_ts <= prev[0]:
            return None
        energy = counters.plain_energy(meter, prev, first_ts, first_value)
        if energy is not None:  # the common case, without building a Summary
            counters.add_sums(buckets, bucket_of(first_ts), energy, 1, 0.0)
        else:
            head = counters.summarise(meter, prev, [(first_ts, first_value)], bucket_of)
            if head.spikes:
                return None
            for quarter, (energy, count, flagged) in head.buckets.items():
                counters.add_sums(buckets, quarter, energy, count, flagged)
            gaps += head.gaps
        for i in range(0, len(flat), 4):
            counters.add_sums(buckets, flat[i], flat[i + 1], flat[i + 2], flat[i + 3])
        if gap_flat:
            gaps += zip(gap_flat[::2], gap_flat[1::2], strict=True)
        if spike_flat:
            spikes += (
                counters.Interval(
                    spike_flat[i], spike_flat[i + 1], spike_flat[i + 2], counters.SPIKE
                )
                for i in range(0, len(spike_flat), 3)
            )
        prev = (last_ts, last_value)
    return counters.Summary(buckets, spikes, gaps, prev)
