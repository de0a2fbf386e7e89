"""Generated input over every API operation as four roles (issue: ready for the open internet).

Figure: api_fuzz_5xx, the operations that answered any generated request with a 5xx (goal 0),
from tests/test_api_fuzz.py run with a larger budget (PARKPILOT_FUZZ_EXAMPLES, default 25 here;
the suite runs 3). Baseline: the operations tried and the budget, so the figure reads in context.
PARKPILOT_BENCH_QUICK=1 runs 3 examples; PARKPILOT_BENCH_FUZZ_EXAMPLES=N sets the budget."""

import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from benchmarks.harness import write_result

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = int(
    os.environ.get(
        "PARKPILOT_BENCH_FUZZ_EXAMPLES", 3 if os.environ.get("PARKPILOT_BENCH_QUICK") else 25
    )
)


def run(database_url: str | None = None) -> dict:
    report = ROOT / "var" / "bench-api-fuzz.xml"
    report.parent.mkdir(exist_ok=True)
    env = {**os.environ, "PARKPILOT_FUZZ_EXAMPLES": str(EXAMPLES)}
    if database_url:
        env["DATABASE_URL"] = database_url
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_api_fuzz.py",
         "-k", "no_generated_request", f"--junitxml={report}"],
        cwd=ROOT, env=env, check=False, capture_output=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    cases = ET.parse(report).getroot().iter("testcase")
    failed = [_failed_request(c) for c in cases if _failure(c) is not None]
    tried = sum(1 for _ in ET.parse(report).getroot().iter("testcase"))
    vendor = "postgresql" if database_url else "sqlite"
    metrics = {"api_fuzz_5xx": len(failed), "api_fuzz_failed_operations": failed}
    baseline = {"operations": tried, "examples_per_operation": EXAMPLES, "roles": 4,
                "seconds": round(seconds, 1)}  # fmt: skip
    path = write_result(f"api_fuzz_{vendor}", metrics=metrics, baseline=baseline)
    print(path.name, metrics, baseline)
    return metrics


def _failure(case):
    return case.find("failure") if case.find("failure") is not None else case.find("error")


def _failed_request(case) -> str:
    """The request the assertion names: "AssertionError: GET /api/v1/... as park_admin: 500"."""
    message = _failure(case).get("message") or ""
    return message.split(": ", 1)[-1].split(" as ")[0]
