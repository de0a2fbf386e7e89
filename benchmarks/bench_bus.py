"""The digital bus's figures (issue 数字巴士), on SQLite and PostgreSQL.

- gtfs_validator_errors: the demo network's GTFS export (with its GTFS-Flex demand-responsive
  zone and booking rule) through two independent validators from PyPI, the pure-Python
  `gtfs-validator` (the canonical rule set) and the Rust `gtfs-guru`: goal 0 errors in both
  (`gtfs_validator_errors_<validator>`; the headline is their sum).
- booking_overbooked: 100 concurrent bookings (threads, each its own connection) for the last
  10 seats of a departure: goal 0 overbooked, with exactly 10 confirmed and 90 waitlisted.
- booking_p95_ms: each of those 100 bookings' time under that load (goal <= 300); the
  baseline is one uncontended booking's, moments before on the same data."""

import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.harness import percentile, setup_django, summary, write_result

CONCURRENT = 100
LAST_SEATS = 10


# --- the validators (tests/bus/test_gtfs.py runs them too) ---------------------------------


def gtfs_validator_notices(feed: Path) -> list[dict]:
    """gtfs-validator's notices as its report.json lists them (code, severity, totalNotices)."""
    out = Path(tempfile.mkdtemp(prefix="gtfs-validator-"))
    try:
        cli = Path(sys.executable).with_name("gtfs-validator")
        command = [str(cli)] if cli.exists() else [sys.executable, "-m", "gtfs_validator.cli"]
        subprocess.run([*command, "-i", str(feed), "-o", str(out)], check=True, capture_output=True)
        return json.loads((out / "report.json").read_text())["notices"]
    finally:
        shutil.rmtree(out, ignore_errors=True)


def gtfs_validator_errors(feed: Path) -> dict[str, int]:
    """{code: count} of gtfs-validator's ERROR notices."""
    return {
        n["code"]: n["totalNotices"]
        for n in gtfs_validator_notices(feed)
        if n["severity"] == "ERROR"
    }


def gtfs_guru_errors(feed: Path) -> dict[str, int]:
    import gtfs_guru

    found: dict[str, int] = {}
    for notice in gtfs_guru.validate(str(feed)).errors():
        found[notice.code] = found.get(notice.code, 0) + 1
    return found


# --- the run --------------------------------------------------------------------------------


def run(database_url: str | None = None) -> dict:
    setup_django(database_url)
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        return _measure(connection)
    finally:
        from django.db import connections

        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _measure(connection) -> dict:
    metrics = _validators()
    race, baseline = _booking_race()
    metrics |= race
    name = f"bus_{connection.vendor}"
    path = write_result(
        name,
        metrics=metrics,
        baseline=baseline,
        notes=(
            f"{connection.vendor}; demo network feed through gtfs-validator and gtfs-guru; "
            f"{CONCURRENT} bookings at once (threads, own connections) for the last "
            f"{LAST_SEATS} seats"
        ),
    )
    print(path.read_text())
    return metrics


def _validators() -> dict:
    from parkpilot.bus import gtfs
    from parkpilot.demo.services import demo_load
    from parkpilot.tenancy.models import User

    demo_load()
    feed = Path(tempfile.mkdtemp(prefix="bus-gtfs-")) / "gtfs.zip"
    feed.write_bytes(gtfs.feed_export(user=User.objects.get(username="admin")))
    by_validator = {
        "gtfs_validator": gtfs_validator_errors(feed),
        "gtfs_guru": gtfs_guru_errors(feed),
    }
    shutil.rmtree(feed.parent, ignore_errors=True)
    metrics = {f"gtfs_validator_errors_{k}": sum(v.values()) for k, v in by_validator.items()}
    metrics["gtfs_validator_errors"] = sum(metrics.values())
    metrics["gtfs_validator_error_codes"] = {k: v for k, v in by_validator.items() if v}
    return metrics


def _booking_race() -> tuple[dict, dict]:
    import datetime

    from django.db import OperationalError, connections

    from parkpilot.bus import services
    from parkpilot.bus.models import Booking, Trip
    from parkpilot.tenancy.models import Park, Role, User

    park = Park.objects.get()
    trip = (
        Trip.objects.filter(park=park, line__bookable=True)
        .select_related("line", "service", "vehicle")  # as selectors.trip_get reads it
        .order_by("gtfs_id")
        .first()
    )
    seats = trip.vehicle.seats
    day = datetime.date(2027, 3, 3)  # a Wednesday inside the demo calendar
    now = datetime.datetime(2027, 3, 1, tzinfo=datetime.UTC)
    riders = [
        User.objects.create_user(username=f"bench-rider-{n}", role=Role.RESIDENT, park=park)
        for n in range(seats - LAST_SEATS + CONCURRENT + 1)
    ]
    # Uncontended (the baseline): the bookings up to the last ten seats, one after another.
    alone = []
    for rider in riders[: seats - LAST_SEATS]:
        start = time.perf_counter()
        services.booking_create(actor=rider, trip=trip, day=day, now=now)
        alone.append((time.perf_counter() - start) * 1000)
    racers = riders[seats - LAST_SEATS : seats - LAST_SEATS + CONCURRENT]
    barrier = threading.Barrier(CONCURRENT)
    outcomes, took = [""] * CONCURRENT, [0.0] * CONCURRENT

    def book(i):
        barrier.wait()
        begin = time.perf_counter()
        try:
            outcomes[i] = services.booking_create(
                actor=racers[i], trip=trip, day=day, now=now
            ).status
        except OperationalError as exc:
            outcomes[i] = "locked" if "locked" in str(exc) else f"error: {exc}"
        finally:
            took[i] = (time.perf_counter() - begin) * 1000
            connections.close_all()

    threads = [threading.Thread(target=book, args=(i,)) for i in range(CONCURRENT)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    holding = Booking.objects.filter(departure__trip=trip, status="confirmed").count()
    metrics = {
        "booking_overbooked": max(0, holding - seats),
        "booking_confirmed": outcomes.count("confirmed"),
        "booking_waitlisted": outcomes.count("waitlisted"),
        "booking_locked_errors": outcomes.count("locked"),
        "booking_other_errors": sum(o.startswith("error") for o in outcomes),
        "booking_p95_ms": round(percentile(took, 95), 1),
        "booking_p50_ms": summary(took)["p50_ms"],
    }
    baseline = {f"booking_alone_{k}": v for k, v in summary(alone).items()}
    return metrics, baseline


if __name__ == "__main__":
    run(sys.argv[1] if len(sys.argv) > 1 else None)
