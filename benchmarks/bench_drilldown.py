"""The drill-down's latency (issue 23): drilldown_p95_ms "for any level with two years of data".

A synthetic park of the demo's size (1,421 top-level electricity points in 10 zones, 200
enterprises of 7 points each, the rest public loads), with two years of daily and monthly
rollups per point and one day of hourly ones (synthetic values), the electricity factors, grading
settings and an industry average of both years and each enterprise's monthly value added, so
every level computes its four carbon indicators, last year's beside them and an enterprise's
grade and rank (each request reads the whole park's accounts and economics once per period:
carbon.shared_reads). Each level's page is fetched
as park staff through the in-process test client: park, zone, enterprise over a year, a month
and a day, and one point. drilldown_p95_ms is the worst level's p95. Baseline, same data and
process: the park-over-a-year level's aggregate as one plain SQL statement (energy by zone and
month), so each ratio shows what attribution by dated ownership, access and the page add."""

import os
import re
import tempfile
from datetime import UTC, datetime, timedelta

from benchmarks.harness import setup_django, summary, timings_ms, write_result

RUNS = int(os.environ.get("BENCH_DRILL_RUNS", "60"))
POINTS, ZONES, ENTERPRISES, PER_ENTERPRISE = 1421, 10, 200, 7


def run(database_url: str | None = None) -> dict:
    os.environ["PARKPILOT_DATA_DIR"] = tempfile.mkdtemp(prefix="parkpilot-bench-drill-")
    if database_url:
        database_url = re.sub(r"/[^/]*$", "/parkpilot_bench_drill", database_url)
    setup_django(database_url)
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        return _measure(connection)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _park():
    from parkpilot.energy.models import MeteringPoint, RegisterType
    from parkpilot.tenancy.credit_code import make_demo_credit_code
    from parkpilot.tenancy.models import Enterprise, Park, Role, User, Zone

    park = Park.objects.create(code="bench", name="基准园区", region_code="330112")
    zones = Zone.objects.bulk_create(
        Zone(park=park, code=f"z{i}", name=f"片区{i}") for i in range(ZONES)
    )
    enterprises = Enterprise.objects.bulk_create(
        Enterprise(park=park, zone=zones[i % ZONES], name=f"企业{i}",
                   credit_code=make_demo_credit_code(f"企业{i}"), industry_code="C34")
        for i in range(ENTERPRISES)
    )  # fmt: skip
    points = []
    for i in range(POINTS):
        ent = enterprises[i // PER_ENTERPRISE] if i < ENTERPRISES * PER_ENTERPRISE else None
        zone = ent.zone if ent else zones[i % ZONES]
        points.append(MeteringPoint(
            park=park, code=f"M{i:05d}", name=f"电表{i}", owner=ent, zone=zone,
            kind="grid_import", unit="kWh", register=RegisterType.CUMULATIVE, interval_s=60,
            rated_max_per_h=100.0,
        ))  # fmt: skip
    points = MeteringPoint.objects.bulk_create(points)
    staff = User.objects.create_user(
        username="staff", password="x", role=Role.PARK_STAFF, park=park
    )
    return park, zones, enterprises, points, staff


def _carbon(park, enterprises) -> None:
    """Factors, grading settings and an industry average for 2024 and 2025, and 24 months of
    value added per enterprise (synthetic)."""
    from datetime import date
    from decimal import Decimal

    from parkpilot.carbon import services
    from parkpilot.economy.models import EnterpriseMonthly
    from parkpilot.tenancy.actors import system_actor

    actor = system_actor(park)
    for year in (2024, 2025):
        for quantity, region, value, unit in (
            ("tce", "national", "0.1229", "kgce/kWh"),
            ("co2", "east_china", "0.5617", "kgCO2/kWh"),
            ("co2", "national", "0.5366", "kgCO2/kWh"),
        ):
            services.factor_create(
                actor=actor, via="bench", park=park, carrier="electricity", quantity=quantity,
                region=region, year=year, value=value, unit=unit, document="bench",
                effective_from=date(2024, 1, 1),
            )  # fmt: skip
        services.settings_upsert(actor=actor, via="bench", park=park, year=year)
        services.industry_average_upsert(
            actor=actor, via="bench", park=park, industry_code="C34", year=year, intensity="1.0"
        )
    EnterpriseMonthly.objects.bulk_create(
        EnterpriseMonthly(park=park, enterprise=ent, year=year, month=month,
                          value_added=Decimal(100 + i % 50))
        for i, ent in enumerate(enterprises) for year in (2024, 2025) for month in range(1, 13)
    )  # fmt: skip


def _rollups(points, first_month: datetime, months: int, day: datetime) -> int:
    from zoneinfo import ZoneInfo

    from parkpilot.energy.models import Level, PointRollup

    tz = ZoneInfo("Asia/Shanghai")
    month_starts, at = [], first_month
    for _ in range(months):
        month_starts.append(at)
        at = (at.replace(day=28) + timedelta(days=4)).replace(day=1)
    days, d = [], first_month
    while d < at:
        days.append(d)
        d = (d.astimezone(UTC) + timedelta(days=1)).astimezone(tz)
    hours = [day.astimezone(UTC) + timedelta(hours=h) for h in range(24)]
    written = 0
    for point in points:
        rows = [
            PointRollup(
                point_id=point.pk, level=Level.MONTH, bucket=m, energy=720.0, readings=43200
            )
            for m in month_starts
        ]
        rows += [
            PointRollup(point_id=point.pk, level=Level.DAY, bucket=b, energy=24.0, readings=1440)
            for b in days
        ]
        rows += [PointRollup(point_id=point.pk, level=Level.HOUR, bucket=h, energy=1.0,
                             readings=60) for h in hours]  # fmt: skip
        PointRollup.objects.bulk_create(rows, batch_size=2000)
        written += len(rows)
    return written


def _measure(connection) -> dict:
    from zoneinfo import ZoneInfo

    from django.test import Client

    tz = ZoneInfo("Asia/Shanghai")
    park, zones, enterprises, points, staff = _park()
    first = datetime(2024, 1, 1, tzinfo=tz)
    rows = _rollups(points, first, 24, datetime(2025, 12, 15, tzinfo=tz))
    _carbon(park, enterprises)
    client = Client()
    client.force_login(staff)
    ent, zone, point = enterprises[0], zones[0], points[0]
    levels = {
        "park_year": "/cockpit/drill/?period=2025",
        "park_month": "/cockpit/drill/?period=2025-12",
        "park_day": "/cockpit/drill/?period=2025-12-15",
        "zone_year": f"/cockpit/drill/zone/{zone.pk}/?period=2025",
        "zone_month": f"/cockpit/drill/zone/{zone.pk}/?period=2025-12",
        "enterprise_year": f"/cockpit/drill/enterprise/{ent.pk}/?period=2025",
        "enterprise_day": f"/cockpit/drill/enterprise/{ent.pk}/?period=2025-12-15",
        "point_year": f"/cockpit/drill/point/{point.pk}/?period=2025",
    }
    # The figures checked once: 1,421 points x 12 months x 720 kWh, the same a year before,
    # and its CO2 at 0.5617 kgCO2/kWh; an enterprise is graded.
    data = client.get(levels["park_year"]).context["data"]
    assert data["total"] == data["total_year_ago"] == POINTS * 12 * 720.0
    assert data["indicators"]["co2_t"] == round(POINTS * 12 * 720.0 * 0.5617 / 1000, 6)
    assert client.get(levels["enterprise_year"]).context["data"]["grade"]["rank"]

    def fetch(url):
        def go():
            assert client.get(url).status_code == 200

        return go

    results = {name: summary(timings_ms(fetch(url), runs=RUNS)) for name, url in levels.items()}
    start, end = datetime(2025, 1, 1, tzinfo=tz), datetime(2026, 1, 1, tzinfo=tz)
    adapt = connection.ops.adapt_datetimefield_value

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT p.zone_id, r.bucket, SUM(r.energy) FROM energy_pointrollup r "
                "JOIN energy_meteringpoint p ON p.id = r.point_id WHERE p.park_id = %s "
                "AND r.level = '1mo' AND r.bucket >= %s AND r.bucket < %s "
                "GROUP BY p.zone_id, r.bucket",
                [park.pk, adapt(start), adapt(end)],
            )
            cursor.fetchall()

    baseline = summary(timings_ms(raw, runs=RUNS))
    worst = max(r["p95_ms"] for r in results.values())
    metrics = {
        "drilldown_p95_ms": worst,
        "drilldown_p95_ratio_to_raw_sql": round(worst / baseline["p95_ms"], 1),
        **{f"{name}_p95_ms": r["p95_ms"] for name, r in results.items()},
    }
    name = f"drilldown_{connection.vendor}"
    path = write_result(
        name,
        metrics=metrics,
        baseline={
            "raw_sql_park_year_by_zone": baseline,
            "database": connection.vendor,
            "rollup_rows": rows,
            "levels": results,
        },
        notes=(
            f"synthetic park: {POINTS} points, {ZONES} zones, {ENTERPRISES} enterprises; two "
            "years of daily and monthly rollups per point, one day of hourly; park staff, "
            f"in-process test client, {RUNS} runs per level"
        ),
    )
    print(f"{name}: {metrics} -> {path}")
    return metrics
