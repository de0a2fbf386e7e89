"""From an accepted reading to the figure on an open page (issue: pages people would choose).

Figure:
- reading_to_live_p95_ms: a reading is POSTed to /api/v1/energy/readings (HTTP, a park staff
  token) for a meter of an enterprise of its own; the clock starts when the API has answered
  (the reading is stored) and stops when that enterprise's open carbon page receives, over its
  Server-Sent Events stream, live figures that include the reading. Measured twice: with the
  demo park's 1,421 other points reporting once a minute (the demo's simulator, in its own
  process) and once a second. Goal: < 2,000 ms at both.

The server is one `parkpilot serve` (uvicorn) and one task consumer (`run_huey`), as `make
demo` runs them, on the bench's own database. The enterprise sees only its own figures, so the
simulator's readings never move the page: an arrival is the posted reading's.

Baseline, same run and server: the POST's own round trip (p95), i.e. what the gateway waits
for; the ratio says how much longer the page waits than the gateway."""

import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_cockpit import _free_port, _terminate_others, _test_database_url
from benchmarks.bench_cockpit import _wait_for_port as wait_for_port
from benchmarks.harness import percentile, setup_django, summary, write_result

SAMPLES = int(os.environ.get("PARKPILOT_BENCH_LIVE_SAMPLES", "20"))
RATES = {"per_minute": 60, "per_second": 1}  # the other points' reporting interval, seconds
KWH_PER_SAMPLE = 5.0


def run(database_url: str | None = None) -> dict:
    scratch = tempfile.mkdtemp(prefix="parkpilot-bench-live-")
    os.environ["PARKPILOT_DATA_DIR"] = scratch
    if database_url:
        database_url = re.sub(r"/[^/]*$", "/parkpilot_bench_live", database_url)
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


def _measure(connection, database_url, scratch) -> dict:
    from parkpilot.demo.services import demo_load

    demo_load()
    fixture = _probe_enterprise()
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(connection, database_url),
        "PARKPILOT_DATA_DIR": scratch,
    }
    connection.close()  # the server and the simulator take the database from here
    metrics, baseline = {}, {}
    with _Processes(env, scratch) as server:
        for name, interval in RATES.items():
            with server.simulator(interval):
                latencies, posts = asyncio.run(_samples(server.port, fixture))
            metrics[f"reading_to_live_{name}_p95_ms"] = round(percentile(latencies, 95), 1)
            metrics[f"reading_to_live_{name}_p50_ms"] = round(percentile(latencies, 50), 1)
            baseline[f"post_{name}"] = summary(posts)
            metrics[f"reading_to_live_{name}_ratio_to_post"] = round(
                percentile(latencies, 95) / baseline[f"post_{name}"]["p95_ms"], 1
            )
    metrics["reading_to_live_p95_ms"] = max(
        metrics[f"reading_to_live_{name}_p95_ms"] for name in RATES
    )
    name = f"live_{connection.vendor}"
    path = write_result(
        name,
        metrics=metrics,
        baseline=baseline | {"database": connection.vendor, "samples": SAMPLES},
        notes=(
            "demo park (1,421 points) reporting through the demo simulator (direct into the "
            "core) every 60 s, then every 1 s; one probe enterprise with one meter; readings "
            "POSTed over HTTP; its carbon page's SSE stream; one `parkpilot serve` and one "
            "`run_huey` on loopback"
        ),
    )
    print(f"{name}: {metrics} -> {path}")
    return metrics


def _probe_enterprise() -> dict:
    """An enterprise of its own with one electricity meter, a user who watches its carbon page
    and a park staff token that writes the readings."""
    from django.test import Client

    from parkpilot.energy import services as energy
    from parkpilot.tenancy.models import Enterprise, User
    from parkpilot.tenancy.roles import Role
    from parkpilot.tenancy.services import api_token_create

    staff = User.objects.get(username="staff")
    enterprise = Enterprise.objects.create(
        park=staff.park, name="测速企业（基准）", credit_code="91330185MA2BENCH1X"
    )
    viewer = User.objects.create(
        username="bench-viewer", role=Role.ENTERPRISE_USER, park=staff.park, enterprise=enterprise
    )
    point = energy.point_create(
        actor=staff, via="bench", park=staff.park,
        data={"code": "BENCH-LIVE-E1", "kind": "grid_import", "unit": "kWh",
              "register": "cumulative", "rated_max_per_h": 100000, "interval_s": 60,
              "owner_id": enterprise.pk},
    )  # fmt: skip
    page = Client()
    page.force_login(viewer)
    return {
        "session": page.cookies["sessionid"].value,
        "token": api_token_create(actor=None, via="bench", user=staff, name="bench"),
        "point": point.code,
        "register": 1000.0,
    }


class _Processes:
    """`parkpilot serve` and `run_huey` for the whole bench; the simulator per rate."""

    def __init__(self, env, scratch):
        self.env, self.logs = env, Path(scratch)
        self.cli = str(Path(sys.executable).with_name("parkpilot"))
        self.port = _free_port()
        self.children = []

    def _start(self, name, *args):
        log = (self.logs / f"{name}.log").open("ab")
        child = subprocess.Popen([self.cli, *args], env=self.env, stdout=log, stderr=log)
        self.children.append(child)
        return child

    def __enter__(self):
        server = self._start("server", "serve", "--host", "127.0.0.1", "--port", str(self.port))
        self._start("tasks", "run_huey", "--workers", "2", "--worker-type", "thread")
        wait_for_port(self.port, server)
        return self

    def __exit__(self, *exc):
        if exc[0] is not None:
            for log in sorted(self.logs.glob("*.log")):
                print(f"--- {log}:\n{log.read_text()[-2000:]}", file=sys.stderr)
        for child in self.children:
            child.terminate()
        for child in self.children:
            try:
                child.wait(15)
            except subprocess.TimeoutExpired:
                child.kill()

    def simulator(self, interval_s: int):
        processes = self

        class Running:
            def __enter__(self):
                self.child = processes._start(
                    "simulator", "simulate", "--interval", str(interval_s)
                )
                time.sleep(max(5, interval_s * 1.5))  # its first ticks are in and rolled up
                return self

            def __exit__(self, *exc):
                self.child.terminate()
                self.child.wait(30)

        return Running()


async def _samples(port, fixture) -> tuple[list[float], list[float]]:
    page = _Page()
    watcher = asyncio.create_task(page.watch(port, fixture["session"]))
    await asyncio.wait_for(page.first.wait(), 60)
    latencies, posts = [], []
    for i in range(SAMPLES + 1):
        await asyncio.sleep(0.4 + (i * 0.37) % 0.7)  # off the stream's 0.5 s poll
        fixture["register"] += KWH_PER_SAMPLE  # the meter's register only ever goes up
        expected = page.used_kwh + KWH_PER_SAMPLE if i else None  # the first opens the meter
        started = time.perf_counter()
        await asyncio.to_thread(_post, port, fixture, fixture["register"])
        accepted = time.perf_counter()
        if expected is None:
            await page.wait_for(lambda kwh: True, 30)
            continue
        arrived = await page.wait_for(lambda kwh, want=expected: kwh >= want - 1e-6, 30)
        latencies.append((arrived - accepted) * 1000)
        posts.append((accepted - started) * 1000)
    watcher.cancel()
    await asyncio.gather(watcher, return_exceptions=True)
    return latencies, posts


def _post(port, fixture, value: float) -> None:
    import urllib.request
    from datetime import datetime
    from zoneinfo import ZoneInfo

    body = json.dumps(
        {
            "point": fixture["point"],
            "ts": datetime.now(ZoneInfo("Asia/Shanghai")).isoformat(timespec="milliseconds"),
            "value": value,
        }
    ).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/energy/readings",
        data=body,
        headers={"Authorization": f"Bearer {fixture['token']}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        result = json.loads(answer.read())
    assert result.get("accepted") == 1, result


class _Page:
    """The enterprise's open carbon page: its live figures as they arrive."""

    def __init__(self):
        self.used_kwh = 0.0
        self.first = asyncio.Event()
        self.changed = asyncio.Condition()

    async def watch(self, port, session):
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**22)
        writer.write(
            (
                "GET /carbon/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Cookie: sessionid={session}\r\nAccept: text/event-stream\r\n\r\n"
            ).encode()
        )
        await writer.drain()
        status = await reader.readline()
        assert b" 200 " in status, status
        event = ""
        try:
            while line := await reader.readline():
                if line.startswith(b"event: "):
                    event = line[7:].strip().decode()
                elif line.startswith(b"data: ") and event == "figures":
                    figures = json.loads(line[6:])
                    async with self.changed:
                        self.used_kwh = float(figures.get("used_kwh") or 0)
                        self.at = time.perf_counter()
                        self.changed.notify_all()
                    self.first.set()
        finally:
            writer.close()

    async def wait_for(self, test, timeout) -> float:
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(lambda: test(self.used_kwh)), timeout)
            return self.at
