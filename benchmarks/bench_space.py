"""Land and space (issue 20): a year of 亩均效益 evaluation and the occupancy page.

Figures:
- mujun_year_s: selectors.mujun_year for one year over 2,000 enterprises (PARKPILOT_BENCH_SPACE_
  ENTERPRISES), each on land (1,000 holding a parcel, 1,000 tenants of a factory building),
  with 12 months of economy figures and a year of emissions; goal < 5 s. The carbon accounts
  are read as the evaluation always reads them (period_accounts of the year); this world has
  no meters, so they are empty and 单位能耗增加值 is missing for all (the accounts' own cost is
  measured by bench_carbon).
- mujun_ratio_to_raw_sql: the same figures from one raw SQL query over the same stored inputs
  (parcels, leases, floors, monthly figures, emissions), scored by the same arithmetic
  (space/mujun.py), divided by mujun_year_s; goal ≥ 0.5. The run checks both agree. Both
  are the median of 5 runs, taken one after the other.
- space_occupancy_p95_ms: the occupancy page of one building of 10,000 units (100 floors of
  100), half of them let, 20 requests as park staff after one warm-up request (the
  process's first request loads templates and catalogues: about 1 s); goal ≤ 300. The page
  sums the floors in the database and lists one floor's units on drill-down
  (space_floor_p95_ms: `?floor=50`).
Run on SQLite and PostgreSQL (ANALYZE after loading, as autovacuum would)."""

import os
import re
import statistics
import tempfile
import time
from datetime import date
from decimal import Decimal

from benchmarks.harness import setup_django, write_result

ENTERPRISES = int(os.environ.get("PARKPILOT_BENCH_SPACE_ENTERPRISES", "2000"))
YEAR = 2024
RAW_SQL = """
WITH building_m2 AS (
  SELECT f.building_id, SUM(f.area_m2) AS m2 FROM space_floor f GROUP BY f.building_id
), land AS (
  SELECT p.enterprise_id AS eid, p.area_m2 AS m2 FROM space_parcel p
   WHERE p.park_id = %(park)s AND p.enterprise_id IS NOT NULL
  UNION ALL
  SELECT l.enterprise_id, u.area_m2 * p.area_m2 / bm.m2
    FROM space_lease l JOIN space_unit u ON u.id = l.unit_id
    JOIN space_floor f ON f.id = u.floor_id JOIN space_building b ON b.id = f.building_id
    JOIN space_parcel p ON p.id = b.parcel_id JOIN building_m2 bm ON bm.building_id = b.id
   WHERE b.park_id = %(park)s AND l.start <= %(day)s AND (l."end" IS NULL OR l."end" >= %(day)s)
), land_by AS (SELECT eid, SUM(m2) AS m2 FROM land GROUP BY eid),
econ AS (
  SELECT enterprise_id AS eid, SUM(value_added) va, SUM(tax) tax, SUM(revenue) revenue,
         SUM(rnd_spending) rnd, AVG(employees) employees
    FROM economy_enterprisemonthly WHERE park_id = %(park)s AND year = %(year)s
   GROUP BY enterprise_id
)
SELECT l.eid, l.m2, e.va, e.tax, e.revenue, e.rnd, e.employees,
       s.cod_t + s.nh3n_t + s.so2_t + s.nox_t
  FROM land_by l JOIN econ e ON e.eid = l.eid
  LEFT JOIN space_emissions s ON s.enterprise_id = l.eid AND s.year = %(year)s
 WHERE l.m2 > 0 AND e.va IS NOT NULL ORDER BY l.eid
"""


def run(database_url: str | None = None) -> dict:
    os.environ["PARKPILOT_DATA_DIR"] = tempfile.mkdtemp(prefix="parkpilot-bench-space-")
    if database_url:
        database_url = re.sub(r"/[^/]*$", "/parkpilot_bench_space", database_url)
    setup_django(database_url)
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        return _measure(connection)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _world():
    from parkpilot.economy.models import EnterpriseMonthly
    from parkpilot.space.models import Building, Emissions, Floor, Lease, MujunScheme, Parcel, Unit
    from parkpilot.tenancy.credit_code import make_demo_credit_code
    from parkpilot.tenancy.models import Enterprise, Park, User
    from parkpilot.tenancy.roles import Role

    park = Park.objects.create(code="bench", name="基准园区", region_code="330112")
    ents = Enterprise.objects.bulk_create(
        Enterprise(park=park, name=f"企业{i:05d}", credit_code=make_demo_credit_code(f"b{i}"),
                   industry_code="C34")
        for i in range(ENTERPRISES)
    )  # fmt: skip
    half = ENTERPRISES // 2
    Parcel.objects.bulk_create(
        Parcel(park=park, code=f"330112001001GB{i + 1:05d}", name=f"宗地{i}", kind="supply",
               use="industrial", area_m2=Decimal(10000 + 37 * i), enterprise=e)
        for i, e in enumerate(ents[:half])
    )  # fmt: skip
    factory = Parcel.objects.create(
        park=park, code="330112001002GB00001", name="厂房", kind="supply", use="industrial",
        area_m2=Decimal(50000),
    )  # fmt: skip
    big = Building.objects.create(park=park, parcel=factory, name="万间楼")
    floors = Floor.objects.bulk_create(
        Floor(building=big, number=n, area_m2=Decimal(10000)) for n in range(1, 101)
    )
    units = Unit.objects.bulk_create(
        Unit(floor=f, code=f"{f.number}-{k:03d}", area_m2=Decimal(100)) for f in floors
        for k in range(100)
    )  # fmt: skip
    tenants = ents[half:]
    Lease.objects.bulk_create(
        Lease(unit=units[2 * i], enterprise=tenants[i % len(tenants)], start=date(2020, 1, 1))
        for i in range(len(units) // 2)
    )  # fmt: skip
    EnterpriseMonthly.objects.bulk_create(
        EnterpriseMonthly(park=park, enterprise=e, year=YEAR, month=m,
                          value_added=Decimal(100 + i % 97), tax=Decimal(10 + i % 13),
                          revenue=Decimal(400 + i % 89), rnd_spending=Decimal(5 + i % 7),
                          employees=50 + i % 31)
        for i, e in enumerate(ents) for m in range(1, 13)
    )  # fmt: skip
    Emissions.objects.bulk_create(
        Emissions(park=park, enterprise=e, year=YEAR, cod_t=Decimal(1 + i % 5),
                  nh3n_t=Decimal("0.1"), so2_t=Decimal("0.5"), nox_t=Decimal(1))
        for i, e in enumerate(ents)
    )  # fmt: skip
    MujunScheme.objects.create(park=park, year=YEAR, document="基准方案", cap=2,
                               weights={"tax_per_mu": 40, "va_per_mu": 20, "va_per_tce": 15,
                                        "va_per_pollutant_t": 10, "rnd_pct": 10,
                                        "va_per_employee": 5},
                               cutoffs={"A": 20, "B": 70, "C": 95})  # fmt: skip
    staff = User.objects.create_user(username="bench-staff", password="x", role=Role.PARK_STAFF,
                                     park=park)  # fmt: skip
    return park, staff, big


def _raw(connection, park):
    from parkpilot.space import mujun

    with connection.cursor() as cur:
        day = f"{YEAR}-12-31"
        cur.execute(RAW_SQL, {"park": park.pk, "day": day, "year": YEAR})
        rows = cur.fetchall()

    def dec(v):
        return None if v is None else Decimal(str(v))

    inputs = [
        mujun.Inputs(enterprise_id=r[0], land_m2=dec(r[1]), value_added=dec(r[2]), tax=dec(r[3]),
                     revenue=dec(r[4]), rnd=dec(r[5]), employees=dec(r[6]), tce=None, co2_t=None,
                     pollutant_t=dec(r[7]))
        for r in rows
    ]  # fmt: skip
    return inputs


def _median_of(n: int, work):
    """The result of `work` and its median time (s) over n runs, taken in turn: one run alone
    on a shared machine measures the neighbours as much as the code."""
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - t0)
    return result, statistics.median(times)


def _measure(connection) -> dict:
    from django.test import Client

    from parkpilot.space import mujun, selectors

    park, staff, big = _world()
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:  # statistics of the fresh tables, as autovacuum would
            cur.execute("ANALYZE")
    scheme = selectors.scheme_get(park=park, year=YEAR)
    ours, ours_s = _median_of(5, lambda: selectors.mujun_year(user=staff, park=park, year=YEAR))
    weights, cutoffs, cap = scheme.weights, scheme.cutoffs, scheme.cap
    raw, raw_s = _median_of(5, lambda: mujun.evaluate(_raw(connection, park), weights, cutoffs,
                                                      cap))  # fmt: skip
    agree = {r["enterprise_id"]: (r["score"], r["class"]) for r in ours} == {
        eid: (r["score"], r["class"]) for eid, r in raw.items()
    }
    client = Client()
    client.force_login(staff)
    client.get(f"/space/buildings/{big.pk}/")  # warm-up: templates and catalogues load once
    times = []
    for _ in range(20):
        t0 = time.perf_counter()
        response = client.get(f"/space/buildings/{big.pk}/?day={YEAR}-12-31")
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
    floor_times = []
    for _ in range(20):
        t0 = time.perf_counter()
        response = client.get(f"/space/buildings/{big.pk}/?day={YEAR}-12-31&floor=50")
        floor_times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
    metrics = {
        "mujun_year_s": round(ours_s, 3),
        "mujun_ratio_to_raw_sql": round(raw_s / ours_s, 2),
        "mujun_figures_agree": agree,
        "mujun_enterprises": len(ours),
        "space_occupancy_p95_ms": round(statistics.quantiles(times, n=20)[18], 1),
        "space_floor_p95_ms": round(statistics.quantiles(floor_times, n=20)[18], 1),
    }
    name = f"space_{connection.vendor}"
    path = write_result(
        name, metrics=metrics,
        baseline={"raw_sql_s": round(raw_s, 3), "database": connection.vendor},
        notes=(f"{ENTERPRISES} enterprises (half on their own parcel, half tenants of one "
               "building of 10,000 units, half let), 12 months each, no meters (the carbon "
               "accounts are read but empty); 亩均: median of 5 runs each; occupancy page and one "
               "floor's drill-down: 20 requests each"),
    )  # fmt: skip
    print(f"{name}: {metrics} -> {path}")
    return metrics
