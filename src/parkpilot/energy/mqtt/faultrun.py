"""The fault run's rig (benchmarks/bench_mqtt_faults.py and tests/energy/test_mqtt_faults.py):
a private PostgreSQL and a private Mosquitto with the project's configuration, the real worker
process, reference gateways (GatewayClient), and the faults themselves.

Not used by the platform at run time; it lives here, beside LocalBroker, so that the benchmark
and the test share one implementation."""

import json
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

PARK = "flt"
POINTS_PER_GATEWAY = 20
PER_MESSAGE = 100
WORKER_USER, WORKER_PASSWORD = "parkpilot-worker", "fault-run-worker"


# --- the rig: private PostgreSQL, private broker, the worker process --------------------------


class Rig:
    def __init__(self, workdir: Path, *, gateways: int):
        from parkpilot.energy.mqtt.broker import LocalBroker
        from parkpilot.energy.mqtt.localpg import LocalPostgres

        self.workdir = workdir
        self.pg = LocalPostgres()
        self.broker = LocalBroker(workdir / "broker")
        self.gateway_names = [f"fgw-{n:02d}" for n in range(1, gateways + 1)]
        self.passwords: dict[str, str] = {}
        self.worker: subprocess.Popen | None = None
        self.worker_runs = 0
        self.worker_exits = 0  # ended by itself, not by us
        self._killing = False
        self._watch = threading.Event()

    @property
    def database_url(self) -> str:
        return self.pg.url_for("faults")

    def env(self) -> dict:
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "PARKPILOT_MQTT_HOST": "127.0.0.1",
            "PARKPILOT_MQTT_PORT": str(self.broker.port),
            "PARKPILOT_MQTT_USERNAME": WORKER_USER,
            "PARKPILOT_MQTT_PASSWORD": WORKER_PASSWORD,
            "PARKPILOT_MQTT_PASSWORD_FILE": str(self.broker.password_file),
            "PARKPILOT_MQTT_ACL_FILE": str(self.broker.acl_file),
            "PARKPILOT_MQTT_PID_FILE": str(self.broker.pid_file),
        }

    def start(self) -> None:
        import psycopg

        self.pg.init()
        self.pg.start()
        with psycopg.connect(self.pg.url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE faults")
        self.broker.start()
        # Schema, park, gateways, points and MQTT credentials, by the platform's own code.
        done = subprocess.run(
            [sys.executable, "-m", "parkpilot.energy.mqtt.faultrun", *self.gateway_names],
            env=self.env(),
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise RuntimeError(f"setup failed: {done.stderr[-3000:]}")
        self.passwords = json.loads(done.stdout.strip().splitlines()[-1])
        time.sleep(0.5)  # the broker rereads its files on SIGHUP, asynchronously
        self.start_worker()
        threading.Thread(target=self._watch_worker, daemon=True).start()

    def start_worker(self) -> None:
        self.worker_runs += 1
        log = self.workdir / f"worker-{self.worker_runs}.log"
        with open(log, "wb") as out:
            self.worker = subprocess.Popen(
                [
                    *(sys.executable, "-m", "parkpilot.cli", "ingest_mqtt"),
                    *("--client-id", "fault-worker"),
                ],
                env=self.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        # The first time, until it has subscribed (only then does the broker queue for it);
        # later its session is there, and the broker may send the backlog before the SUBACK.
        ready = b"MQTT subscribed" if self.worker_runs == 1 else b"MQTT connected"
        _wait(lambda: ready in log.read_bytes(), 120, "the worker's connection")
        self._killing = False

    def _watch_worker(self) -> None:
        # A worker that ends without being told to is counted and started again.
        while not self._watch.wait(0.2):
            process = self.worker
            if process and process.poll() is not None and not self._killing:
                self.worker_exits += 1
                print(f"worker exited by itself: status {process.returncode}", file=sys.stderr)
                self.start_worker()

    def kill_worker(self) -> None:
        self._killing = True
        self.worker.kill()
        self.worker.wait()

    def stop_worker(self) -> str:
        """SIGTERM; returns the worker's last log."""
        self._killing = True
        self.worker.terminate()
        self.worker.wait(timeout=120)
        return (self.workdir / f"worker-{self.worker_runs}.log").read_text()

    def worker_rss_mb(self) -> float:
        try:
            status = Path(f"/proc/{self.worker.pid}/status").read_text()
        except FileNotFoundError:
            return 0.0
        return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024

    def stored(self) -> int:
        import psycopg

        try:
            with psycopg.connect(self.database_url, connect_timeout=3) as conn:
                return conn.execute("SELECT count(*) FROM energy_reading").fetchone()[0]
        except psycopg.OperationalError:
            return -1  # the database is restarting

    def dead_letters(self) -> int:
        import psycopg

        try:
            with psycopg.connect(self.database_url, connect_timeout=3) as conn:
                return conn.execute("SELECT count(*) FROM energy_deadletter").fetchone()[0]
        except psycopg.OperationalError:
            return 0

    def gateways(self) -> dict:
        from parkpilot.energy.mqtt.gateway import GatewayClient

        made = {}
        for name in self.gateway_names:
            client = GatewayClient(
                host="127.0.0.1",
                port=self.broker.port,
                park_code=PARK,
                username=name,
                password=self.passwords[name],
                client_id=f"bench-{name}",
            )
            client.start()
            made[name] = client
        return made

    def close(self) -> None:
        self._watch.set()
        if self.worker and self.worker.poll() is None:
            self.worker.kill()
            self.worker.wait()
        self.broker.stop()
        self.pg.destroy()


# --- the runs ------------------------------------------------------------------------------------


@dataclass
class Numbering:
    """Reading n of a gateway: point n % POINTS, minute n // POINTS, counter value n (rising)."""

    days_ago: float = 30.0  # where minute 0 is: every reading in the past, none refused as future
    value_offset: float = 0.0  # a later run's counters continue above an earlier run's

    def __post_init__(self):
        start = datetime.now(UTC) - timedelta(days=self.days_ago)
        self.base = start.replace(second=0, microsecond=0)

    def readings(self, gateway: str, start: int, count: int) -> list[dict]:
        return [
            {
                "point": f"{gateway}-p{n % POINTS_PER_GATEWAY}",
                "ts": (self.base + timedelta(minutes=n // POINTS_PER_GATEWAY)).isoformat(),
                "value": self.value_offset + n,
            }
            for n in range(start, start + count)
        ]


def fault_run(rig: Rig, *, rate: float, duration_s: float) -> dict:
    numbering = Numbering()
    clients = rig.gateways()
    sent = dict.fromkeys(clients, 0)
    stop = threading.Event()
    per_gateway_s = PER_MESSAGE / (rate / len(clients))  # seconds between two messages

    def publish(name, client):
        began = time.monotonic()
        k = 0
        while time.monotonic() - began < duration_s and not stop.is_set():
            client.send(numbering.readings(name, k * PER_MESSAGE, PER_MESSAGE))
            sent[name] += PER_MESSAGE
            k += 1
            time.sleep(max(0.0, began + k * per_gateway_s - time.monotonic()))

    threads = [threading.Thread(target=publish, args=item, daemon=True) for item in clients.items()]
    began = time.monotonic()
    for thread in threads:
        thread.start()

    def at(fraction: float) -> None:
        time.sleep(max(0.0, began + fraction * duration_s - time.monotonic()))

    def worker_kill():
        rig.kill_worker()
        time.sleep(1.0)
        rig.start_worker()

    def broker_crash():
        rig.broker.crash()
        time.sleep(1.0)
        rig.broker.start()

    schedule = [
        (0.15, worker_kill),
        (0.30, rig.broker.restart),
        (0.45, rig.pg.restart),
        (0.60, worker_kill),
        (0.75, broker_crash),
        (1.00, rig.pg.restart),
    ]
    for fraction, fault in schedule:
        at(fraction)
        print(f"fault at {time.monotonic() - began:.0f} s: {fault.__name__}", file=sys.stderr)
        fault()
    last_fault_end = time.monotonic()
    for thread in threads:
        thread.join()
    total = sum(sent.values())
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        confirmed = all(c.wait_confirmed(0.5) for c in clients.values())
        if confirmed and rig.stored() == total:
            break
    recovery_s = time.monotonic() - last_fault_end
    stored = rig.stored()
    resent = sum(c.resent_messages for c in clients.values())
    for client in clients.values():
        client.close()
    return {
        "sent": total,
        "lost": total - stored,
        "dead_letters": rig.dead_letters(),  # 0: a database outage never made one
        "worker_exits": rig.worker_exits,
        "recovery_s": round(recovery_s, 1),
        "resent": resent,
    }


def backlog_run(rig: Rig, *, readings: int) -> dict:
    """Queue `readings` at the broker with the worker down, then let the worker drain them."""
    if not readings:
        return {"rss_peak_mb": 0.0, "rss_idle_mb": 0.0, "redelivered": 0, "drain_per_s": 0.0}
    # 15 days ago: after the fault run's minutes (30 days ago onwards, a few days of them).
    numbering = Numbering(days_ago=15.0, value_offset=1e8)
    before = rig.stored()
    rig.stop_worker()
    rig.start_worker()
    time.sleep(2.0)
    rss_idle = rig.worker_rss_mb()
    rig.stop_worker()
    clients = rig.gateways()
    names = list(clients)
    per_gateway = readings // len(names) // PER_MESSAGE * PER_MESSAGE
    for start in range(0, per_gateway, PER_MESSAGE):
        for name in names:
            items = numbering.readings(name, start, PER_MESSAGE)
            clients[name].send(items)
    for client in clients.values():
        client.close()  # every PUBACK in: the backlog is queued at the broker
    target = before + per_gateway * len(names)
    rig.start_worker()
    began = time.monotonic()
    peak = 0.0
    killed = False
    while rig.stored() < target:
        if rig.dead_letters():
            raise RuntimeError(f"the backlog was refused: {rig.dead_letters()} dead letters")
        peak = max(peak, rig.worker_rss_mb())
        if not killed and rig.stored() - before > (target - before) / 2:
            rig.kill_worker()  # halfway: what does a kill cost?
            rig.start_worker()
            killed = True
        time.sleep(0.25)
        if time.monotonic() - began > 1800:
            raise RuntimeError("the backlog did not drain in 30 minutes")
    drain_s = time.monotonic() - began
    log = rig.stop_worker()
    found = re.search(r"(\d+) duplicates", log)
    return {
        "rss_peak_mb": round(peak, 1),
        "rss_idle_mb": round(rss_idle, 1),
        "redelivered": int(found.group(1)) if found else -1,
        "drain_per_s": round((target - before) / drain_s),
    }


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what}")


# --- setup, in a process of its own connected to the private database --------------------------


def _setup(gateway_names: list[str]) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parkpilot.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from parkpilot.energy.gateways import gateway_mqtt_credentials_issue
    from parkpilot.energy.models import MeteringPoint
    from parkpilot.tenancy.models import Park, Role, User

    park = Park.objects.create(code=PARK, name="故障演练园区")
    passwords = {}
    for name in gateway_names:
        gateway = User.objects.create(username=name, role=Role.GATEWAY, park=park)
        MeteringPoint.objects.bulk_create(
            MeteringPoint(park=park, code=f"{name}-p{i}", kind="grid_import", unit="kWh",
                          register="cumulative", rated_max_per_h=10**9, interval_s=60,
                          gateway=gateway)
            for i in range(POINTS_PER_GATEWAY)
        )  # fmt: skip
        passwords[name] = gateway_mqtt_credentials_issue(actor=None, via="bench", gateway=gateway)
    print(json.dumps(passwords))


if __name__ == "__main__":
    _setup(sys.argv[1:])
