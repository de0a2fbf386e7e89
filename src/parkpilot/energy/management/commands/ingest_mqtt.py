import argparse
import logging
import os
import socket

from django.core.management.base import BaseCommand, CommandError

from parkpilot.energy.mqtt.config import SUBSCRIPTION_MODES, mqtt_config, parse_partition
from parkpilot.energy.mqtt.worker import IngestWorker


class Command(BaseCommand):
    help = (
        "Consume meter readings from MQTT (QoS 1, persistent session, acked after commit) into "
        "the intake core. One worker: the default exclusive subscription. Several: "
        "--partition K/N on each (docs/energy-mqtt.md). SIGTERM: finish the batch, ack, exit."
    )
    # The system checks load the URLconf, and with it every app's views (shapely, Pillow,
    # protobuf: about 80 MB the worker never uses). `serve` and `migrate` run the checks.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--client-id",
            default=os.environ.get("PARKPILOT_MQTT_CLIENT_ID")
            or f"parkpilot-{socket.gethostname()}",
            help="fixed per worker: the broker keeps this worker's session (and queue) by it",
        )
        parser.add_argument(
            "--subscription",
            choices=SUBSCRIPTION_MODES,
            default=os.environ.get("PARKPILOT_MQTT_SUBSCRIPTION", "exclusive"),
            help="exclusive (one worker) or partition (several, with --partition) survive a "
            "Mosquitto 2.0 restart without loss; shared does not (docs/energy-mqtt.md)",
        )
        parser.add_argument(
            "--partition",
            default=os.environ.get("PARKPILOT_MQTT_PARTITION", ""),
            help="K/N: this worker takes the K-th of N shares of the gateways (by name hash)",
        )
        parser.add_argument("--batch-readings", type=int, default=20_000)
        parser.add_argument("--batch-ms", type=int, default=200)
        parser.add_argument("--receive-maximum", type=int, default=1_000)
        parser.add_argument(
            "--inbox-mb",
            type=float,
            default=4,
            help="payload bytes received but not yet ingested; beyond it the worker stops "
            "reading from the broker (bounded memory)",
        )
        parser.add_argument(
            "--inbox-messages",
            type=int,
            default=10_000,
            help="messages received but not yet ingested; the inbox is full at either bound",
        )
        parser.add_argument("--no-rollup", action="store_true", help="leave rollups to others")
        parser.add_argument(
            "--rollup-every-ms",
            type=int,
            default=1000,
            help="under load, roll up at most this often (at once when caught up)",
        )
        parser.add_argument("--max-seconds", type=float, default=None, help=argparse.SUPPRESS)

    def handle(self, *args, **options):
        if not logging.getLogger().handlers:
            logging.basicConfig(level=logging.INFO)
        subscription, partition = options["subscription"], None
        if options["partition"]:
            subscription = "partition"
            try:
                partition = parse_partition(options["partition"])
            except ValueError as exc:
                raise CommandError(f"--partition: {exc}") from exc
        elif subscription == "partition":
            raise CommandError("--subscription partition needs --partition K/N")
        config = mqtt_config()
        worker = IngestWorker(
            config=config,
            client_id=options["client_id"],
            batch_readings=options["batch_readings"],
            batch_ms=options["batch_ms"],
            receive_maximum=options["receive_maximum"],
            inbox_bytes=int(options["inbox_mb"] * 2**20),
            inbox_messages=options["inbox_messages"],
            rollup=not options["no_rollup"],
            rollup_every_ms=options["rollup_every_ms"],
            subscription=subscription,
            partition=partition,
        )
        worker.install_signal_handlers()
        self.stdout.write(
            f"ingest_mqtt: {config.host}:{config.port} client id {options['client_id']}, "
            f"subscription {subscription}" + (f" {options['partition']}" if partition else ""),
        )
        self.stdout.flush()
        stats = worker.run(max_seconds=options["max_seconds"])
        self.stdout.write(
            f"ingest_mqtt stopped: {stats.messages} messages, {stats.accepted} accepted, "
            f"{stats.duplicates} duplicates, {stats.conflicts} conflicts, "
            f"{stats.rejected} rejected, {stats.retries} database retries"
        )
