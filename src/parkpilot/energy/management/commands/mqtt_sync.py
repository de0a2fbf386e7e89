from django.core.management.base import BaseCommand, CommandError

from parkpilot.energy.gateways import broker_files_sync, gateway_mqtt_credentials_issue
from parkpilot.tenancy.errors import ValidationFailed
from parkpilot.tenancy.models import User


class Command(BaseCommand):
    help = (
        "Write Mosquitto's password and ACL files from the gateways' MQTT credentials and make "
        "the broker reload them (SIGHUP to PARKPILOT_MQTT_PID_FILE). --issue GATEWAY first gives "
        "that gateway a new MQTT password and prints it once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--issue", metavar="GATEWAY", action="append", default=[])

    def handle(self, *args, issue: list[str], **options):
        for username in issue:
            gateway = User.objects.filter(username=username).first()
            if gateway is None:
                raise CommandError(f"no such user: {username}")
            try:
                password = gateway_mqtt_credentials_issue(actor=None, via="cli", gateway=gateway)
            except ValidationFailed as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"{username}: MQTT password {password}  (shown once)")
        result = broker_files_sync()
        self.stdout.write(
            f"{result.gateways} gateways -> {result.password_file}, {result.acl_file}; "
            + ("broker reloaded" if result.reloaded else "broker not signalled (no pid file)")
        )
