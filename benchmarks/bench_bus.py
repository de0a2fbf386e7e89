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
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.harness import on_a_test_database, percentile, summary, write_result

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


def gtfs_rt_errors(static: Path, feeds: dict[str, bytes], now, workdir: Path) -> dict[str, int]:
    """{rule: count} of gtfs-rt-validator's errors and warnings ("warning:W009") for the
    realtime feeds (`tu`, `vp`: each a FeedMessage's bytes) against the static feed, with the
    clock at `now`."""
    import json
    import subprocess
    import sys

    workdir.mkdir(parents=True, exist_ok=True)
    args = [str(Path(sys.executable).with_name("gtfs-rt-validator")), "-gtfs", str(static)]
    for role, data in feeds.items():
        (workdir / f"{role}.pb").write_bytes(data)
        args += [f"-{role}", str(workdir / f"{role}.pb")]
    out = workdir / "report"
    args += ["--at", now.isoformat(), "--out", str(out)]
    subprocess.run(args, check=True, capture_output=True, timeout=120)
    report = json.loads((out / "report.json").read_text())
    return _rt_error_counts(report) | {
        f"warning:{code}": n for code, n in _rt_error_counts(report, "WARNING").items()
    }  # warnings counted too: the feeds should need none


def _rt_error_counts(report: dict, severity: str = "ERROR") -> dict[str, int]:
    return {n["code"]: n["totalNotices"] for n in report["notices"] if n["severity"] == severity}


# --- the run --------------------------------------------------------------------------------


def run(database_url: str | None = None) -> dict:
    return on_a_test_database(database_url, _measure)


def _measure(connection) -> dict:
    metrics = _validators()
    race, baseline = _booking_race()
    metrics |= race
    live, live_baseline = _gps_to_eta(connection)
    metrics |= live
    baseline |= live_baseline
    name = f"bus_{connection.vendor}"
    path = write_result(
        name,
        metrics=metrics,
        baseline=baseline,
        notes=(
            f"{connection.vendor}; demo network feed through gtfs-validator and gtfs-guru; "
            f"{CONCURRENT} bookings at once (threads, own connections) for the last "
            f"{LAST_SEATS} seats; {GPS_SAMPLES} GPS fixes published as a gateway to a private "
            "Mosquitto, through `parkpilot ingest_mqtt` (its default 200 ms batches), to the "
            "stop's ETA; the realtime feeds of that trip through gtfs-rt-validator"
        ),
    )
    print(path.read_text())
    return metrics


GPS_SAMPLES = 20


def _gps_to_eta(connection) -> tuple[dict, dict]:
    """gps_to_eta_p95_ms: a bus's fix published over MQTT (QoS 1, the gateway's own login) until
    the stop ahead's expected arrival, read through selectors_live, is the one that fix gives;
    gtfs_rt_validator_errors: both realtime feeds of that moment. The bus runs a trip of its own
    timetabled around now (the demo's trips run at fixed hours). Baseline: the same fix through
    the handler in this process, then the same read (what the door, the broker and the worker's
    batching add)."""

    import paho.mqtt.client as mqtt
    from django.utils import timezone

    from parkpilot.bus import gtfs, handlers, realtime, selectors_live
    from parkpilot.bus.models import VehiclePosition
    from parkpilot.energy.gateways import broker_files_sync, gateway_mqtt_credentials_issue
    from parkpilot.energy.mqtt.broker import LocalBroker
    from parkpilot.energy.mqtt.config import MqttConfig, app_topic
    from parkpilot.tenancy.models import Role, User

    trip, stops = _trip_around_now()
    park, staff = trip.park, User.objects.get(username="admin")
    gateway = User.objects.create_user(username="bus-uplink", role=Role.GATEWAY, park=park)
    secret = gateway_mqtt_credentials_issue(actor=None, via="bench", gateway=gateway)
    scratch = Path(tempfile.mkdtemp(prefix="bus-gps-"))
    broker = LocalBroker(scratch / "broker")
    broker.start()
    config = MqttConfig("127.0.0.1", broker.port, "bench-worker", "worker-secret",
                        broker.password_file, broker.acl_file, broker.pid_file)  # fmt: skip
    broker_files_sync(config)
    time.sleep(0.3)  # the broker reads the files on SIGHUP
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(connection),
        "PARKPILOT_MQTT_HOST": "127.0.0.1",
        "PARKPILOT_MQTT_PORT": str(broker.port),
        "PARKPILOT_MQTT_USERNAME": "bench-worker",
        "PARKPILOT_MQTT_PASSWORD": "worker-secret",
    }
    log = scratch / "worker.log"
    connection.close()
    worker = subprocess.Popen(
        [sys.executable, "-m", "parkpilot.cli", "ingest_mqtt", "--client-id", "bench-bus"],
        env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.username_pw_set("bus-uplink", secret)
    try:
        deadline = time.monotonic() + 60
        while "MQTT subscribed" not in (log.read_text() if log.exists() else ""):
            assert time.monotonic() < deadline and worker.poll() is None, log.read_text()
            time.sleep(0.1)
        client.connect("127.0.0.1", broker.port)
        client.loop_start()
        topic = app_topic(park.code, "bus-positions", "bus-uplink")
        last = stops[-1]
        door, direct = [], []
        for n in range(GPS_SAMPLES):
            payload, fix_at = _fix_on(trip, stops, n)
            started = time.perf_counter()
            client.publish(topic, payload, qos=1)
            while not VehiclePosition.objects.filter(at=fix_at).exists():
                assert time.perf_counter() - started < 30, log.read_text()[-2000:]
                time.sleep(0.005)
            arrivals = selectors_live.stop_arrivals(user=staff, stop_id=last.pk)
            assert arrivals and arrivals[0]["trip"].pk == trip.pk, arrivals
            door.append((time.perf_counter() - started) * 1000)
        for n in range(GPS_SAMPLES):
            payload, _fix_at = _fix_on(trip, stops, GPS_SAMPLES + n)
            started = time.perf_counter()
            handlers.on_positions_message(park_id=park.pk, gateway_id=gateway.pk, payload=payload)
            selectors_live.stop_arrivals(user=staff, stop_id=last.pk)
            direct.append((time.perf_counter() - started) * 1000)
        now = timezone.now()
        feeds = {
            "tu": realtime.trip_updates(user=staff, now=now),
            "vp": realtime.vehicle_positions(user=staff, now=now),
        }
        static = scratch / "gtfs.zip"
        static.write_bytes(gtfs.feed_export(user=staff))
        rt = gtfs_rt_errors(static, feeds, now, scratch / "rt")
    finally:
        client.loop_stop()
        worker.terminate()
        worker.wait(30)
        broker.stop()
    errors = {k: v for k, v in rt.items() if not k.startswith("warning:")}
    metrics = {
        "gps_to_eta_p95_ms": round(percentile(door, 95), 1),
        "gps_to_eta_p50_ms": round(percentile(door, 50), 1),
        "gtfs_rt_validator_errors": sum(errors.values()),
        "gtfs_rt_validator_warnings": sum(rt.values()) - sum(errors.values()),
        "gtfs_rt_validator_codes": rt,
    }
    return metrics, {"gps_handler_and_read_p95_ms": round(percentile(direct, 95), 1)}


def _database_url(connection) -> str:
    """The bench's database, for the worker process."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{host}:{port}/{db['NAME']}"


def _trip_around_now():
    """A trip of the demo's first line on every day, its stops timetabled 4 minutes apart
    from 10 minutes ago, run by a bus of its own (the demo's run at fixed hours)."""
    import datetime

    from django.utils import timezone

    from parkpilot.bus.eta import TZ
    from parkpilot.bus.models import DayRule, Line, ServiceCalendar, Stop, StopTime, Trip, Vehicle

    line = Line.objects.order_by("pk").first()
    today = timezone.localtime(timezone.now(), TZ).date()
    service = ServiceCalendar.objects.create(
        park=line.park, gtfs_id="BENCH_DAILY", name="每日", rule=DayRule.EVERY_DAY,
        start_date=today - datetime.timedelta(days=1), end_date=today + datetime.timedelta(days=1),
    )  # fmt: skip
    vehicle = Vehicle.objects.create(park=line.park, code="BENCH01", seats=40)
    now = timezone.localtime(timezone.now(), TZ)
    start_s = max(0, now.hour * 3600 + now.minute * 60 - 600)
    trip = Trip.objects.create(park=line.park, line=line, service=service, gtfs_id="BENCH_1",
                               vehicle=vehicle, starts_s=start_s)  # fmt: skip
    stops = list(Stop.objects.filter(park=line.park).order_by("pk")[:6])
    for n, stop in enumerate(stops):
        at = start_s + n * 240
        StopTime.objects.create(trip=trip, stop=stop, sequence=n + 1, arrival_s=at, departure_s=at)
    return trip, stops


def _fix_on(trip, stops, n: int):
    """The n-th fix: now (to the millisecond, so each is told apart), a little further between
    the first two stops each time."""
    import orjson
    from django.utils import timezone

    share = (n % 40) / 40
    lat = float(stops[0].lat) + share * float(stops[1].lat - stops[0].lat)
    lon = float(stops[0].lon) + share * float(stops[1].lon - stops[0].lon)
    now = timezone.now()
    at = now.replace(microsecond=now.microsecond // 1000 * 1000)
    payload = orjson.dumps({"vehicle": "BENCH01", "lat": lat, "lon": lon, "ts": at.isoformat()})
    return payload, at


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
