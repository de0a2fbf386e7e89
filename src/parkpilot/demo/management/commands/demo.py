import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

from parkpilot.demo.children import die_with_parent
from parkpilot.demo.services import DEMO_USERS, demo_load
from parkpilot.tenancy.models import Role

# What keeps the demo alive besides the web server: the task queue (rollups, alerts, reports,
# escalations) and the meter simulator (90 days of history back-filled, then live readings).
BACKGROUND = {
    "tasks": ["run_huey", "--workers", "2", "--worker-type", "thread"],
    # Live readings every minute, as real meters send them (the history is back-filled at the
    # meters' 15 minutes): figures on open pages move within a second of each (benchmarks/live).
    "simulator": ["simulate", "--backfill-days", "90", "--interval", "60"],
}


class Command(BaseCommand):
    help = "Set up the Qingshanhu demo park (migrate, load, static files) and serve it, live."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="set up, then stop")
        parser.add_argument(
            "--no-simulator", action="store_true", help="no simulated meters or task queue"
        )

    def handle(self, *args, host: str, port: int, no_serve: bool, no_simulator: bool, **options):
        call_command("migrate", interactive=False, verbosity=0)
        report = demo_load()
        self.stdout.write(
            f"demo park loaded ({connection.vendor}): created {report.created or 'nothing'}, "
            f"updated {report.updated or 'nothing'}"
        )
        call_command("collectstatic", interactive=False, verbosity=0)
        self._print_logins(host, port)
        if no_serve:
            return
        children = [] if no_simulator else self._start_background()
        try:
            call_command("serve", host=host, port=port)
        finally:
            for child in children:
                child.terminate()
            for child in children:
                child.wait(timeout=30)

    def _start_background(self) -> list[subprocess.Popen]:
        logs = Path(settings.DATA_DIR) / "log"
        logs.mkdir(parents=True, exist_ok=True)
        children = []
        for name, args in BACKGROUND.items():
            log = (logs / f"{name}.log").open("ab")
            children.append(
                subprocess.Popen(
                    [sys.executable, "-m", "parkpilot.cli", *args],
                    stdout=log,
                    stderr=log,
                    preexec_fn=die_with_parent,
                )
            )
            self.stdout.write(f"{name}: running in the background, log in {logs / name}.log")
        return children

    def _print_logins(self, host: str, port: int) -> None:
        url = f"http://{host}:{port}/"
        self.stdout.write(self.style.SUCCESS(f"\nParkPilot 园区数智领航平台: {url}"))
        self.stdout.write(f"API docs: {url}api/docs")
        password = settings.PARKPILOT_DEMO_PASSWORD
        self.stdout.write(f"\nLogins (password: {password}):")
        for username, role, enterprise, display in DEMO_USERS:
            where = f" @ {enterprise}" if enterprise else ""
            self.stdout.write(f"  {username:<15} {Role(role).label}{where} ({display})")
        self.stdout.write("  (gateway-01 signs in with an API token: parkpilot token gateway-01)")
        self.stdout.write("")
