"""Benchmark harness: times code in-process, compares it with a baseline run in the same process,
and writes benchmarks/results/<name>.json as {"metrics", "baseline", "commit", "when"}.

Absolute times on these machines swing ±30% run to run, so every figure is reported next to a
baseline measured moments before on the same data; ratios are what to compare across runs."""

import json
import os
import re
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def setup_django(database_url: str | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parkpilot.settings")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()


def on_a_test_database(database_url: str | None, measure: Callable, *, private: str = ""):
    """`measure(connection)` on a throwaway database (test_<name>, made and dropped here), so a
    bench never touches real data. With `private`, a data directory and database name of the
    bench's own, so it never meets a test run's files either."""
    if private:
        os.environ["PARKPILOT_DATA_DIR"] = tempfile.mkdtemp(prefix=f"parkpilot-bench-{private}-")
        if database_url:
            database_url = re.sub(r"/[^/]*$", f"/parkpilot_bench_{private}", database_url)
    setup_django(database_url)
    from django.db import connection, connections
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's "testserver" host, the in-memory mail outbox
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        return measure(connection)
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)


def timings_ms(fn: Callable[[], object], *, runs: int, warmup: int = 5) -> list[float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(samples), 3),
        "p95_ms": round(percentile(samples, 95), 3),
        "runs": len(samples),
    }


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=RESULTS.parent,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_result(name: str, *, metrics: dict, baseline: dict, notes: str = "") -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {
        "metrics": metrics,
        "baseline": baseline,
        "commit": _commit(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "notes": notes,
    }
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    return path
