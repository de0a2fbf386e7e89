"""`make bench` / `python -m benchmarks [name ...]`: run benchmarks, each in its own process
(Django is configured once per process, per database)."""

import os
import subprocess
import sys

BENCHMARKS = {
    "foundation": "benchmarks.bench_foundation",
}
PG_URL = os.environ.get(
    "PARKPILOT_BENCH_PG_URL", "postgres://parkpilot:parkpilot@127.0.0.1:5432/parkpilot"
)


def main(names: list[str]) -> int:
    failed = 0
    for name in names or list(BENCHMARKS):
        module = BENCHMARKS[name]
        for database_url in ("", PG_URL):
            code = f"import {module} as b; b.run({database_url!r} or None)"
            failed += subprocess.call([sys.executable, "-c", code]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
