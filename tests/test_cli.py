"""The `parkpilot` console command and its operator subcommands."""

import io
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

pytestmark = pytest.mark.django_db


def test_token_prints_a_working_token(personas):
    out = io.StringIO()
    call_command("token", "a-user", stdout=out)
    token = out.getvalue().strip()
    assert token.startswith("pp_")
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["username"] == "a-user"


def test_token_for_unknown_user_is_a_clear_error(personas):
    with pytest.raises(CommandError, match="no active user named 'nobody'"):
        call_command("token", "nobody")


def test_only_the_digest_is_stored(personas):
    out = io.StringIO()
    call_command("token", "staff", stdout=out)
    token = out.getvalue().strip()
    from parkpilot.tenancy.models import ApiToken

    assert not ApiToken.objects.filter(digest=token).exists()
    assert ApiToken.objects.filter(prefix=token[:9]).count() == 1


def test_console_script_lists_parkpilot_commands():
    result = subprocess.run(
        [sys.executable, "-m", "parkpilot.cli", "help"], capture_output=True, text=True, check=True
    )
    for command in ("demo", "serve", "token", "migrate"):
        assert command in result.stdout


def test_migrations_match_the_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
