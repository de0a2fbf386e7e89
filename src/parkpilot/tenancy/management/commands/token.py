from django.core.management.base import BaseCommand, CommandError

from parkpilot.tenancy.errors import ValidationFailed
from parkpilot.tenancy.models import ApiToken, User
from parkpilot.tenancy.services import api_token_create, api_token_revoke

USAGE = """\
parkpilot token USERNAME [--name N] [--scope read|write|gateway] [--days D]
                                   print a new token for USERNAME (shown once)
parkpilot token list [USERNAME]    the tokens (all users' without USERNAME)
parkpilot token revoke ID          revoke token ID at once (see `list`)"""


class Command(BaseCommand):
    help = (
        "API tokens: make one (the secret is printed once; only its hash is stored), list, revoke."
    )

    def add_arguments(self, parser):
        parser.usage = USAGE
        parser.add_argument("words", nargs="+", metavar="create|list|revoke|USERNAME")
        parser.add_argument("--name", default="", help="what the token is for")
        parser.add_argument("--scope", choices=["read", "write", "gateway"], default=None)
        parser.add_argument("--days", type=int, default=None, help="expires after D days")

    def handle(self, *args, words: list[str], name: str, scope, days, **options):
        verb, rest = (
            (words[0], words[1:])
            if words[0] in {"create", "list", "revoke"}
            else (
                "create",
                words,
            )
        )
        if verb == "list":
            return self._list(rest)
        if len(rest) != 1:
            raise CommandError(USAGE)
        if verb == "revoke":
            return self._revoke(rest[0])
        return self._create(rest[0], name=name, scope=scope, days=days)

    def _create(self, username: str, *, name: str, scope, days):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user named {username!r}")
        try:
            secret = api_token_create(
                actor=None,
                via="cli",
                user=user,
                name=name or "cli",
                scope=scope,
                expires_in_days=days,
            )
        except ValidationFailed as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(secret)

    def _list(self, rest: list[str]):
        tokens = ApiToken.objects.select_related("user").order_by("user__username", "-id")
        if rest:
            tokens = tokens.filter(user__username=rest[0])
        for t in tokens:
            state = "revoked" if t.revoked_at else "active"
            expires = t.expires_at.isoformat(timespec="minutes") if t.expires_at else "never"
            used = t.last_used_at.isoformat(timespec="minutes") if t.last_used_at else "-"
            self.stdout.write(
                f"{t.pk}\t{t.user.username}\t{t.prefix}…\t{t.scope}\t{state}\t"
                f"expires {expires}\tused {used}\t{t.name}"
            )

    def _revoke(self, token_id: str):
        token = ApiToken.objects.filter(pk=int(token_id) if token_id.isdigit() else -1).first()
        if token is None:
            raise CommandError(f"no token with id {token_id!r} (see `parkpilot token list`)")
        api_token_revoke(actor=None, via="cli", token=token)
        self.stdout.write(f"revoked {token.prefix}… of {token.user.username}")
