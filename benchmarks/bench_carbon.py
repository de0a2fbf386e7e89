"""Carbon accounting and report figures (issue: carbon accounting, grades, 碳体检报告).

Figures:
  carbon_month_demo_s             one month's accounts for every enterprise of the demo park
                                  (1,421 points) from the point rollups, current catalogue;
  carbon_month_500_enterprises_s  the same for a synthetic park of 500 enterprises / 20,000
                                  points (40 per enterprise: main meter, 36 sub-meters, gas,
                                  steam, water);
  carbon_ratio_to_raw_sql         raw SQL time ÷ our time for the 500-enterprise month, where the
                                  raw SQL is the same aggregation as one query over the rollups:
                                  each enterprise's (and each zone's public loads') energy by kind,
                                  electricity used, PV self-consumption, grid purchase, tce and
                                  tCO2 with the same factors, checked equal to ours (goal ≥ 0.5);
  carbon_ratio_to_raw_groupby     the same against a plainer baseline that only sums energy per
                                  (owner, zone, kind) and leaves the accounting out (kept to show
                                  what the Python side costs);
The report figures (report_p95_ms, report_batch_500_s, ...) are in bench_reports.py.
Energy is written as month rollups directly (the bench measures accounting, not intake)."""

import random
import statistics
from datetime import date

from benchmarks.harness import on_a_test_database, summary, timings_ms, write_result

WHERE = """
FROM energy_pointrollup r JOIN energy_meteringpoint p ON p.id = r.point_id
WHERE p.park_id = %(park)s AND p.parent_id IS NULL AND r.level = '1mo' AND r.bucket >= %(start)s
  AND r.bucket < %(end)s
"""

RAW_GROUPBY_SQL = (
    """
SELECT p.owner_id, p.zone_id, p.kind, p.enthalpy_gj_per_t, SUM(r.energy), SUM(r.readings),
       SUM(r.flagged_energy)"""
    + WHERE
    + "GROUP BY p.owner_id, p.zone_id, p.kind, p.enthalpy_gj_per_t"
)


FACTOR_PARAMS = {
    ("electricity", "tce"): "e_tce", ("natural_gas", "tce"): "g_tce", ("heat", "tce"): "h_tce",
    ("electricity", "co2"): "e_co2", ("natural_gas", "co2"): "g_co2", ("heat", "co2"): "h_co2",
}  # fmt: skip


def _kind_sum(kind: str, expr: str = "r.energy") -> str:
    return f"SUM(CASE WHEN p.kind = '{kind}' THEN {expr} ELSE 0 END) AS {kind}"


# The accounting rules of carbon/accounting.py (docs/carbon.md) in SQL, factors as parameters.
RAW_SQL = f"""
WITH flows AS (
  SELECT p.owner_id, CASE WHEN p.owner_id IS NULL THEN p.zone_id END AS zone_id,
         {_kind_sum("grid_import")}, {_kind_sum("grid_export")}, {_kind_sum("pv_generation")},
         {_kind_sum("ev_charging")}, {_kind_sum("street_lighting")}, {_kind_sum("natural_gas")},
         {_kind_sum("steam", "r.energy * p.enthalpy_gj_per_t")},
         SUM(r.readings) AS readings, SUM(r.flagged_energy) AS flagged
  {WHERE}
  GROUP BY p.owner_id, CASE WHEN p.owner_id IS NULL THEN p.zone_id END
), used AS (
  SELECT *, CASE WHEN x > 0 THEN x ELSE 0 END AS used_kwh,
         CASE WHEN pv_generation > grid_export THEN pv_generation - grid_export ELSE 0 END AS pv_net
  FROM (SELECT *, grid_import + ev_charging + street_lighting + pv_generation - grid_export AS x
        FROM flows) f
), split AS (
  SELECT *, CASE WHEN pv_net < used_kwh THEN pv_net ELSE used_kwh END AS pv_self_kwh FROM used
)
SELECT owner_id, zone_id, used_kwh, pv_self_kwh, used_kwh - pv_self_kwh AS grid_kwh,
       natural_gas, steam AS heat_gj, readings, flagged,
       used_kwh * %(e_tce)s + natural_gas * %(g_tce)s + steam * %(h_tce)s AS tce,
       (used_kwh - pv_self_kwh) * %(e_co2)s + natural_gas * %(g_co2)s + steam * %(h_co2)s AS co2_t
FROM split
"""


def run(database_url: str | None = None) -> dict:
    return on_a_test_database(database_url, _measure)


def _rollups(park, per):
    from parkpilot.energy.models import MeteringPoint, PointRollup

    rng = random.Random(7)
    rows = [
        PointRollup(
            point_id=pid,
            level="1mo",
            bucket=per.start,
            energy=rng.uniform(1e3, 1e5),
            readings=2880,
            flagged_energy=0.0,
        )
        for pid in MeteringPoint.objects.filter(park=park).values_list("pk", flat=True)
    ]
    PointRollup.objects.bulk_create(rows, batch_size=2000)


def _synthetic(n_ent=500, per_ent=40):
    from parkpilot.energy.models import MeteringPoint
    from parkpilot.tenancy.credit_code import make_demo_credit_code
    from parkpilot.tenancy.models import Enterprise, Park, Zone

    park = Park.objects.create(code="synthetic", name="合成园区", region_code="330112")
    zones = [Zone.objects.create(park=park, code=f"z{i}", name=f"片区{i}") for i in range(5)]
    ents = Enterprise.objects.bulk_create(
        Enterprise(park=park, zone=zones[i % 5], name=f"合成企业{i:03d}",
                   credit_code=make_demo_credit_code(f"合成企业{i:03d}"),
                   industry_code=["C34", "C38", "C26", "C39"][i % 4])
        for i in range(n_ent)
    )  # fmt: skip
    mains = MeteringPoint.objects.bulk_create(
        MeteringPoint(park=park, code=f"S{e.pk}-M", owner=e, zone=e.zone, kind="grid_import",
                      unit="kWh", register="cumulative", rated_max_per_h=1e5)
        for e in ents
    )  # fmt: skip
    rest = []
    for e, m in zip(ents, mains, strict=True):
        for j in range(per_ent - 4):
            rest.append(MeteringPoint(park=park, code=f"S{e.pk}-{j}", owner=e, zone=e.zone,
                                      kind="grid_import", unit="kWh", register="cumulative",
                                      rated_max_per_h=1e5, parent=m))  # fmt: skip
        extra = (("natural_gas", "m3", None), ("steam", "t", 2.76), ("water", "m3", None))
        for kind, unit, h in extra:
            rest.append(MeteringPoint(park=park, code=f"S{e.pk}-{kind}", owner=e, zone=e.zone,
                                      kind=kind, unit=unit, register="cumulative",
                                      rated_max_per_h=1e5, enthalpy_gj_per_t=h))  # fmt: skip
    MeteringPoint.objects.bulk_create(rest, batch_size=2000)
    # Every point has its open assignment, as the registry's writers and the migration give
    # (dated ownership: the accounts join each rollup row to it).
    from parkpilot.energy.assignments import assignments_sync

    assignments_sync(MeteringPoint.objects.filter(park=park).values_list("pk", flat=True))
    return park


def _check_same_accounts(raw_rows, accounts) -> None:
    """The baseline must do the same work and get the same answer, entity by entity."""
    ours = {**accounts.enterprises, **{("zone", z): a for z, a in accounts.public.items()}}
    raw = {(owner if owner is not None else ("zone", zone)): (tce, co2)
           for owner, zone, *_, tce, co2 in raw_rows}  # fmt: skip
    if not raw_rows or set(raw) - set(ours):
        raise AssertionError("raw SQL baseline found other entities than ours")
    for key, (tce, co2) in raw.items():
        for name, mine, theirs in (
            ("tce", ours[key].tce, tce),
            ("co2", ours[key].co2_t, co2),
        ):
            if abs(float(theirs) - mine) > 1e-9 * max(1.0, abs(mine)):
                raise AssertionError(
                    f"raw SQL baseline disagrees on {key} {name}: {theirs} vs {mine}"
                )


def _interleaved(candidates: dict, rounds: int = 3, runs: int = 10) -> dict[str, float]:
    """Median over rounds of each candidate's p50 (ms), the candidates taking turns so that
    the machine's slow and fast moments fall on all of them alike."""
    p50s: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, fn in candidates.items():
            p50s[name].append(summary(timings_ms(fn, runs=runs))["p50_ms"])
    return {name: statistics.median(values) for name, values in p50s.items()}


def _measure(connection) -> dict:
    from parkpilot.carbon import selectors, services
    from parkpilot.carbon.factors import FactorSet
    from parkpilot.carbon.models import Level
    from parkpilot.carbon.periods import period
    from parkpilot.demo.services import demo_load
    from parkpilot.tenancy.actors import SystemActor
    from parkpilot.tenancy.models import Park

    demo_load()
    demo = Park.objects.get(code="qingshanhu")
    per = period(Level.MONTH, date(2026, 10, 1), demo.timezone)
    _rollups(demo, per)
    system = selectors.system_reader(demo)
    demo_ms = timings_ms(lambda: selectors.live_accounts(user=system, park=demo, per=per), runs=20)

    synth = _synthetic()
    from parkpilot.carbon.models import EmissionFactor

    # The demo's catalogue as it is (2026 carries the latest published factors forward).
    for f in EmissionFactor.objects.filter(park=demo, year__lte=2026):
        f.pk, f.park = None, synth
        f.save()
    bench = SystemActor(synth, "bench")
    services.settings_upsert(actor=bench, via="bench", park=synth, year=2026)
    _rollups(synth, per)
    ssys = selectors.system_reader(synth)

    # A running park's tables have statistics; without them the plans (and whether
    # PostgreSQL's JIT kicks in, ~15 ms) depend on when autovacuum last ran.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    # Bound as the ORM binds them: SQLite stores datetimes as text without an offset, so a raw
    # datetime parameter ("…+00:00") would compare as text and match no row at all.
    adapt = connection.ops.adapt_datetimefield_value
    params = {"park": synth.pk, "start": adapt(per.start), "end": adapt(per.end)}
    factors = FactorSet(park=synth, year=per.year)
    for (carrier, quantity), name in FACTOR_PARAMS.items():
        params[name] = factors.get(carrier, quantity).per_unit

    def query(sql):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    _check_same_accounts(query(RAW_SQL), selectors.live_accounts(user=ssys, park=synth, per=per))
    p50 = _interleaved({
        "ours": lambda: selectors.live_accounts(user=ssys, park=synth, per=per),
        "raw": lambda: query(RAW_SQL),
        "raw_groupby": lambda: query(RAW_GROUPBY_SQL),
    })  # fmt: skip

    metrics = {
        "carbon_month_demo_s": round(summary(demo_ms)["p50_ms"] / 1000, 4),
        "carbon_month_500_enterprises_s": round(p50["ours"] / 1000, 4),
        "carbon_ratio_to_raw_sql": round(p50["raw"] / p50["ours"], 3),
        "carbon_ratio_to_raw_groupby": round(p50["raw_groupby"] / p50["ours"], 3),
    }
    write_result(
        f"carbon_{connection.vendor}",
        metrics=metrics,
        baseline={
            "raw_sql_500_enterprises_s": round(p50["raw"] / 1000, 4),
            "raw_groupby_500_enterprises_s": round(p50["raw_groupby"] / 1000, 4),
        },
    )
    return metrics
