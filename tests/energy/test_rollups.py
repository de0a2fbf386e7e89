"""Rollups: exact buckets in Asia/Shanghai, late and out-of-order data recompute exactly the
affected buckets, every scope adds up."""

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parkpilot.energy.ingest.core import ingest_items
from parkpilot.energy.models import DeadLetter, EnergyRollup, Gap, PointRollup, Reading
from parkpilot.energy.rollups import rollup_pending

pytestmark = pytest.mark.django_db


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def ts(hh, mm, day=1):
    return f"2026-03-{day:02d}T{hh:02d}:{mm:02d}:00+08:00"


def feed(park, items):
    ingest_items(park_id=park.id, items=items, source="direct")
    return rollup_pending()


def point_rows(level, code="A-E1"):
    return list(
        PointRollup.objects.filter(point__code=code, level=level)
        .order_by("bucket")
        .values_list("bucket", "energy", "readings")
    )


def scope_energy(scope, level, bucket, kind="grid_import"):
    row = EnergyRollup.objects.filter(scope=scope, level=level, bucket=bucket, kind=kind).first()
    return row.energy if row else 0.0


@pytest.fixture
def a_e1(make_point, ent_a, zone):
    return make_point("A-E1", owner=ent_a, zone=zone)


def test_quarters_hours_days_months_in_local_time(park, a_e1):
    # Counter +2 kWh a minute from 10:00 to 10:30 local (02:00-02:30 UTC).
    feed(park, [{"point": "A-E1", "ts": ts(10, m), "value": 100 + 2 * m} for m in range(31)])
    # The 10:00 reading opens the series (no interval); intervals ending 10:01..10:15 → the
    # 10:00 quarter (15 × 2 = 30 kWh), 10:16..10:30 → the 10:15 quarter (30 kWh).
    assert point_rows("15m") == [
        (utc(2026, 3, 1, 1, 45), 0.0, 1),
        (utc(2026, 3, 1, 2, 0), 30.0, 15),
        (utc(2026, 3, 1, 2, 15), 30.0, 15),
    ]
    assert point_rows("1h") == [(utc(2026, 3, 1, 1, 0), 0.0, 1), (utc(2026, 3, 1, 2, 0), 60.0, 30)]
    # Local day 2026-03-01 starts at 2026-02-28 16:00 UTC; so does the local month of March.
    assert point_rows("1d") == [(utc(2026, 2, 28, 16, 0), 60.0, 31)]
    assert point_rows("1mo") == [(utc(2026, 2, 28, 16, 0), 60.0, 31)]


def test_local_midnight_splits_days(park, a_e1):
    feed(
        park,
        [
            {"point": "A-E1", "ts": "2026-03-01T23:59:00+08:00", "value": 10.0},
            {"point": "A-E1", "ts": "2026-03-02T00:00:00+08:00", "value": 11.0},  # ends 23:59-00:00
            {"point": "A-E1", "ts": "2026-03-02T00:01:00+08:00", "value": 13.0},
        ],
    )
    assert point_rows("1d") == [
        (utc(2026, 2, 28, 16, 0), 1.0, 2),  # 1 March: the first reading and the 23:59-00:00 kWh
        (utc(2026, 3, 1, 16, 0), 2.0, 1),  # 2 March
    ]


def test_in_order_batches_add_up(park, a_e1):
    feed(park, [{"point": "A-E1", "ts": ts(10, m), "value": 100 + m} for m in range(0, 8)])
    feed(park, [{"point": "A-E1", "ts": ts(10, m), "value": 100 + m} for m in range(8, 16)])
    assert point_rows("15m")[1] == (utc(2026, 3, 1, 2, 0), 15.0, 15)


def test_late_reading_recomputes_exactly_the_affected_buckets(park, a_e1):
    readings = {m: 100.0 + 3 * m for m in range(0, 46)}
    feed(
        park,
        [{"point": "A-E1", "ts": ts(10, m), "value": v} for m, v in readings.items() if m != 20],
    )
    before = dict((b, e) for b, e, _ in point_rows("15m"))
    # Without 10:20 the 10:21 interval spans two minutes: 6 kWh, still the same quarter.
    assert before[utc(2026, 3, 1, 2, 15)] == 45.0
    feed(park, [{"point": "A-E1", "ts": ts(10, 20), "value": readings[20]}])
    after = point_rows("15m")
    assert [(b, e) for b, e, _ in after] == [(b, e) for b, e in before.items()]
    assert after[2][2] == 15  # one reading more in the 10:15 quarter


def test_late_reading_that_moves_energy_across_quarters(park, a_e1):
    # Readings at 10:00 and 10:30 only (a gap): the 60 kWh are spread over the gap by time,
    # 30 in each quarter, all flagged (estimated); the 10:30 reading is counted in its quarter.
    feed(
        park,
        [
            {"point": "A-E1", "ts": ts(10, 0), "value": 0.0},
            {"point": "A-E1", "ts": ts(10, 30), "value": 60.0},
        ],
    )
    assert point_rows("15m") == [
        (utc(2026, 3, 1, 1, 45), 0.0, 1),
        (utc(2026, 3, 1, 2, 0), 30.0, 0),
        (utc(2026, 3, 1, 2, 15), 30.0, 1),
    ]
    assert Gap.objects.get().missing_intervals == 29
    # The 10:15 reading arrives late: 10:00-10:15 is 15 kWh (10:00 quarter), the rest 45.
    feed(park, [{"point": "A-E1", "ts": ts(10, 15), "value": 15.0}])
    assert [(b, pytest.approx(e)) for b, e, _ in point_rows("15m")] == [
        (utc(2026, 3, 1, 1, 45), 0.0),
        (utc(2026, 3, 1, 2, 0), 15.0),
        (utc(2026, 3, 1, 2, 15), 45.0),
    ]
    assert point_rows("1h")[1][1] == 60.0
    # Still gaps on each side of 10:15 (14 missing minutes each), the old one replaced.
    assert sorted(Gap.objects.values_list("missing_intervals", flat=True)) == [14, 14]


def test_scopes_enterprise_zone_park_public(park, make_point, ent_a, ent_b, zone):
    make_point("A-E1", owner=ent_a, zone=zone)
    make_point("B-E1", owner=ent_b)
    make_point("LIGHT-1", kind="street_lighting")
    make_point("GAS-A", owner=ent_a, kind="natural_gas", unit="m3", rated=100.0)
    items = []
    for code, per_min in (("A-E1", 2.0), ("B-E1", 3.0), ("LIGHT-1", 0.5), ("GAS-A", 1.0)):
        items += [{"point": code, "ts": ts(10, m), "value": per_min * m} for m in range(16)]
    feed(park, items)
    q = utc(2026, 3, 1, 2, 0)
    rows = {
        (r.scope, r.scope_id, r.kind): r.energy
        for r in EnergyRollup.objects.filter(level="15m", bucket=q)
    }
    assert rows == {
        ("enterprise", ent_a.id, "grid_import"): 30.0,  # 15 × 2
        ("enterprise", ent_a.id, "natural_gas"): 15.0,
        ("enterprise", ent_b.id, "grid_import"): 45.0,
        ("zone", zone.id, "grid_import"): 30.0,
        ("public", park.id, "street_lighting"): 7.5,
        ("park", park.id, "grid_import"): 75.0,
        ("park", park.id, "street_lighting"): 7.5,
        ("park", park.id, "natural_gas"): 15.0,
    }


def test_spike_goes_to_dead_letters_and_leaves_no_mark(park, a_e1):
    feed(
        park,
        [
            {"point": "A-E1", "ts": ts(10, 0), "value": 100.0},
            {"point": "A-E1", "ts": ts(10, 1), "value": 9_000_000.0},
            {"point": "A-E1", "ts": ts(10, 2), "value": 104.0},
        ],
    )
    assert point_rows("15m")[1] == (utc(2026, 3, 1, 2, 0), 4.0, 1)
    letter = DeadLetter.objects.get()
    assert (letter.field, letter.point_code, letter.source) == ("value", "A-E1", "rollup")
    assert "plausibility cap" in letter.reason
    assert not Reading.objects.filter(value=9_000_000.0).exists()


def test_multiplier_and_unit_conversion(park, make_point, ent_a):
    # Counter in MWh with CT ratio 10: +0.001 MWh on the dial = 1 kWh × 10 = 10 kWh.
    make_point("A-HV", owner=ent_a, unit="MWh", multiplier=10.0, rated=5000.0)
    feed(
        park,
        [
            {"point": "A-HV", "ts": ts(10, 0), "value": 1.000},
            {"point": "A-HV", "ts": ts(10, 1), "value": 1.001},
        ],
    )
    assert point_rows("15m", code="A-HV")[1][1] == pytest.approx(10.0)


def test_nothing_pending_is_a_no_op(park, a_e1):
    assert rollup_pending().batches == 0


def test_a_pass_bounded_by_readings_leaves_the_rest_for_the_next(park, a_e1):
    """A pass holds the write lock: after a backlog the live loops take about
    READINGS_PER_PASS readings at a time, oldest batches first, never less than one batch."""
    for start in (0, 10, 20):  # three batches of 10 readings, counter +1 kWh a minute
        items = [
            {"point": "A-E1", "ts": ts(10, m), "value": 100 + m} for m in range(start, start + 10)
        ]
        ingest_items(park_id=park.id, items=items, source="direct")
    first = rollup_pending(readings=15)  # 10 fit, 20 would not
    assert (first.batches, first.readings, first.more) == (1, 10, True)
    assert point_rows("1h") == [(utc(2026, 3, 1, 1, 0), 0.0, 1), (utc(2026, 3, 1, 2, 0), 9.0, 9)]
    alone = rollup_pending(readings=5)  # a batch larger than the bound still goes
    assert (alone.batches, alone.more) == (1, True)
    last = rollup_pending(readings=15)
    assert (last.batches, last.more) == (1, False)
    # 10:00 opens the series; 10:01..10:29 are 29 one-minute intervals of 1 kWh.
    assert point_rows("1h") == [(utc(2026, 3, 1, 1, 0), 0.0, 1), (utc(2026, 3, 1, 2, 0), 29.0, 29)]
    assert rollup_pending(readings=15).batches == 0


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(order=st.permutations(list(range(40))), cut=st.integers(min_value=1, max_value=39))
def test_any_arrival_order_gives_the_same_rollups(park, a_e1, order, cut):
    """Delivered in two batches in any order, rolled up after each: same as in order."""
    from parkpilot.energy.models import PointState

    Reading.objects.all().delete()
    PointRollup.objects.all().delete()
    EnergyRollup.objects.all().delete()
    PointState.objects.all().delete()
    Gap.objects.all().delete()
    values = [m * 1.5 for m in range(40)]
    items = [{"point": "A-E1", "ts": ts(10, m), "value": values[m]} for m in order]
    feed(park, items[:cut])
    feed(park, items[cut:])
    quarters = {b: e for b, e, _ in point_rows("15m")}
    # In order: 10:00 opens; 10:01-10:15 → 15 × 1.5; 10:16-10:30 → 22.5; 10:31-10:39 → 13.5.
    assert quarters == {
        utc(2026, 3, 1, 1, 45): 0.0,
        utc(2026, 3, 1, 2, 0): pytest.approx(22.5),
        utc(2026, 3, 1, 2, 15): pytest.approx(22.5),
        utc(2026, 3, 1, 2, 30): pytest.approx(13.5),
    }
    assert scope_energy("park", "1h", utc(2026, 3, 1, 2, 0)) == pytest.approx(58.5)


def test_sub_meters_do_not_count_twice_in_the_totals(park, make_point, ent_a):
    main = make_point("A-MAIN", owner=ent_a)
    sub = make_point("A-SUB", owner=ent_a)
    sub.parent = main
    sub.save()
    from parkpilot.energy.registry import registry

    registry.invalidate()
    # Main meter +3 kWh a minute, of which the sub-meter measures +1.
    feed(
        park,
        [{"point": "A-MAIN", "ts": ts(10, m), "value": 3.0 * m} for m in range(16)]
        + [{"point": "A-SUB", "ts": ts(10, m), "value": 1.0 * m} for m in range(16)],
    )
    q = utc(2026, 3, 1, 2, 0)
    assert point_rows("15m", code="A-SUB")[1][1] == 15.0  # its own breakdown is kept
    assert scope_energy("enterprise", "15m", q) == 45.0  # the main meter's, not 45 + 15
    assert scope_energy("park", "15m", q) == 45.0


def test_a_pass_written_in_parts_gives_what_one_part_gives(park, make_point, ent_a, monkeypatch):
    """A pass writes its points a part at a time (bounded memory: rollups.WRITE_BUCKETS): in
    parts of one point each, chained and recomputed ones alike, the rollups, scope totals,
    gaps and states are the same as written at once."""
    from parkpilot.energy import rollups

    for code in ("P-1", "P-2", "P-3"):
        make_point(code, owner=ent_a)
    first = [
        {"point": c, "ts": ts(10, m), "value": 100.0 + 2 * m}
        for c in ("P-1", "P-2", "P-3")
        for m in range(20)
    ]
    # Next batch: P-1 goes on in order (chained), P-2 after a 40-minute outage (spread), and
    # P-3 has a late reading inside what was rolled up (recomputed from its readings).
    second = [{"point": "P-1", "ts": ts(10, m), "value": 100.0 + 2 * m} for m in range(20, 30)]
    second += [{"point": "P-2", "ts": ts(11, m), "value": 300.0 + m} for m in range(5)]
    second += [{"point": "P-3", "ts": "2026-03-01T10:05:30+08:00", "value": 111.0}]

    def run():
        _clear_energy()
        feed(park, first)
        feed(park, second)
        return _rollup_snapshot()

    at_once = run()
    monkeypatch.setattr(rollups, "WRITE_BUCKETS", 1)
    monkeypatch.setattr(rollups, "PLAN_POINTS", 1)
    assert run() == at_once
    assert len(at_once[0]) > 12  # all three points have quarters, hours, a day and a month


def _rollup_snapshot():
    from parkpilot.energy.models import PointState

    rows = sorted(
        (r.point_id, r.level, r.bucket, round(r.energy, 6), r.readings, round(r.flagged_energy, 6))
        for r in PointRollup.objects.all()
    )
    scopes = sorted(
        (r.scope, r.scope_id, r.level, r.bucket, round(r.energy, 6), r.readings)
        for r in EnergyRollup.objects.all()
    )
    gaps = sorted(Gap.objects.values_list("point_id", "start", "end"))
    spikes = sorted(DeadLetter.objects.values_list("raw", flat=True))
    states = sorted(PointState.objects.values_list("point_id", "rolled_ts", "rolled_value"))
    return rows, scopes, gaps, spikes, states


def _clear_energy():
    from parkpilot.energy.models import IngestBatch, PointState

    for model in (Reading, PointRollup, EnergyRollup, PointState, Gap, DeadLetter, IngestBatch):
        model.objects.all().delete()


# One step of a counter: minutes since the previous reading, and what the dial does.
steps = st.tuples(
    st.sampled_from([1, 1, 1, 2, 4, 7]),  # 4 and 7 minutes are gaps (over 2.5 intervals)
    st.one_of(
        st.floats(min_value=0, max_value=10, allow_nan=False),  # use (cap: 12 kWh a minute)
        st.just("reset"),  # the counter restarts near zero
        st.just("spike"),  # one reading far over the cap; the counter carries on as before
    ),
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(walk=st.lists(steps, min_size=2, max_size=60), cuts=st.sets(st.integers(1, 59)))
def test_intake_deltas_give_the_same_rollups_as_recomputing(park, make_point, ent_a, walk, cuts):
    """The batches' own deltas (computed at intake) joined at the watermark must give exactly
    what recomputing the same readings from the table gives: resets, roll-overs, spikes and
    gaps included, however the readings are cut into batches."""
    from parkpilot.energy.ingest import deltas
    from parkpilot.energy.models import IngestBatch, MeteringPoint

    if not MeteringPoint.objects.filter(code="R-1").exists():
        # Counter wraps at 999 kWh; rated 600 kW caps a minute at 10 × 1.2 = 12 kWh.
        make_point("R-1", owner=ent_a, rollover=999.0, rated=600.0)
    minute, value, items = 0, 950.0, []  # starts near the top: use rolls it over
    for elapsed, change in walk:
        minute += elapsed
        reading = value
        if change == "reset":
            value = reading = 3.0
        elif change == "spike":
            reading = (value + 400.0) % 999.0
        else:
            value = reading = round((value + change) % 999.0, 3)
        items.append({"point": "R-1", "ts": _at(minute), "value": reading})
    batches = [
        items[a:b] for a, b in zip([0, *sorted(cuts)], [*sorted(cuts), len(items)], strict=True)
    ]
    batches = [b for b in batches if b]

    def run(with_deltas: bool):
        _clear_energy()
        for batch in batches:
            ingest_items(park_id=park.id, items=batch, source="direct")
            if not with_deltas:  # a work item that names only the spans, as a conflict's does
                for item in IngestBatch.objects.all():
                    spans = deltas.spans(deltas.decode(item.deltas)[1])
                    item.ranges, item.deltas = {str(p): list(s) for p, s in spans.items()}, ""
                    item.save()
            rollup_pending()
        return _rollup_snapshot()

    assert run(with_deltas=True) == run(with_deltas=False)


def _at(minute: int) -> str:
    return datetime.fromtimestamp(1772330400 + minute * 60, UTC).isoformat()
