"""MQTT intake (issue: energy ingestion), PostgreSQL, one run, a private zero-loss Mosquitto.

The worker runs as its own process (`parkpilot ingest_mqtt`, its default subscription, manual acks,
rollups after each batch) against a throwaway database; this process publishes as a gateway.
Figures and the in-process baselines measured in the same run on the same rows:
  - ingest_mqtt_postgresql_readings_per_s: 1,000,000 readings (1,421 points × 704 minutes) in
    messages of 100, publisher window 100 unacked (MEASURED.md), until every reading is stored
    AND rolled up; baseline: raw COPY of the same rows into the same indexed table
    (ingest_mqtt_ratio_to_copy).
  - e2e_latency_p50_ms / e2e_latency_p95_ms: 1,421 points × 1/s for 30 s; per tick, publish →
    the park's 15-minute rollup counting that tick's readings (polled every 5 ms); baseline: the
    in-process core for the same tick (ingest_items + rollup_pending), p95.
  - worker_rss_mb after those 1,000,000 readings; baseline: the same worker's RSS when idle
    after start (worker_rss_idle_mb).

PARKPILOT_BENCH_QUICK=1: 141 minutes (≈200,000 readings) and 10 latency ticks, to check that it
runs and to compare two versions of the code on a busy machine (ratios, not absolute rates)."""

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.harness import on_a_test_database, percentile, write_result

DATABASES = ("postgresql",)
QUICK = os.environ.get("PARKPILOT_BENCH_QUICK") == "1"
POINTS = 1421
MINUTES = 141 if QUICK else 704  # 1,421 × 704 = 1,000,384 readings
PER_MESSAGE = 100
WINDOW = 100
LATENCY_TICKS = 10 if QUICK else 30
GATEWAY = "bench-gw"


def run(database_url: str | None = None) -> dict:
    return on_a_test_database(database_url, _measure)


def _setup():
    from parkpilot.energy.models import MeteringPoint
    from parkpilot.energy.registry import registry
    from parkpilot.tenancy.models import Park, Role, User

    park = Park.objects.create(code="bench", name="基准园区")
    gateway = User.objects.create(username=GATEWAY, role=Role.GATEWAY, park=park)
    MeteringPoint.objects.bulk_create(
        MeteringPoint(park=park, code=f"P{i:04d}", kind="grid_import", unit="kWh",
                      register="cumulative", rated_max_per_h=5000.0, gateway=gateway)
        for i in range(POINTS)
    )  # fmt: skip
    registry.invalidate()
    return park


def _database_url(connection) -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Publisher:
    def __init__(self, port: int):
        import paho.mqtt.client as mqtt

        self.window = threading.BoundedSemaphore(WINDOW)
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id="bench-pub", protocol=mqtt.MQTTv5
        )
        self.client.on_publish = lambda *args: self.window.release()
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def publish(self, payload: bytes) -> None:
        self.window.acquire()
        self.client.publish(f"parkpilot/bench/readings/{GATEWAY}", payload, qos=1)

    def drain(self) -> None:
        for _ in range(WINDOW):
            self.window.acquire()
        for _ in range(WINDOW):
            self.window.release()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def _messages(start: datetime, minutes: range) -> list[bytes]:
    import orjson

    items = [
        {"point": f"P{p:04d}", "ts": (start + timedelta(minutes=m)).isoformat(),
         "value": 1000.0 + p + m * (1 + p % 7)}
        for m in minutes for p in range(POINTS)
    ]  # fmt: skip
    return [orjson.dumps(items[i : i + PER_MESSAGE]) for i in range(0, len(items), PER_MESSAGE)]


def _last(p: int) -> float:
    """Point p's counter after the throughput run (later readings continue from it)."""
    return 1000.0 + p + (MINUTES - 1) * (1 + p % 7)


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what}")


def _count(sql: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0] or 0


def _measure(connection) -> dict:
    from parkpilot.energy.mqtt.broker import LocalBroker

    _setup()
    workdir = Path(tempfile.mkdtemp(prefix="bench-mqtt-"))
    broker = LocalBroker(workdir / "broker", authenticated=False)
    broker.start()
    env = {**os.environ, "DATABASE_URL": _database_url(connection)}
    env |= {"PARKPILOT_MQTT_HOST": "127.0.0.1", "PARKPILOT_MQTT_PORT": str(broker.port)}
    log = open(workdir / "worker.log", "wb")  # noqa: SIM115
    worker = subprocess.Popen(
        [sys.executable, "-m", "parkpilot.cli", "ingest_mqtt", "--client-id", "bench-worker"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait(lambda: b"MQTT subscribed" in (workdir / "worker.log").read_bytes(), 60, "worker")
        rss_idle = _rss_mb(worker.pid)
        publisher = Publisher(broker.port)
        try:
            throughput, rows = _throughput(publisher)
            rss = _rss_mb(worker.pid)
            latencies = _latency(publisher)
        finally:
            publisher.close()
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        broker.stop()
    copy_rate = _copy_baseline(rows)
    core_p95 = _core_latency_baseline()
    metrics = {
        "ingest_mqtt_postgresql_readings_per_s": round(throughput),
        "ingest_mqtt_ratio_to_copy": round(throughput / copy_rate, 3),
        "e2e_latency_p50_ms": round(statistics.median(latencies), 1),
        "e2e_latency_p95_ms": round(percentile(latencies, 95), 1),
        "e2e_latency_ticks": len(latencies),
        "worker_rss_mb": round(rss, 1),
    }
    baseline = {
        "copy_postgresql_readings_per_s": round(copy_rate),
        "core_in_process_tick_p95_ms": round(core_p95, 1),
        "worker_rss_idle_mb": round(rss_idle, 1),
    }
    path = write_result(
        "mqtt_postgresql_quick" if QUICK else "mqtt_postgresql",
        metrics=metrics,
        baseline=baseline,
        notes=f"{rows} readings, messages of {PER_MESSAGE}, window {WINDOW}; latency "
        f"{POINTS} points × 1/s for {LATENCY_TICKS} s; worker defaults (batches of 20,000 "
        "readings or 200 ms, receive maximum 1,000, rollup when caught up or every 1 s)",
    )
    print(f"{path}: {metrics} (baseline {baseline})")
    return metrics


def _throughput(publisher) -> tuple[float, int]:
    start = (datetime.now(UTC) - timedelta(days=3)).replace(second=0, microsecond=0)
    messages = _messages(start, range(MINUTES))
    rows = POINTS * MINUTES
    began = time.perf_counter()
    for payload in messages:
        publisher.publish(payload)
    publisher.drain()
    # Stored and rolled up: every reading in, and the rollup stage's work list empty.
    _wait(
        lambda: (
            _count("SELECT count(*) FROM energy_reading") == rows
            and _count("SELECT count(*) FROM energy_ingestbatch") == 0
        ),
        900,
        "the readings",
    )
    return rows / (time.perf_counter() - began), rows


def _latency(publisher) -> list[float]:
    """Live ticks at 1/s; a poller notes when the park's 15-minute rollup counts each tick."""
    import orjson
    from django.db import connections

    base = _count("SELECT coalesce(sum(readings), 0) FROM energy_energyrollup "
                  "WHERE scope = 'park' AND level = '15m'")  # fmt: skip
    published: dict[int, float] = {}
    seen: dict[int, float] = {}
    done = threading.Event()

    def poll():
        conn = connections.create_connection("default")
        with conn.cursor() as cursor:
            while not done.is_set():
                cursor.execute(
                    "SELECT coalesce(sum(readings), 0) FROM energy_energyrollup "
                    "WHERE scope = 'park' AND level = '15m'"
                )
                total = cursor.fetchone()[0] - base
                now = time.perf_counter()
                for tick in list(published):
                    if tick not in seen and total >= POINTS * (tick + 1):
                        seen[tick] = now
                time.sleep(0.005)
        conn.close()

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    first = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=LATENCY_TICKS + 5)
    for tick in range(LATENCY_TICKS):
        ts = first + timedelta(seconds=tick)
        items = [
            {"point": f"P{p:04d}", "ts": ts.isoformat(), "value": _last(p) + 10 + tick * 0.01}
            for p in range(POINTS)
        ]
        payloads = [orjson.dumps(items[i : i + PER_MESSAGE]) for i in range(0, POINTS, 100)]
        published[tick] = time.perf_counter()
        for payload in payloads:
            publisher.publish(payload)
        time.sleep(max(0.0, published[tick] + 1.0 - time.perf_counter()))
    _wait(lambda: len(seen) == LATENCY_TICKS, 120, "the last tick's rollup")
    done.set()
    poller.join()
    return [(seen[t] - published[t]) * 1000 for t in range(LATENCY_TICKS)]


def _copy_baseline(rows: int) -> float:
    """Raw COPY of the same rows (point id, ts, value) into the same, emptied table."""
    from django.db import connection, transaction

    from parkpilot.energy.models import MeteringPoint

    ids = dict(MeteringPoint.objects.values_list("code", "id"))
    start = (datetime.now(UTC) - timedelta(days=3)).replace(second=0, microsecond=0)
    data = [
        (ids[f"P{p:04d}"], start + timedelta(minutes=m), 1000.0 + p + m * (1 + p % 7))
        for m in range(MINUTES)
        for p in range(POINTS)
    ]
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE energy_reading")
    received = datetime.now(UTC)
    began = time.perf_counter()
    with (
        transaction.atomic(),
        connection.connection.cursor() as cursor,
        cursor.copy(
            "COPY energy_reading (point_id, ts, value, received_at) FROM STDIN (FORMAT BINARY)"
        ) as copy,
    ):
        copy.set_types(["int8", "timestamptz", "float8", "timestamptz"])
        for row in data:
            copy.write_row((*row, received))
    return len(data) / (time.perf_counter() - began)


def _core_latency_baseline() -> float:
    """The in-process core for one live tick (1,421 readings): ingest_items + rollup_pending."""
    from parkpilot.energy.ingest.core import ingest_items
    from parkpilot.energy.rollups import rollup_pending
    from parkpilot.tenancy.models import Park

    park = Park.objects.get(code="bench")
    first = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)  # after the live ticks
    samples = []
    for tick in range(LATENCY_TICKS):
        ts = (first + timedelta(seconds=tick)).isoformat()
        items = [
            {"point": f"P{p:04d}", "ts": ts, "value": _last(p) + 20 + tick * 0.01}
            for p in range(POINTS)
        ]
        began = time.perf_counter()
        ingest_items(park_id=park.pk, items=items, source="bench")
        rollup_pending()
        samples.append((time.perf_counter() - began) * 1000)
    return percentile(samples, 95)
