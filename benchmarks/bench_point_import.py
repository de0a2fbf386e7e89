"""A 30,000-row metering-point import on SQLite while a gateway keeps posting readings
(issue 13: `point_import_lock_max_ms`, `gateway_write_p95_during_import_ms`).

Set-up: a fresh SQLite file with the project's settings (WAL, IMMEDIATE transactions, 5 s busy
timeout); the server is `parkpilot serve` (uvicorn, the production door) in its own process;
a gateway thread posts 20 readings per request with its bearer token to
POST /api/v1/energy/readings, one request every 50 ms. In the same run:

- **baseline**: the gateway's latencies with no import running;
- **during import**: the same gateway while `points_import_run` imports a 30,000-row CSV
  (check every row, then write `WRITE_CHUNK` rows per transaction).

The write lock is measured two ways: each write chunk's transaction (`_apply_chunk`) is timed
from the return of its BEGIN IMMEDIATE (the lock taken) to COMMIT (`point_import_lock_max_ms`,
the longest; the wait for the lock before it is `point_import_begin_wait_max_ms`: a gateway
write or rollup pass holding it), and from outside by
a prober connection that takes `BEGIN IMMEDIATE` in a loop and records its longest wait
(`sqlite_lock_wait_max_during_import_ms`, which includes the gateway's own transactions).

`PARKPILOT_BENCH_QUICK=1`: 3,000 rows (a check that it runs, not a figure)."""

import http.client
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.harness import percentile, write_result

DATABASES = ("sqlite",)
QUICK = os.environ.get("PARKPILOT_BENCH_QUICK") == "1"
ROWS = 3_000 if QUICK else 30_000
GATEWAY_POINTS = 20
POST_EVERY_S = 0.05
BASELINE_REQUESTS = 40 if QUICK else 200
PORT = int(os.environ.get("PARKPILOT_BENCH_PORT", "8765"))


def run(database_url: str | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-point-import-") as data_dir:
        os.environ["PARKPILOT_DATA_DIR"] = data_dir
        os.environ.pop("DATABASE_URL", None)
        os.environ["DJANGO_SETTINGS_MODULE"] = "parkpilot.settings"
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        token, staff_id, park_id = _setup()
        server = _serve(data_dir)
        try:
            return _measure(Path(data_dir), token, staff_id, park_id)
        finally:
            server.terminate()
            server.wait(timeout=30)


def _setup():
    from parkpilot.energy.models import MeteringPoint
    from parkpilot.tenancy.models import Park, Role, User
    from parkpilot.tenancy.services import api_token_create

    park = Park.objects.create(code="bench", name="基准园区", region_code="330112")
    gateway = User.objects.create(username="gw", role=Role.GATEWAY, park=park)
    staff = User.objects.create(username="staff", role=Role.PARK_STAFF, park=park)
    MeteringPoint.objects.bulk_create(
        MeteringPoint(park=park, code=f"GW-{i:02d}", kind="grid_import", unit="kWh",
                      register="cumulative", rated_max_per_h=100000.0, gateway=gateway)
        for i in range(GATEWAY_POINTS)
    )  # fmt: skip
    token = api_token_create(actor=None, via="bench", user=gateway, name="bench")
    return token, staff.pk, park.pk


def _serve(data_dir: str) -> subprocess.Popen:
    env = {**os.environ, "PARKPILOT_DATA_DIR": data_dir, "PARKPILOT_LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(
        [sys.executable, "-m", "parkpilot.cli", "serve", "--port", str(PORT)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            connection.request("GET", "/api/v1/health")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("the server did not start")


class Gateway(threading.Thread):
    """Posts readings until stopped (or `limit` requests), recording each latency."""

    def __init__(self, token: str, start_minute: int, limit: int | None = None):
        super().__init__(daemon=True)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.minute = start_minute
        self.limit = limit
        self.latencies: list[float] = []
        self.failures: list[int] = []
        self.stop = threading.Event()

    def run(self):
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)  # kept alive
        while not self.stop.is_set() and (self.limit is None or len(self.latencies) < self.limit):
            ts = _minute_iso(self.minute)
            body = [
                {"point": f"GW-{i:02d}", "ts": ts, "value": float(self.minute)}
                for i in range(GATEWAY_POINTS)
            ]
            self.minute += 1
            started = time.perf_counter()
            connection.request("POST", "/api/v1/energy/readings", json.dumps(body), self.headers)
            response = connection.getresponse()
            answer = response.read()
            self.latencies.append((time.perf_counter() - started) * 1000)
            if response.status != 200 or json.loads(answer)["accepted"] != GATEWAY_POINTS:
                self.failures.append(response.status)
            time.sleep(POST_EVERY_S)


def _minute_iso(minute: int) -> str:
    day, rest = divmod(minute, 1440)
    hour, mm = divmod(rest, 60)
    return f"2026-{1 + day // 28:02d}-{1 + day % 28:02d}T{hour:02d}:{mm:02d}:00+08:00"


class Prober(threading.Thread):
    """Takes SQLite's write lock in a loop from its own connection; the longest wait for it is
    the longest time another connection held it."""

    def __init__(self, path: Path):
        super().__init__(daemon=True)
        self.path = path
        self.waits: list[float] = []
        self.stop = threading.Event()

    def run(self):
        connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        while not self.stop.is_set():
            started = time.perf_counter()
            connection.execute("BEGIN IMMEDIATE")
            self.waits.append((time.perf_counter() - started) * 1000)
            connection.execute("ROLLBACK")
            time.sleep(0.002)
        connection.close()


def _registry_csv(path: Path) -> None:
    header = "code,name,kind,unit,register,multiplier,rated_max_per_h,interval_s,parent_code\n"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(header)
        for i in range(ROWS):
            parent = f"IMP-{i - i % 10:05d}" if i % 10 else ""
            handle.write(f"IMP-{i:05d},表 {i},grid_import,kWh,cumulative,40,500,900,{parent}\n")


def _measure(data_dir: Path, token: str, staff_id: int, park_id: int) -> dict:
    from parkpilot.energy import point_import
    from parkpilot.energy.models import MeteringPoint
    from parkpilot.energy.models_ops import IntakeJob

    database = data_dir / "parkpilot.sqlite3"
    baseline_gateway = Gateway(token, 0, limit=BASELINE_REQUESTS)
    baseline_prober = Prober(database)
    baseline_prober.start()
    baseline_gateway.start()
    baseline_gateway.join()
    baseline_prober.stop.set()
    baseline_prober.join()

    upload = data_dir / "imports" / "registry.csv"
    upload.parent.mkdir(parents=True, exist_ok=True)
    _registry_csv(upload)
    job = IntakeJob.objects.create(
        park_id=park_id, kind=IntakeJob.Kind.POINTS, created_by_id=staff_id,
        file_name="registry.csv", stored_path=str(upload),
    )  # fmt: skip
    from django.db import connection

    chunk_ms: list[float] = []  # lock held: from BEGIN IMMEDIATE's return to COMMIT's
    begin_wait_ms: list[float] = []  # waiting for the lock (another writer held it)
    timed = point_import._apply_chunk

    def timed_chunk(*args):
        marks: dict[str, float] = {}

        def note_begin(execute, sql, params, many, context):
            result = execute(sql, params, many, context)
            if sql.startswith("BEGIN"):
                marks.setdefault("begun", time.perf_counter())
            return result

        started = time.perf_counter()
        try:
            with connection.execute_wrapper(note_begin):
                return timed(*args)
        finally:
            begun = marks.get("begun", started)
            chunk_ms.append((time.perf_counter() - begun) * 1000)
            begin_wait_ms.append((begun - started) * 1000)

    point_import._apply_chunk = timed_chunk
    gateway = Gateway(token, 100_000)
    prober = Prober(database)
    gateway.start()
    prober.start()
    time.sleep(0.5)
    started = time.perf_counter()
    job = point_import.points_import_run(job_id=job.pk, via="bench")
    import_s = time.perf_counter() - started
    time.sleep(0.5)
    gateway.stop.set()
    prober.stop.set()
    gateway.join()
    prober.join()
    point_import._apply_chunk = timed

    assert job.status == "done", (job.status, job.message, job.errors[:3])
    assert MeteringPoint.objects.filter(code__startswith="IMP-").count() == ROWS
    metrics = {
        "point_import_lock_max_ms": round(max(chunk_ms), 1),
        "point_import_lock_p50_ms": round(statistics.median(chunk_ms), 1),
        "point_import_begin_wait_max_ms": round(max(begin_wait_ms), 1),
        "point_import_chunks": len(chunk_ms),
        "sqlite_lock_wait_max_during_import_ms": round(max(prober.waits), 1),
        "gateway_write_p95_during_import_ms": round(percentile(gateway.latencies, 95), 1),
        "gateway_write_max_during_import_ms": round(max(gateway.latencies), 1),
        "gateway_writes_during_import": len(gateway.latencies),
        "gateway_write_failures_during_import": len(gateway.failures),
        "point_import_rows": ROWS,
        "point_import_s": round(import_s, 2),
        "gateway_write_p95_ratio_to_baseline": round(
            percentile(gateway.latencies, 95) / percentile(baseline_gateway.latencies, 95), 2
        ),
    }
    baseline = {
        "gateway_write_p95_ms": round(percentile(baseline_gateway.latencies, 95), 1),
        "gateway_writes": len(baseline_gateway.latencies),
        "gateway_write_failures": len(baseline_gateway.failures),
        "sqlite_lock_wait_max_ms": round(max(baseline_prober.waits), 1),
    }
    name = "point_import_quick" if QUICK else "point_import"
    path = write_result(
        name,
        metrics=metrics,
        baseline=baseline,
        notes=(
            f"SQLite; {ROWS} registry rows (check, then {point_import.WRITE_CHUNK} rows per "
            f"transaction); gateway: {GATEWAY_POINTS} readings per POST every "
            f"{POST_EVERY_S * 1000:.0f} ms through `parkpilot serve`"
        ),
    )
    print(path.read_text())
    return metrics
