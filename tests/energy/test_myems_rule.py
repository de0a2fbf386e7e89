"""The MyEMS rule re-implemented for the field-pattern benchmark (benchmarks/myems_rule.py) gives
what ../shared/peers/myems-counter-rule.md measured (its table, "MyEMS rule" column), and its
two services behave as MyEMS's source describes. No database: the rule is simulated.

The corpus's meter (benchmarks/field_patterns.py): one reading a minute, 10 kWh/h, rated 50 kW,
so one reading's interval is 10/60 kWh. "60 means: all of it, up to the one reading that falls
into the next, not yet computed hour" (the table's note): cleaning marks good only readings
strictly older than the newest one, so the reading just before an outage is still unchecked
when its hour is computed and MyEMS misses its interval; hence the tolerance of one interval."""

import pytest

from benchmarks import field_patterns as fp
from benchmarks import myems_rule
from benchmarks.myems_rule import Limits, MyEmsMeter

NOW = 1_796_000_000.0  # any instant: the rule runs in simulated time
ONE_INTERVAL = fp.RATE_KW / 60  # kWh of one minute at 10 kW


def start(hours=6):
    return fp.window_start(NOW, hours)


def counted(timeline, name="t"):
    return myems_rule.counted_energy(timeline.pattern(name, ""))


def six_hours():
    return fp.timeline(start())


def at(minute):
    return six_hours().index_at(minute)


# The table of myems-counter-rule.md, each row: (pattern, true, MyEMS rule measured).
TABLE = [
    ("steady 6 h", lambda: six_hours(), 60),
    ("genuine reset to zero", lambda: six_hours().replace_meter(at(187)), 60),
    ("15 zero readings, then recovery", lambda: six_hours().zeros(at(137), 15), 60),
    ("one zero reading", lambda: six_hours().zeros(at(137)), 60),
    ("20 readings 11% low, then recovery", lambda: six_hours().low(at(137), 20), 60),
    ("one 1.8e21 spike (with a point high limit)", lambda: six_hours().spikes(at(137), 1), 60),
]


@pytest.mark.parametrize(("name", "make", "expected"), TABLE, ids=[row[0] for row in TABLE])
def test_the_tables_sixty_kwh_rows(name, make, expected):
    timeline = make()
    # True energy by hand: 10 kWh/h × 6 h = 60 kWh.
    assert timeline.pattern(name, "").true_energy_hour_slots() == pytest.approx(60.0)
    assert counted(timeline) == pytest.approx(expected, abs=ONE_INTERVAL + 1e-9)


def test_six_hour_outage_within_twelve_hours_books_fifty_of_one_hundred_and_twenty():
    timeline = fp.timeline(start(12), 12).outage(at(180), 360)  # 03:00-08:59 never sent
    # By hand: 12 h × 10 kWh/h = 120 kWh flowed. The first slot after the outage (09:00) sees
    # the counter 70 kWh above its last good value (6 h of outage + its own hour): over the
    # hourly high limit (50 kW × 1 h), so MyEMS zeroes the slot: 120 − 70 = 50.
    pattern = timeline.pattern("outage_long", "")
    assert pattern.true_energy_hour_slots() == pytest.approx(120.0)
    meter = myems_rule.replay(pattern)
    assert meter.energy_between(pattern.start, pattern.end) == pytest.approx(
        50.0, abs=ONE_INTERVAL + 1e-9
    )
    slot_9 = pattern.start + 9 * fp.HOUR
    assert meter.hourly[slot_9] == 0.0


def test_late_data_for_an_already_computed_hour_is_lost():
    # 2 h of readings buffered by the gateway and sent in one batch 2 h late (01:30-03:29).
    late = six_hours().backfill(at(90), 120)
    on_time = counted(six_hours())
    assert on_time == pytest.approx(60.0)
    # The hours computed while the readings were away stay as computed: 01:00 holds only its
    # first half hour, 02:00 nothing; what arrives later is not counted again.
    assert counted(late) < on_time - 10


def test_concave_rule_marks_a_dip_bad_once_a_later_value_recovers():
    # MyEMS bad case 2.7: 33600, 33600, 33600, 33500, 33500, 33600 → the two 33500 are bad.
    meter = MyEmsMeter(start=0.0)
    values = [33600, 33600, 33600, 33500, 33500, 33600, 33600]
    meter.store(fp.Reading(60.0 * i, v, True) for i, v in enumerate(values))
    meter.clean()
    assert [r.bad for r in meter.rows] == [False, False, False, True, True, False, None]


def test_concave_candidates_without_recovery_are_taken_as_a_reset():
    meter = MyEmsMeter(start=0.0)
    meter.store(fp.Reading(60.0 * i, v, True) for i, v in enumerate([500, 501, 502, 3, 4, 5]))
    meter.clean()
    # Lower than the base and never back above it inside the window: good (the newest reading
    # is left for the next pass).
    assert [r.bad for r in meter.rows] == [False, False, False, False, False, None]


def test_point_limits_mark_values_bad():
    meter = MyEmsMeter(start=0.0, limits=Limits(point_high=1e9))
    meter.store(fp.Reading(60.0 * i, v, True) for i, v in enumerate([10, 1.8e21, -0.007, 11, 12]))
    meter.clean()
    assert [r.bad for r in meter.rows] == [False, True, True, False, None]


def test_normalisation_zeroes_a_slot_that_starts_from_zero_or_exceeds_the_hourly_limit():
    hour = fp.HOUR
    meter = MyEmsMeter(start=0.0, limits=Limits(hourly_high=50.0))
    # Hour 0: a new meter (no value before it): its slot is zeroed whatever it counts.
    # Hour 1: +10. Hour 2: +60, over the hourly high limit: zeroed. Hour 3: +10.
    values = [(0, 1000.0), (1800, 1005.0), (hour, 1010.0), (hour + 1800, 1020.0),
              (2 * hour, 1050.0), (2 * hour + 1800, 1080.0), (3 * hour, 1085.0),
              (3 * hour + 1800, 1090.0), (4 * hour, 1091.0)]  # fmt: skip
    meter.store(fp.Reading(float(t), v, True) for t, v in values)
    for row in meter.rows:
        row.bad = False
    meter.normalise(now=4 * hour + 1800)
    assert meter.hourly == {0.0: 0.0, hour: 15.0, 2 * hour: 0.0, 3 * hour: 10.0}
    # Computed slots are never recomputed: a late reading in hour 1 changes nothing.
    meter.store([fp.Reading(hour + 2400.0, 1030.0, True)])
    meter.rows[-1].bad = False
    meter.normalise(now=5 * hour + 1800)
    assert meter.hourly[hour] == 15.0 and meter.hourly[4 * hour] == pytest.approx(1.0)
