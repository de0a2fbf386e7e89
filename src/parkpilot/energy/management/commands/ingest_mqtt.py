import logging
import os
import socket

from django.core.management.base import BaseCommand

from parkpilot.energy.mqtt.config import mqtt_config
from parkpilot.energy.mqtt.worker import IngestWorker


class Command(BaseCommand):
    help = (
        "Consume meter readings from MQTT (shared subscription $share/parkpilot/parkpilot/+/"
        "readings/+, QoS 1, persistent session) into the intake core. Run any number of them, "
        "each with its own --client-id. SIGTERM: finish the batch, ack it, exit."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--client-id",
            default=os.environ.get("PARKPILOT_MQTT_CLIENT_ID")
            or f"parkpilot-{socket.gethostname()}",
            help="fixed per worker: the broker keeps this worker's session (and queue) by it",
        )
        parser.add_argument(
            "--subscription",
            choices=["shared", "exclusive"],
            default=os.environ.get("PARKPILOT_MQTT_SUBSCRIPTION", "shared"),
            help="shared: any number of workers; exclusive: one worker, survives a Mosquitto "
            "2.0 restart without loss (docs/energy-mqtt.md)",
        )
        parser.add_argument("--batch-readings", type=int, default=20_000)
        parser.add_argument("--batch-ms", type=int, default=200)
        parser.add_argument("--receive-maximum", type=int, default=1_000)
        parser.add_argument("--no-rollup", action="store_true", help="leave rollups to others")
        parser.add_argument(
            "--rollup-every-ms",
            type=int,
            default=1000,
            help="under load, roll up at most this often (at once when caught up)",
        )
        parser.add_argument("--max-seconds", type=float, default=None, help=argparse_hidden())

    def handle(self, *args, **options):
        if not logging.getLogger().handlers:
            logging.basicConfig(level=logging.INFO)
        config = mqtt_config()
        worker = IngestWorker(
            config=config,
            client_id=options["client_id"],
            batch_readings=options["batch_readings"],
            batch_ms=options["batch_ms"],
            receive_maximum=options["receive_maximum"],
            rollup=not options["no_rollup"],
            rollup_every_ms=options["rollup_every_ms"],
            subscription=options["subscription"],
        )
        worker.install_signal_handlers()
        self.stdout.write(
            f"ingest_mqtt: {config.host}:{config.port} client id {options['client_id']}",
        )
        self.stdout.flush()
        stats = worker.run(max_seconds=options["max_seconds"])
        self.stdout.write(
            f"ingest_mqtt stopped: {stats.messages} messages, {stats.accepted} accepted, "
            f"{stats.duplicates} duplicates, {stats.conflicts} conflicts, "
            f"{stats.rejected} rejected"
        )


def argparse_hidden():
    import argparse

    return argparse.SUPPRESS
