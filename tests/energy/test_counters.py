"""Cumulative registers into interval energy: resets, roll-overs, spikes, gaps."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parkpilot.energy import counters
from parkpilot.energy.counters import Meter

# A 1-minute electricity meter rated 600 kW: at most 600/60 = 10 kWh a minute, ×1.2 tolerance.
METER = Meter(cumulative=True, scale=1.0, rollover=None, cap_per_s=600 / 3600, interval_s=60)


def test_difference_of_a_rising_counter():
    kept, spikes = counters.intervals(METER, (0.0, 100.0), [(60.0, 105.5), (120.0, 109.0)])
    assert [(i.energy, i.flag) for i in kept] == [(5.5, "ok"), (3.5, "ok")]
    assert spikes == []


def test_first_reading_has_no_interval():
    kept, _ = counters.intervals(METER, None, [(0.0, 1000.0), (60.0, 1004.0)])
    assert [(i.energy, i.flag) for i in kept] == [(0.0, "first"), (4.0, "ok")]


def test_multiplier_is_applied():
    # CT 200/5 × PT 10kV/100V = 40 × 100 = 4000; the counter moved 0.002 → 8 kWh.
    meter = Meter(cumulative=True, scale=4000.0, rollover=None, cap_per_s=600 / 3600, interval_s=60)
    kept, _ = counters.intervals(meter, (0.0, 1.000), [(60.0, 1.002)])
    assert abs(kept[0].energy - 8.0) < 1e-9


def test_reset_counts_from_zero_never_negative():
    kept, _ = counters.intervals(METER, (0.0, 5000.0), [(60.0, 3.0)])
    assert (kept[0].energy, kept[0].flag) == (3.0, "reset")


def test_rollover_adds_the_distance_to_the_maximum():
    meter = Meter(cumulative=True, scale=1.0, rollover=10000.0, cap_per_s=600 / 3600, interval_s=60)
    # 9998 → 2: 2 to the top, 2 after: 4 kWh.
    kept, _ = counters.intervals(meter, (0.0, 9998.0), [(60.0, 2.0)])
    assert (kept[0].energy, kept[0].flag) == (4.0, "rollover")


def test_implausible_wrap_is_a_reset():
    meter = Meter(cumulative=True, scale=1.0, rollover=10000.0, cap_per_s=600 / 3600, interval_s=60)
    # 100 → 50 cannot be a wrap in a minute (9,950 kWh > 12 kWh cap): a reset, 50 kWh... which is
    # itself over the cap, so the reading is a spike and refused.
    kept, spikes = counters.intervals(meter, (0.0, 100.0), [(60.0, 5.0)])
    assert (kept[0].energy, kept[0].flag) == (5.0, "reset")
    assert spikes == []


def test_spike_is_refused_and_the_next_reading_compares_with_the_last_good_one():
    kept, spikes = counters.intervals(METER, (0.0, 100.0), [(60.0, 1e9), (120.0, 108.0)])
    assert [(s.ts, s.flag) for s in spikes] == [(60.0, "spike")]
    assert [(i.ts, i.energy) for i in kept] == [(120.0, 8.0)]


def test_gap_is_flagged_not_filled():
    # 10 minutes without readings on a 1-minute meter: the counter's 50 kWh is kept, flagged.
    kept, _ = counters.intervals(METER, (0.0, 100.0), [(600.0, 150.0)])
    assert (kept[0].energy, kept[0].flag, kept[0].gap_after) == (50.0, "gap", 0.0)


def test_interval_register_is_the_value_times_scale():
    meter = Meter(cumulative=False, scale=2.0, rollover=None, cap_per_s=1.0, interval_s=900)
    kept, _ = counters.intervals(meter, None, [(900.0, 3.0), (1800.0, 4.0)])
    assert [i.energy for i in kept] == [6.0, 8.0]


increments = st.lists(
    st.floats(min_value=0, max_value=9.0, allow_nan=False), min_size=1, max_size=200
)


@given(increments, st.data())
def test_sum_of_deltas_is_the_true_consumption_across_resets(steps, data):
    """Any sequence of resets: the counter restarts at zero right after a reading; what it shows
    at the next reading is what flowed since. The deltas add up to the true consumption.
    (A reset is visible only if the counter then reads lower than before; one that reads the
    same or higher is indistinguishable from consumption, for any algorithm.)"""
    resets = data.draw(st.sets(st.integers(min_value=0, max_value=len(steps) - 1)))
    counter, readings = 0.0, []
    for n, step in enumerate(steps):
        if n in resets and step < counter:
            counter = 0.0
        counter += step
        readings.append((60.0 * (n + 1), counter))
    kept, spikes = counters.intervals(METER, (0.0, 0.0), readings)
    assert spikes == []
    assert all(i.energy >= 0 for i in kept)
    assert abs(sum(i.energy for i in kept) - sum(steps)) < 1e-6


@given(increments)
def test_sum_of_deltas_is_the_true_consumption_across_rollovers(steps):
    rollover = 50.0
    meter = Meter(
        cumulative=True, scale=1.0, rollover=rollover, cap_per_s=600 / 3600, interval_s=60
    )
    total, readings = 0.0, []
    for n, step in enumerate(steps):
        total += step
        readings.append((60.0 * (n + 1), total % rollover))
    kept, spikes = counters.intervals(meter, (0.0, 0.0), readings)
    assert spikes == []
    assert abs(sum(i.energy for i in kept) - total) < 1e-6


readings_strategy = st.lists(
    st.tuples(st.floats(min_value=1, max_value=3000), st.floats(min_value=0, max_value=500)),
    max_size=60,
)


@given(readings_strategy, st.booleans(), st.sampled_from([None, 400.0]))
def test_summarise_agrees_with_intervals(raw, cumulative, rollover):
    """The rollup stage's one-pass reduction gives what the interval rules give, per bucket."""
    meter = Meter(cumulative=cumulative, scale=2.0, rollover=rollover, cap_per_s=0.5,
                  interval_s=60)  # fmt: skip
    readings, t = [], 0.0
    for step, value in raw:
        t += step
        readings.append((t, min(value, 399.0)))
    kept, spikes = counters.intervals(meter, (0.0, 0.0), readings)
    expected: dict[int, list] = {}
    for i in kept:
        sums = expected.setdefault(int(i.ts // 900), [0.0, 0, 0.0])
        sums[0] += i.energy
        sums[1] += 1
        sums[2] += i.energy if i.flag != "ok" else 0.0
    summary = counters.summarise(meter, (0.0, 0.0), readings, lambda ts: int(ts // 900))
    assert summary.buckets.keys() == expected.keys()
    for bucket, sums in expected.items():
        assert summary.buckets[bucket] == pytest.approx(sums)
    assert [s.ts for s in summary.spikes] == [s.ts for s in spikes]
    assert summary.gaps == [(k.gap_after, k.ts) for k in kept if k.gap_after is not None]
