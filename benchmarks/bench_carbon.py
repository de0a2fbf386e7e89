"""Carbon accounting and report figures (issue: carbon accounting, grades, 碳体检报告).

Figures:
  carbon_month_demo_s             one month's accounts for every enterprise of the demo park
                                  (1,421 points) from the point rollups, current catalogue;
  carbon_month_500_enterprises_s  the same for a synthetic park of 500 enterprises / 20,000
                                  points (40 per enterprise: main meter, 36 sub-meters, gas,
                                  steam, water);
  carbon_ratio_to_raw_sql         raw SQL time ÷ our time for the 500-enterprise month, where the
                                  raw SQL is the same aggregation as one query over the rollups
                                  (goal ≥ 0.5);
  report_p95_ms                   one enterprise's monthly report, content + PDF + XLSX;
  report_batch_500_s              every enterprise's report of the synthetic park, in one batch
                                  (CARBON_BENCH_BATCH limits how many, for a quick run).
Energy is written as month rollups directly (the bench measures accounting, not intake)."""

import os
import random
import time
from datetime import date

from benchmarks.harness import setup_django, summary, timings_ms, write_result

RAW_SQL = """
SELECT p.owner_id, p.zone_id, p.kind, p.enthalpy_gj_per_t, SUM(r.energy), SUM(r.readings),
       SUM(r.flagged_energy)
FROM energy_pointrollup r JOIN energy_meteringpoint p ON p.id = r.point_id
WHERE p.park_id = %s AND p.parent_id IS NULL AND r.level = '1mo' AND r.bucket >= %s
  AND r.bucket < %s
GROUP BY p.owner_id, p.zone_id, p.kind, p.enthalpy_gj_per_t
"""


def run(database_url: str | None = None) -> dict:
    setup_django(database_url)
    from django.db import connection

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        return _measure(connection)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


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
    return park


def _measure(connection) -> dict:
    from parkpilot.carbon import reports, selectors, services
    from parkpilot.carbon.models import Level
    from parkpilot.carbon.periods import period
    from parkpilot.demo.services import demo_load
    from parkpilot.tenancy.models import Enterprise, Park

    demo_load()
    demo = Park.objects.get(code="qingshanhu")
    per = period(Level.MONTH, date(2026, 10, 1), demo.timezone)
    _rollups(demo, per)
    system = selectors.system_reader(demo)
    demo_ms = timings_ms(lambda: selectors.live_accounts(user=system, park=demo, per=per), runs=20)

    synth = _synthetic()
    from parkpilot.carbon.models import EmissionFactor

    for f in EmissionFactor.objects.filter(park=demo, year=2026):
        f.pk, f.park = None, synth
        f.save()
    services.settings_upsert(actor=None, via="bench", park=synth, year=2026)
    _rollups(synth, per)
    ssys = selectors.system_reader(synth)
    ours = timings_ms(lambda: selectors.live_accounts(user=ssys, park=synth, per=per), runs=10)

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(RAW_SQL, [synth.pk, per.start, per.end])
            return cursor.fetchall()

    raw_ms = timings_ms(raw, runs=10)

    ent = Enterprise.objects.filter(park=demo).order_by("id").first()

    def one_report():
        content = reports.build_content(enterprise=ent, year=2026, month=10)
        reports.render_pdf(content)
        reports.render_xlsx(content)

    report_ms = timings_ms(one_report, runs=int(os.environ.get("CARBON_BENCH_REPORTS", "20")),
                           warmup=2)  # fmt: skip

    limit = int(os.environ.get("CARBON_BENCH_BATCH", "500"))
    ids = list(Enterprise.objects.filter(park=synth).order_by("id").values_list("pk", flat=True))
    t0 = time.perf_counter()
    for eid in ids[:limit]:
        services.report_generate(actor=None, via="bench", enterprise_id=eid, year=2026, month=10)
    batch_s = (time.perf_counter() - t0) * (len(ids) / min(limit, len(ids)))

    ours_s, raw_s = summary(ours), summary(raw_ms)
    metrics = {
        "carbon_month_demo_s": round(summary(demo_ms)["p50_ms"] / 1000, 4),
        "carbon_month_500_enterprises_s": round(ours_s["p50_ms"] / 1000, 4),
        "carbon_ratio_to_raw_sql": round(raw_s["p50_ms"] / ours_s["p50_ms"], 3),
        "report_p50_ms": round(summary(report_ms)["p50_ms"], 1),
        "report_p95_ms": round(summary(report_ms)["p95_ms"], 1),
        "report_batch_500_s": round(batch_s, 1),
    }
    write_result(
        f"carbon_{connection.vendor}",
        metrics=metrics,
        baseline={"raw_sql_500_enterprises_s": round(raw_s["p50_ms"] / 1000, 4)},
        notes=(f"batch measured on {min(limit, len(ids))} of {len(ids)} enterprises"
               + (", scaled linearly" if limit < len(ids) else "")),
    )  # fmt: skip
    return metrics
