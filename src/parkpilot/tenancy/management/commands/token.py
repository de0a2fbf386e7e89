from django.core.management.base import BaseCommand, CommandError

from parkpilot.tenancy.models import User
from parkpilot.tenancy.services import api_token_create


class Command(BaseCommand):
    help = "Print a new API token for an existing user (shown once; only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="what the token is for")

    def handle(self, *args, username: str, name: str, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user named {username!r}")
        secret = api_token_create(actor=None, via="cli", user=user, name=name or "cli")
        self.stdout.write(secret)
