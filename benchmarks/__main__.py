"""`make bench` / `python -m benchmarks [name ...]`: run every benchmarks/bench_<name>.py (or the
names given), each in its own process per database (Django is configured once per process).

A bench module offers `run(database_url: str | None)`; it may set `DATABASES = ("sqlite",)` or
`("postgresql",)` to run on one of them only."""

import importlib
import os
import subprocess
import sys
from pathlib import Path

PG_URL = os.environ.get(
    "PARKPILOT_BENCH_PG_URL", "postgres://parkpilot:parkpilot@127.0.0.1:5432/parkpilot"
)
URLS = {"sqlite": "", "postgresql": PG_URL}


def available() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in Path(__file__).parent.glob("bench_*.py"))


def main(names: list[str]) -> int:
    failed = 0
    for name in names or available():
        module = f"benchmarks.bench_{name}"
        databases = getattr(importlib.import_module(module), "DATABASES", tuple(URLS))
        for database in databases:
            code = f"import {module} as b; b.run({URLS[database]!r} or None)"
            failed += subprocess.call([sys.executable, "-c", code]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
