import signal
import threading
import time

from django.core.management.base import BaseCommand, CommandError

from parkpilot.demo.services import load_demo_data
from parkpilot.energy.demo import plan_for
from parkpilot.energy.mqtt.config import mqtt_config
from parkpilot.energy.mqtt.gateway import GatewayRefused
from parkpilot.energy.simulator.credentials import credentials_file, gateway_passwords
from parkpilot.energy.simulator.engine import Faults, parse_faults
from parkpilot.energy.simulator.runner import (
    Backfill,
    DirectSender,
    HttpSender,
    LiveOptions,
    MqttSender,
    run,
)
from parkpilot.tenancy.models import Park


class Command(BaseCommand):
    help = (
        "Simulate the demo park's 1,421 meters: live readings through MQTT, HTTP or straight "
        "into the core, optional faults, and a history back-fill whose progress pages show. "
        "Run `parkpilot demo --no-serve` first (it creates the points)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--park", default="qingshanhu", help="park code")
        parser.add_argument("--via", choices=["direct", "mqtt", "http"], default="direct")
        parser.add_argument(
            "--interval",
            type=float,
            default=900.0,
            help="seconds between readings of a point (default: the meters' 15 minutes)",
        )
        parser.add_argument(
            "--speedup", type=float, default=1.0, help="simulated seconds per wall second"
        )
        parser.add_argument(
            "--start", default=None, help="simulated start, ISO-8601 with offset (default: now)"
        )
        parser.add_argument("--points", type=int, default=None, help="only the first N points")
        parser.add_argument("--duration", type=float, default=None, help="wall seconds, then stop")
        parser.add_argument("--ticks", type=int, default=None, help="live ticks, then stop")
        parser.add_argument(
            "--faults",
            default="",
            help="comma list of resets,spikes,gaps,late,duplicates,malformed[:rate per reading]",
        )
        parser.add_argument(
            "--backfill-days", type=float, default=0, help="back-fill this much history"
        )
        parser.add_argument("--no-live", action="store_true", help="only back-fill, then stop")
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="for --via http")
        parser.add_argument(
            "--confirm-timeout",
            type=float,
            default=30.0,
            help="--via mqtt: seconds to wait at the end for the platform to confirm storage",
        )

    def handle(self, *args, **o):
        park = Park.objects.filter(code=o["park"]).first()
        if park is None:
            raise CommandError(f"no park {o['park']!r}: run `parkpilot demo --no-serve` first")
        plan = plan_for(load_demo_data())
        try:
            faults = Faults(parse_faults(o["faults"])) if o["faults"] else None
        except ValueError as exc:
            raise CommandError(f"--faults: {exc}") from exc
        start = None
        if o["start"]:
            import datetime as dt

            parsed = dt.datetime.fromisoformat(o["start"])
            if parsed.tzinfo is None:
                raise CommandError("--start needs a UTC offset, e.g. 2026-11-20T00:00+08:00")
            start = parsed.timestamp()
        sender = self._sender(o["via"], park, plan, o)
        try:
            self._simulate(park, plan, sender, start, faults, o)
        except GatewayRefused as exc:
            raise CommandError(
                f"{exc}. Is the broker using the platform's password and ACL files, reloaded "
                "since (`parkpilot mqtt_sync`, PARKPILOT_MQTT_PID_FILE)? (docs/energy-mqtt.md)"
            ) from exc

    def _simulate(self, park, plan, sender, start, faults, o):
        backfill = None
        if o["backfill_days"]:
            backfill = Backfill.prepare(
                park, plan, days=o["backfill_days"], now=start or time.time()
            )
            if backfill:
                self.stdout.write(f"back-fill: job {backfill.job.pk}, {backfill.job.message}")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *a: stop.set())
        signal.signal(signal.SIGINT, lambda *a: stop.set())
        options = LiveOptions(
            interval_s=o["interval"],
            speedup=o["speedup"],
            start=start,
            points=o["points"],
            duration_s=o["duration"],
            ticks=o["ticks"],
            live=not o["no_live"],
        )
        self.stdout.write(
            f"simulating {o['points'] or len(plan)} points via {sender.name}, a reading every "
            f"{o['interval']:g} s, speed-up {o['speedup']:g}"
        )
        summary = run(
            park=park,
            plan=plan,
            sender=sender,
            options=options,
            faults=faults,
            backfill=backfill,
            stop=stop,
            report=self.stdout.write,
        )
        if hasattr(sender, "close"):
            sender.close(o["confirm_timeout"])
        self.stdout.write(f"simulator stopped: {summary}")
        if sender.sent.unconfirmed:
            raise CommandError(
                f"{sender.sent.unconfirmed} of {sender.sent.readings} readings sent were not "
                f"confirmed stored within {o['confirm_timeout']:g} s: is `parkpilot ingest_mqtt` "
                "running against this broker? (they stay resendable by a real gateway)"
            )

    def _sender(self, via, park, plan, o):
        if via == "direct":
            return DirectSender(park)
        if via == "mqtt":
            config = mqtt_config()
            gateways = sorted({p.gateway for p in plan[: o["points"] or len(plan)]})
            passwords, issued = gateway_passwords(gateways)
            if issued:
                self.stdout.write(
                    f"issued MQTT credentials to {len(issued)} simulated gateways "
                    f"(kept in {credentials_file()})"
                )
            return MqttSender(park, host=config.host, port=config.port, passwords=passwords)
        return HttpSender(park, base_url=o["url"], gateways=sorted({p.gateway for p in plan}))
