"""The production settings documented in docs/operations.md pass `parkpilot check --deploy`
with no warning, and the headers they promise are sent."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

DOC = Path(__file__).resolve().parents[1] / "docs" / "operations.md"


def documented_settings() -> dict[str, str]:
    block = re.search(
        r"<!-- production-settings -->(.*?)<!-- /production-settings -->", DOC.read_text(), re.S
    )
    assert block, "docs/operations.md lost its production-settings block"
    found = dict(re.findall(r"^export (PARKPILOT_\w+)=(\S+)$", block.group(1), re.M))
    assert "PARKPILOT_SECRET_KEY" in found and "PARKPILOT_HSTS_SECONDS" in found
    return found


def test_check_deploy_is_clean_with_the_documented_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PARKPILOT_", "DJANGO_"))}
    env |= documented_settings()
    env["PARKPILOT_SECRET_KEY"] = secrets.token_urlsafe(60)  # the doc shows a placeholder
    env["PARKPILOT_DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "parkpilot.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_signed_in_answers_are_never_cached_and_carry_the_permissions_policy(personas):
    anonymous = Client().get("/api/v1/health")  # public: nothing of a tenant in it
    assert "geolocation=(self)" in anonymous["Permissions-Policy"]
    assert "no-store" not in anonymous.get("Cache-Control", "")
    client = Client()
    client.force_login(personas["park_staff"])
    page = client.get("/")
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]
    api = client.get("/api/v1/me")
    assert "no-store" in api["Cache-Control"]
    assert page["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_the_headers_ask_nothing_of_the_database(personas, django_assert_num_queries):
    """Resolving the user after a streaming view would hold a pooled connection for as long as a
    big screen stays open (200 screens emptied PostgreSQL's pool of 20)."""
    from django.conf import settings
    from django.contrib.auth.middleware import AuthenticationMiddleware
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.http import HttpResponse
    from django.test import RequestFactory

    from parkpilot.middleware import SecurityHeaders

    client = Client()
    client.force_login(personas["park_staff"])
    request = RequestFactory().get("/cockpit/screen/stream")
    request.COOKIES[settings.SESSION_COOKIE_NAME] = client.cookies[
        settings.SESSION_COOKIE_NAME
    ].value
    stack = SessionMiddleware(
        AuthenticationMiddleware(SecurityHeaders(lambda _request: HttpResponse("ok")))
    )
    with django_assert_num_queries(0):
        answer = stack(request)
    assert "no-store" in answer["Cache-Control"]
