from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

from parkpilot.demo.services import DEMO_USERS, demo_load
from parkpilot.tenancy.models import Role


class Command(BaseCommand):
    help = "Set up the Qingshanhu demo park (migrate, load, static files) and serve it."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="set up, then stop")

    def handle(self, *args, host: str, port: int, no_serve: bool, **options):
        call_command("migrate", interactive=False, verbosity=0)
        report = demo_load()
        self.stdout.write(
            f"demo park loaded ({connection.vendor}): created {report.created or 'nothing'}, "
            f"updated {report.updated or 'nothing'}"
        )
        call_command("collectstatic", interactive=False, verbosity=0)
        self._print_logins(host, port)
        if not no_serve:
            call_command("serve", host=host, port=port)

    def _print_logins(self, host: str, port: int) -> None:
        url = f"http://{host}:{port}/"
        self.stdout.write(self.style.SUCCESS(f"\nParkPilot 园区数智领航平台: {url}"))
        self.stdout.write(
            f"API docs: {url}api/docs\n\nLogins (password: {settings.PARKPILOT_DEMO_PASSWORD}):"
        )
        for username, role, enterprise, display in DEMO_USERS:
            where = f" @ {enterprise}" if enterprise else ""
            self.stdout.write(f"  {username:<15} {Role(role).label}{where} ({display})")
        self.stdout.write("  (gateway-01 signs in with an API token: parkpilot token gateway-01)")
        self.stdout.write("")
