"""The demo park's meters: the plan, the load shapes, the counters, the simulate command."""

import datetime as dt
import math
from collections import Counter

import pytest
from django.core.management import call_command

from parkpilot.demo.services import demo_load, load_demo_data
from parkpilot.energy.demo import plan_for
from parkpilot.energy.models import DeadLetter, EnergyRollup, MeteringPoint, Reading
from parkpilot.energy.models_ops import IntakeJob
from parkpilot.energy.simulator.engine import (
    TZ,
    Faults,
    Meters,
    parse_faults,
    readings_at,
)
from parkpilot.energy.simulator.profiles import day_shape, partial_integral, sun_elevation_sin
from parkpilot.tenancy.models import Park, Role, User


@pytest.fixture(scope="module")
def plan():
    return plan_for(load_demo_data())


def test_the_plan_has_exactly_the_parks_1421_points(plan):
    assert len(plan) == 1421
    assert len({p.code for p in plan}) == 1421
    kinds = Counter(str(p.kind) for p in plan)
    assert kinds == {
        "grid_import": 896,  # 26 main meters + 870 sub-meters
        "ev_charging": 240,
        "street_lighting": 150,
        "pv_generation": 60,
        "water": 26,
        "natural_gas": 24,
        "steam": 9,
        "storage_charge": 6,
        "storage_discharge": 6,
        "grid_export": 4,
    }
    public = {str(p.kind) for p in plan if p.owner is None}
    assert public == {
        "pv_generation",
        "grid_export",
        "storage_charge",
        "storage_discharge",
        "ev_charging",
        "street_lighting",
    }
    gateways = Counter(p.gateway for p in plan)
    assert len(gateways) == 15 and max(gateways.values()) == 95
    mains = [p for p in plan if p.code.endswith("-EL")]
    assert len(mains) == 26
    assert sum(1 for p in plan if p.parent) == 870
    # Saturated vapour at 1.0 MPa absolute, feed water 20 °C (IAPWS-IF97 tables: h'' 2777.12,
    # h' 83.92 kJ/kg): 2.6932 GJ/t, derived from each point's condition.
    steam = [p for p in plan if p.kind == "steam"]
    assert all(abs(p.enthalpy_gj_per_t - 2.6932) < 1e-4 for p in steam)
    assert all((p.steam_pressure_mpa, p.steam_pressure_absolute) == (1.0, True) for p in steam)


def test_shape_integrals_by_hand():
    # A flat day at 1 integrates to 24 h; the factory shape on a workday (2026-11-23, Monday):
    # the hourly table's sum, since linear interpolation between held hourly values loses
    # nothing over a whole day.
    monday = dt.date(2026, 11, 23)
    knots, prefix = day_shape("factory", monday)
    assert math.isclose(prefix[-1], sum(knots) / 4)
    # 00:00-05:45 at the night base 0.35, then the ramp towards 06:00's 0.6 (trapezoid).
    by_hand = 0.35 * 5.75 + (0.35 + 0.6) / 2 * 0.25
    assert math.isclose(partial_integral("factory", monday, 6 * 3600), by_hand, rel_tol=1e-9)
    # Off day (Sunday): 0.55 × the workday.
    sunday = dt.date(2026, 11, 22)
    assert math.isclose(day_shape("factory", sunday)[1][-1], 0.55 * prefix[-1])


def test_the_sun_at_the_park():
    # Summer solstice: highest elevation 90° − 30.23° + 23.44° = 83.2°.
    solstice = dt.date(2026, 6, 21)
    highest = max(sun_elevation_sin(solstice, h / 60) for h in range(9 * 60, 15 * 60))
    assert math.isclose(math.degrees(math.asin(highest)), 83.2, abs_tol=0.3)
    knots, _ = day_shape("solar", dt.date(2026, 11, 23))
    assert knots[0] == 0.0 and knots[4 * 3] == 0.0  # midnight, 03:00
    assert knots[4 * 12] > 1.5  # noon in late November
    lights = day_shape("lights", dt.date(2026, 11, 23))[0]
    assert lights[4 * 22] == 1.0 and lights[4 * 12] == 0.0


def test_counters_agree_across_cadences_and_sub_meters(plan):
    meters = Meters(plan)
    t0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=TZ).timestamp()
    main = meters.by_code["E01-EL"]
    children = meters.children[main]
    assert len(children) > 2
    # A parent meter sees its sub-meters' energy plus 5%.
    total_children = sum(meters.energy(c, t0 + 900) - meters.energy(c, t0) for c in children)
    parent = meters.energy(main, t0 + 900) - meters.energy(main, t0)
    assert math.isclose(parent, total_children / 0.95, rel_tol=1e-9)
    # Fifteen one-minute steps add up to one fifteen-minute step (same function of time).
    one = plan[children[0]]
    steps = sum(
        meters.energy(children[0], t0 + 60 * (k + 1)) - meters.energy(children[0], t0 + 60 * k)
        for k in range(15)
    )
    assert math.isclose(
        steps, meters.energy(children[0], t0 + 900) - meters.energy(children[0], t0)
    )
    # Never backwards (except a roll-over), and within the rated maximum.
    kwh = meters.energy(children[0], t0 + 900) - meters.energy(children[0], t0)
    assert 0 < kwh * 4 <= one.rated_max_per_h
    # A second instance going the other way in time gives the same numbers.
    again = Meters(plan)
    assert again.energy(main, t0) == meters.energy(main, t0)


def test_faults_are_parsed_and_applied(plan):
    assert parse_faults("resets,spikes:0.5") == {"resets": 0.001, "spikes": 0.5}
    with pytest.raises(ValueError, match="unknown fault 'fire'"):
        parse_faults("fire")
    meters = Meters(plan)
    t = dt.datetime(2026, 11, 23, 9, 0, tzinfo=TZ).timestamp()
    clean = readings_at(meters, t, step_s=60, points=list(range(100)))
    assert len(clean) == 100
    faults = Faults(parse_faults("duplicates:1,malformed:1"))
    noisy = readings_at(meters, t, step_s=60, points=list(range(100)), faults=faults)
    assert len(noisy) == 300
    assert faults.counts == {"duplicates": 100, "malformed": 100}


@pytest.mark.django_db
def test_demo_load_creates_the_points_once():
    first = demo_load()
    assert first.created["metering_point"] == 1421
    assert MeteringPoint.objects.filter(is_demo=True).count() == 1421
    assert User.objects.filter(role=Role.GATEWAY, username__startswith="demo-gw-").count() == 15
    # 466 public points, less the 12 rooftop PV arrays manufacturers own.
    assert MeteringPoint.objects.filter(owner__isnull=True).count() == 454
    assert MeteringPoint.objects.filter(kind="pv_generation", owner__isnull=False).count() == 12
    assert MeteringPoint.objects.get(code="E01-EL-001").parent.code == "E01-EL"
    second = demo_load()
    assert "metering_point" not in second.created and "metering_point" not in second.updated


@pytest.mark.django_db
def test_simulate_direct_with_faults_and_a_backfill(capsys):
    demo_load()
    park = Park.objects.get(code="qingshanhu")
    start = dt.datetime(2026, 11, 20, 9, 0, tzinfo=TZ)
    call_command(
        "simulate",
        "--start",
        start.isoformat(),
        "--ticks",
        "2",
        "--points",
        "50",
        "--speedup",
        "100000",
        "--faults",
        "malformed:1",
        "--backfill-days",
        "0.25",
    )
    out = capsys.readouterr().out
    assert "back-fill 1/1 chunks (100%)" in out
    job = IntakeJob.objects.get(park=park, kind="backfill")
    assert (job.status, job.done, job.total) == ("done", 1, 1)
    # 08:00 → 09:00 is cut to six hours: 03:00 < ts < 09:00, 23 quarter hours × 1,421 points.
    assert job.accepted == 23 * 1421
    live = Reading.objects.filter(ts__gte=start).count()
    assert live == 2 * 50
    # The same point refused for the same reason twice in the hour is one letter counting 2.
    letters = DeadLetter.objects.filter(source="simulator")
    assert sorted(set(letters.values_list("count", flat=True))) == [2]
    assert letters.count() == 50
    assert EnergyRollup.objects.filter(park=park, scope="park", level="1h").exists()


@pytest.mark.django_db(transaction=True)
def test_simulate_through_http_with_each_gateways_token(live_server, capsys):
    demo_load()
    start = dt.datetime(2026, 11, 20, 9, 0, tzinfo=TZ)
    call_command(
        "simulate",
        *("--via", "http", "--url", live_server.url),
        *("--start", start.isoformat(), "--ticks", "1", "--points", "200"),
    )
    # 200 points span three gateways (95 each): one request per gateway, each its own token.
    assert Reading.objects.filter(ts=start).count() == 200
    out = capsys.readouterr().out
    assert "'accepted': 200" in out and "'messages': 3" in out


@pytest.mark.django_db
def test_a_restarted_backfill_resumes_or_continues(park, plan):
    from parkpilot.energy.simulator.runner import Backfill

    t = dt.datetime(2026, 11, 20, 12, 0, tzinfo=TZ).timestamp()
    first = Backfill.prepare(park, plan, days=1, now=t)
    assert (first.job.total, first.job.done) == (4, 0)
    first.job.done = 2
    first.job.save()
    resumed = Backfill.prepare(park, plan, days=1, now=t + 3600)
    assert resumed.job.pk == first.job.pk and (resumed.start, resumed.end) == (t - 86400, t)
    first.job.status, first.job.done = "done", 4
    first.job.save()
    later = Backfill.prepare(park, plan, days=1, now=t + 3600)
    # Only the hour since, from the last quarter sent (chunks cover (lo, hi]).
    assert (later.start, later.end, later.job.total) == (t - 900, t + 3600, 1)
    assert Backfill.prepare(park, plan, days=1, now=t + 3600).job.pk == later.job.pk


@pytest.mark.django_db
def test_a_backfill_writes_a_quarter_at_a_time_and_a_stopped_chunk_resends(monkeypatch):
    """A chunk in one transaction held SQLite's write lock for minutes and sign-ins failed;
    each quarter is now its own intake call (one reading per point, a live tick's size)."""
    from parkpilot.energy.simulator import runner

    demo_load()
    park = Park.objects.get(code="qingshanhu")
    plan = plan_for(load_demo_data())
    now = dt.datetime(2026, 11, 20, 9, 0, tzinfo=TZ).timestamp()
    backfill = runner.Backfill.prepare(park, plan, days=0.25, now=now)
    sizes = []
    real_ingest = runner.ingest_items

    def stopped_after_ten_quarters(**kwargs):
        if len(sizes) == 10:
            raise KeyboardInterrupt  # the simulator is stopped halfway through the chunk
        sizes.append(len(kwargs["items"]))
        return real_ingest(**kwargs)

    monkeypatch.setattr(runner, "ingest_items", stopped_after_ten_quarters)
    with pytest.raises(KeyboardInterrupt):
        backfill.step()
    assert sizes == [1421] * 10
    assert IntakeJob.objects.get(pk=backfill.job.pk).done == 0  # the chunk is not counted

    monkeypatch.setattr(runner, "ingest_items", real_ingest)
    resumed = runner.Backfill.prepare(park, plan, days=0.25, now=now)
    assert resumed.job.pk == backfill.job.pk
    assert resumed.step() == 23 * 1421
    job = IntakeJob.objects.get(pk=backfill.job.pk)
    # 03:00 < ts < 09:00: 23 quarters; the ten sent before the stop come back as duplicates.
    assert (job.status, job.accepted, job.duplicates) == ("done", 13 * 1421, 10 * 1421)
    assert Reading.objects.count() == 23 * 1421


@pytest.mark.django_db
def test_live_ticks_wait_for_the_backfill_so_no_quarter_is_late_data(monkeypatch):
    """A live tick sent before the history made each back-filled quarter late data inside a
    gap up to the live reading, recomputed to the watermark every time: in the demo (90 days)
    a quarter took minutes under the write lock and every sign-in failed. In time order each
    pass only extends the points' chains: no point is ever recomputed."""
    from parkpilot.energy.simulator import runner

    demo_load()
    park = Park.objects.get(code="qingshanhu")
    plan = plan_for(load_demo_data())
    start = dt.datetime(2026, 11, 20, 9, 0, tzinfo=TZ).timestamp()
    backfill = runner.Backfill.prepare(park, plan, days=0.25, now=start)
    recomputed, finished_at_live_send = [], []
    real_rollup = runner.rollup_pending

    def rollup_and_record(**kwargs):
        result = real_rollup(**kwargs)
        recomputed.append(result.recomputed_points)
        return result

    class RecordingSender(runner.DirectSender):
        def send(self, by_gateway):
            finished_at_live_send.append(backfill.finished)
            super().send(by_gateway)

    monkeypatch.setattr(runner, "rollup_pending", rollup_and_record)
    runner.run(
        park=park,
        plan=plan,
        sender=RecordingSender(park),
        options=runner.LiveOptions(interval_s=60, speedup=100_000, start=start, ticks=2),
        backfill=backfill,
        report=lambda line: None,
    )
    assert finished_at_live_send == [True, True]
    assert len(recomputed) == 23 + 2  # a pass per back-filled quarter and per live tick
    assert sum(recomputed) == 0
    assert Reading.objects.filter(ts__gte=dt.datetime.fromtimestamp(start, TZ)).count() == 2 * 1421
