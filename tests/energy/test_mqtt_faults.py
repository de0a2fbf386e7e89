"""The issue's fault run, smaller (benchmarks/bench_mqtt_faults.py is the full one): reference
gateways publish at QoS 1 through a broker with the project's configuration while the worker is
SIGKILLed twice, the broker restarted cleanly and SIGKILLed, and a private PostgreSQL (never
the shared one) restarted twice. Nothing a gateway following the protocol holds is lost, and
the worker never exits."""

import re
import shutil
from pathlib import Path

from helpers import service_missing
from parkpilot.energy.mqtt.broker import MOSQUITTO
from parkpilot.energy.mqtt.faultrun import Rig, fault_run


def test_no_reading_is_lost_and_the_worker_never_exits_through_every_fault(tmp_path):
    if not Path(MOSQUITTO).exists():
        service_missing(f"{MOSQUITTO} is not installed (scripts/services.sh installs it)")
    if not (shutil.which("pg_ctl") or list(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))):
        service_missing("PostgreSQL server binaries (pg_ctl, initdb) are not installed")
    rig = Rig(tmp_path, gateways=2)
    try:
        rig.start()
        result = fault_run(rig, rate=1_500, duration_s=24)
        logs = "".join(p.read_text() for p in sorted(tmp_path.glob("worker-*.log")))
    finally:
        rig.close()
    # 2 gateways × 750 readings/s for 24 s, every reading a new (point, ts).
    assert result["sent"] >= 20_000
    assert result["lost"] == 0, result
    assert result["worker_exits"] == 0, logs[-3000:]
    assert result["dead_letters"] == 0
    # The database restarts reached the worker (a batch: "database unavailable … retrying"; a
    # rollup pass: its OperationalError logged, retried after the next batch; the wording of
    # PostgreSQL's message depends on the moment), and none made a dead letter.
    assert re.search(r"database unavailable|OperationalError", logs)
    assert "could not be processed" not in logs
    assert rig.worker_runs == 3  # started once, and once after each SIGKILL
