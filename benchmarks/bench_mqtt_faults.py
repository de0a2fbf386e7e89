"""MQTT intake under faults (issue 13), on a private PostgreSQL and a private Mosquitto.

Everything runs on servers of its own, so that restarting them disturbs nobody: a PostgreSQL
made with initdb + pg_ctl on a free port (energy.mqtt.localpg), and a Mosquitto with the
project's broker configuration (energy.mqtt.broker.broker_config, the same zero-loss settings
scripts/services.sh writes), with the platform's password and ACL files. The worker is the real
`parkpilot ingest_mqtt` process (exclusive subscription, the default); the gateways are the
reference gateways of the delivery protocol (energy.mqtt.gateway.GatewayClient: numbered
envelopes, kept until the committed watermark covers them, resent after a reconnect).

Fault run: the gateways publish at QoS 1 at a steady rate for DURATION seconds while, in this
order, the worker is SIGKILLed, the broker restarted cleanly, PostgreSQL restarted, the worker
SIGKILLed again, the broker SIGKILLed (a crash: it loses what arrived since its last autosave),
and PostgreSQL restarted again as the publishing ends.
  - fault_readings_lost: readings the gateways sent that are not stored at the end (goal 0);
  - fault_worker_exits: times the worker process ended by itself (goal 0);
  - fault_recovery_s: from the end of the last fault until every reading is stored and every
    gateway's watermark covers all it sent (goal ≤ 30).
Backlog: with the worker stopped, BACKLOG readings are queued at the broker; then the worker
starts and drains them, is SIGKILLed halfway and restarted:
  - worker_rss_backlog_mb: the worker's peak RSS while draining (goal ≤ 150); baseline: its RSS
    when idle after start (worker_rss_idle_mb);
  - backlog_kill_redelivered_readings: readings the restarted worker received again that the
    killed one had already stored (the cost of a kill, bounded by the inbox and one batch).

PARKPILOT_BENCH_QUICK=1 runs a smaller version (the test in tests/energy/ runs smaller still).
`python -m benchmarks mqtt_faults`; results in benchmarks/results/mqtt_faults.json."""

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

DATABASES = ("postgresql",)  # its own server: the URL the runner passes is not used
QUICK = os.environ.get("PARKPILOT_BENCH_QUICK") == "1"


@dataclass
class Scale:
    gateways: int
    rate: float  # readings per second, all gateways together
    duration_s: float
    backlog: int  # readings queued while the worker is down (0: no backlog phase)


FULL = Scale(gateways=8, rate=8_000, duration_s=120, backlog=1_500_000)
QUICK_SCALE = Scale(gateways=8, rate=4_000, duration_s=45, backlog=400_000)


def run(database_url: str | None = None) -> dict:
    from benchmarks.harness import write_result
    from parkpilot.energy.mqtt.faultrun import (
        PER_MESSAGE,
        POINTS_PER_GATEWAY,
        Rig,
        backlog_run,
        fault_run,
    )

    scale = QUICK_SCALE if QUICK else FULL
    with tempfile.TemporaryDirectory(prefix="bench-mqtt-faults-") as tmp:
        rig = Rig(Path(tmp), gateways=scale.gateways)
        try:
            rig.start()
            faults = fault_run(rig, rate=scale.rate, duration_s=scale.duration_s)
            backlog = backlog_run(rig, readings=scale.backlog)
        finally:
            rig.close()
    metrics = {
        "fault_readings_lost": faults["lost"],
        "fault_worker_exits": faults["worker_exits"],
        "fault_recovery_s": faults["recovery_s"],
        "worker_rss_backlog_mb": backlog["rss_peak_mb"],
        "backlog_kill_redelivered_readings": backlog["redelivered"],
    }
    baseline = {
        "worker_rss_idle_mb": backlog["rss_idle_mb"],
        "fault_readings_sent": faults["sent"],
        "fault_dead_letters": faults["dead_letters"],
        "fault_messages_resent": faults["resent"],
        "backlog_readings": scale.backlog,
        "backlog_drain_readings_per_s": backlog["drain_per_s"],
    }
    path = write_result(
        "mqtt_faults_quick" if QUICK else "mqtt_faults",
        metrics=metrics,
        baseline=baseline,
        notes=f"{scale.gateways} gateways × {POINTS_PER_GATEWAY} points, {scale.rate:g} "
        f"readings/s for {scale.duration_s:g} s, messages of {PER_MESSAGE}; faults: worker "
        "SIGKILL ×2, broker restart + SIGKILL, PostgreSQL restart ×2 (private servers)",
    )
    print(f"{path}: {metrics} (baseline {baseline})")
    return metrics


if __name__ == "__main__":
    run()
