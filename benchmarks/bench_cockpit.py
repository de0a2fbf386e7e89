"""Cockpit page latency and the big screen's live-update fan-out (issue: data cockpit).

Figures:
- cockpit_p95_ms, cockpit_queries: GET /cockpit/ as park staff on the demo park, in-process
  test client. Baseline, same process and data: the raw SQL of the economy indicator aggregate
  (the heaviest query the page runs), so the ratio shows what tiles, templates and Django add.
- sse_fanout_p95_ms: 200 big-screen clients hold /cockpit/screen/stream open against one
  `parkpilot serve` process (uvicorn) on loopback; the bench changes a month's figures and
  measures, per client, the time from the commit to the new figures' arrival. Baseline, same
  server and clients: one round of 200 concurrent GET /api/v1/cockpit, i.e. what a polling
  screen would cost per poll (p95 per request).

Energy and carbon tiles do not exist yet (their issue is in progress); when they register, this
bench measures them with the rest, no change needed here."""

import asyncio
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import percentile, setup_django, summary, timings_ms, write_result

RUNS = 200
CLIENTS = int(os.environ.get("BENCH_SSE_CLIENTS", "200"))
CHANGES = 12
RAMP = 20


def run(database_url: str | None = None) -> dict:
    # A private data directory and database name, so the bench never meets a test run's files.
    scratch = tempfile.mkdtemp(prefix="parkpilot-bench-cockpit-")
    os.environ["PARKPILOT_DATA_DIR"] = scratch
    if database_url:
        database_url = re.sub(r"/[^/]*$", "/parkpilot_bench_cockpit", database_url)
    setup_django(database_url)
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        return _measure(connection, database_url, scratch)
    finally:
        _terminate_others(connection)
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _terminate_others(connection):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


def _measure(connection, database_url, scratch) -> dict:
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from parkpilot.demo.services import demo_load
    from parkpilot.tenancy.models import User

    demo_load()
    staff = User.objects.get(username="staff")
    rollup_rows = _year_of_rollups(staff.park_id)
    page = Client()
    page.force_login(staff)

    def cockpit():
        assert page.get("/cockpit/").status_code == 200

    with CaptureQueriesContext(connection) as captured:
        cockpit()
    queries = len(captured)
    baseline = summary(timings_ms(lambda: _raw_indicators(connection, staff.park_id), runs=RUNS))
    page_t = summary(timings_ms(cockpit, runs=RUNS))

    server_url = _test_database_url(connection, database_url)
    sse, polls = _fanout(server_url, scratch, page.cookies["sessionid"].value, staff)
    metrics = {
        "cockpit_p50_ms": page_t["p50_ms"],
        "cockpit_p95_ms": page_t["p95_ms"],
        "cockpit_p95_ratio_to_raw_sql": round(page_t["p95_ms"] / baseline["p95_ms"], 1),
        "cockpit_queries": queries,
        "sse_fanout_p50_ms": round(percentile(sse, 50), 1),
        "sse_fanout_p95_ms": round(percentile(sse, 95), 1),
        "sse_fanout_max_ms": round(max(sse), 1),
        "sse_samples": len(sse),
        "sse_clients": CLIENTS,
    }
    name = f"cockpit_{connection.vendor}"
    path = write_result(
        name,
        metrics=metrics,
        baseline={
            "raw_sql_indicators": baseline,
            "poll_round_200_clients_p95_ms": round(percentile(polls, 95), 1),
            "poll_round_200_clients_p50_ms": round(percentile(polls, 50), 1),
            "database": connection.vendor,
            "rollup_rows": rollup_rows,
        },
        notes=(
            "demo park with a year of rollups for its 1,421 points (synthetic values); "
            f"park staff; SSE: {CLIENTS} clients, {CHANGES} data changes, one "
            "`parkpilot serve` process (uvicorn) on loopback, poll interval 0.5 s"
        ),
    )
    print(f"{name}: {metrics} -> {path}")
    return metrics


def _raw_indicators(connection, park_id):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT m.enterprise_id, m.year, p.high_tech, p.high_end_equipment, "
            "SUM(m.output_value), SUM(m.value_added) FROM economy_enterprisemonthly m "
            "JOIN tenancy_enterprise e ON e.id = m.enterprise_id "
            "LEFT JOIN economy_economyprofile p ON p.enterprise_id = e.id "
            "WHERE m.park_id = %s AND m.year IN (2021, 2022) AND m.month <= 8 "
            "AND e.above_scale AND substr(e.industry_code, 1, 1) IN ('B', 'C', 'D') "
            "GROUP BY m.enterprise_id, m.year, p.high_tech, p.high_end_equipment",
            [park_id],
        )
        cursor.fetchall()


def _test_database_url(connection, database_url) -> str:
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(name).resolve()}"
    return re.sub(r"/[^/]*$", f"/{name}", database_url)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fanout(server_db_url, scratch, session, staff) -> tuple[list[float], list[float]]:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": server_db_url, "PARKPILOT_DATA_DIR": scratch}
    cli = str(Path(sys.executable).with_name("parkpilot"))
    log = Path(scratch) / "server.log"
    server = subprocess.Popen(
        [cli, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    try:
        _wait_for_port(port, server)
        return asyncio.run(_clients(port, session, staff))
    except BaseException:
        print(f"server log ({log}):\n{log.read_text()[-3000:]}", file=sys.stderr)
        raise
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


def _wait_for_port(port, server, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("server exited")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("server did not start")


class Screen:
    """One big-screen client: holds the stream open and notes when each version arrives."""

    def __init__(self):
        self.arrivals: dict[str, float] = {}
        self.first = asyncio.Event()

    async def watch(self, port, session):
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**22)
        writer.write(
            (
                "GET /cockpit/screen/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Cookie: sessionid={session}\r\nAccept: text/event-stream\r\n\r\n"
            ).encode()
        )
        await writer.drain()
        status = await reader.readline()
        assert b" 200 " in status, status
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                if line.startswith(b"data: {") and b'"version"' in line:
                    now = time.perf_counter()
                    version = re.search(rb'"version":"([^"]*)"', line).group(1).decode()
                    self.arrivals.setdefault(version, now)
                    self.first.set()
        finally:
            writer.close()


async def _clients(port, session, staff) -> tuple[list[float], list[float]]:
    screens = [Screen() for _ in range(CLIENTS)]
    tasks = []
    # Screens connect in waves of RAMP, as a wall of displays does (each reconnects after its
    # own jittered retry): a connection storm is the database pool's problem, not the fan-out's.
    for start in range(0, CLIENTS, RAMP):
        wave = screens[start : start + RAMP]
        tasks += [asyncio.create_task(s.watch(port, session)) for s in wave]
        await asyncio.wait_for(asyncio.gather(*(s.first.wait() for s in wave)), 60)
    latencies: list[float] = []
    for i in range(CHANGES):
        # Off the poll's beat, so the samples cover the whole poll interval.
        await asyncio.sleep(0.3 + (i * 0.37) % 0.7)
        committed = await asyncio.to_thread(_change, staff, i)
        version = await _wait_version(screens, committed)
        latencies.extend((s.arrivals[version] - committed) * 1000 for s in screens)
    polls = await _poll_round(port, session)
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return latencies, polls


async def _wait_version(screens, committed, timeout=30) -> str:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        fresh = [{v for v, at in s.arrivals.items() if at >= committed} for s in screens]
        if all(fresh):
            common = set.intersection(*fresh)
            if common:
                return min(common, key=lambda v: screens[0].arrivals[v])
        await asyncio.sleep(0.01)
    raise RuntimeError("not every client received the change")


def _change(staff, i) -> float:
    """A new data point: one enterprise's August figures corrected (one committed write)."""

    from parkpilot.economy import services
    from parkpilot.economy.models import EnterpriseMonthly

    row = EnterpriseMonthly.objects.select_related("enterprise").filter(year=2022, month=8).first()
    services.monthly_save(
        actor=staff,
        via="bench",
        enterprise=row.enterprise,
        year=2022,
        month=8,
        values={"employees": (row.employees or 0) + 1 + i},
    )
    return time.perf_counter()


async def _poll_round(port, session) -> list[float]:
    async def one():
        start = time.perf_counter()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            (
                "GET /api/v1/cockpit HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Cookie: sessionid={session}\r\nConnection: close\r\n\r\n"
            ).encode()
        )
        await writer.drain()
        await reader.read()
        writer.close()
        return (time.perf_counter() - start) * 1000

    return list(await asyncio.gather(*(one() for _ in range(CLIENTS))))


def _year_of_rollups(park_id: int) -> int:
    """A year of rollups up to now for every demo point, at the levels pages read: per point
    daily and monthly; per park/zone/enterprise/public scope and kind hourly, daily and monthly.
    Values are synthetic (1 per point-hour); the row counts are what a year of data leaves."""
    from collections import Counter

    from django.utils import timezone

    from parkpilot.energy.buckets import parents, quarter_start
    from parkpilot.energy.ingest.store import ts_param_converter, upsert_add
    from parkpilot.energy.models import MeteringPoint

    tz = "Asia/Shanghai"
    now = timezone.now().timestamp()
    hours = sorted({parents(quarter_start(now - h * 3600, tz), tz)[0] for h in range(24 * 365)})
    per_day, per_month = Counter(), Counter()
    for hour in hours:
        _, day, month = parents(hour, tz)
        per_day[day] += 1
        per_month[month] += 1
    points = list(MeteringPoint.objects.filter(park_id=park_id))
    scopes = Counter()  # (scope, scope_id, enterprise_id, kind) -> top-level points
    for p in points:
        if p.parent_id:
            continue
        scopes[("park", park_id, None, p.kind)] += 1
        if p.zone_id:
            scopes[("zone", p.zone_id, None, p.kind)] += 1
        owner = ("enterprise", p.owner_id, p.owner_id) if p.owner_id else ("public", park_id, None)
        scopes[(*owner, p.kind)] += 1
    param = ts_param_converter()
    point_rows = [
        (p.pk, level, param(bucket), float(n), n, 0.0)
        for p in points
        for level, counts in (("1d", per_day), ("1mo", per_month))
        for bucket, n in counts.items()
    ]
    scope_rows = [
        (park_id, sc, sid, kind, level, param(bucket), ent, float(n * k), n * k, 0.0)
        for (sc, sid, ent, kind), k in scopes.items()
        for level, counts in (("1h", dict.fromkeys(hours, 1)), ("1d", per_day), ("1mo", per_month))
        for bucket, n in counts.items()
    ]
    for start in range(0, len(point_rows), 100_000):
        upsert_add(
            "energy_pointrollup", ["point_id", "level", "bucket"], [],
            ["energy", "readings", "flagged_energy"],
            ["bigint", "text", "timestamptz", "float8", "int", "float8"],
            point_rows[start : start + 100_000],
        )  # fmt: skip
    for start in range(0, len(scope_rows), 100_000):
        upsert_add(
            "energy_energyrollup", ["park_id", "scope", "scope_id", "kind", "level", "bucket"],
            ["enterprise_id"], ["energy", "readings", "flagged_energy"],
            ["bigint", "text", "bigint", "text", "text", "timestamptz", "bigint", "float8",
             "int", "float8"],
            scope_rows[start : start + 100_000],
        )  # fmt: skip
    return len(point_rows) + len(scope_rows)
