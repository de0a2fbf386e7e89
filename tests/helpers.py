"""Helpers shared by test modules (conftest files hold fixtures only)."""

import base64
import io
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

REQUIRE_SERVICES = os.environ.get("PARKPILOT_REQUIRE_SERVICES") == "1"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def service_missing(reason: str) -> None:
    """Skip when a server is absent on a developer's machine; fail in CI, where it must be there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (PARKPILOT_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


# What must never reach a Chinese page: machine identifiers (grid_import, queued) and Python
# values (None, True, {'a': 1}, ['x']). Codes, units, usernames and file names are not caught:
# they have no underscore between lower-case words and are not Python literals.
LEAKS = [
    (re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b"), "a snake_case identifier"),
    (re.compile(r"\b(?:None|True|False)\b"), "a Python value"),
    (re.compile(r"[\[{]'[^']*'"), "a Python list or dict"),
    (re.compile(r"\b(?:queued|running|done|failed|pending|submitted)\b"), "an untranslated state"),
]
LEAK_ALLOWED = re.compile(r"@|https?://|\.(?:pdf|xlsx|csv|json|py)\b")  # addresses, file names


# A page's visible text without what it shows as code (column names, point codes, raw payloads).
VISIBLE_TEXT_BUT_CODE = """() => {
  let text = document.body.innerText;
  for (const el of document.querySelectorAll("code, kbd, samp, pre")) {
    if (el.innerText) text = text.split(el.innerText).join(" ");
  }
  return text;
}"""


def english_leaks(text: str) -> list[str]:
    """The lines of a page's visible text that show an identifier or a Python value."""
    found = []
    for line in text.splitlines():
        if LEAK_ALLOWED.search(line):
            continue
        found += [f"{why}: {line.strip()[:120]}" for pattern, why in LEAKS if pattern.search(line)]
    return found


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot for people to look at (test-artifacts/, not committed). A
    Chinese page is also read for English identifiers and Python values that leaked into it."""
    if page.evaluate("document.documentElement.lang") == "zh-hans":
        leaks = english_leaks(page.evaluate(VISIBLE_TEXT_BUT_CODE))
        assert not leaks, f"{name}: identifiers shown on a Chinese page: {leaks}"
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


class AsgiServer:
    """ParkPilot's ASGI application under uvicorn in a thread of the test process, against the
    test database: what Server-Sent Events need (pytest-django's live_server is WSGI and never
    delivers an endless stream)."""

    def __init__(self):
        import socket
        import threading

        import uvicorn

        from parkpilot.asgi import application

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(
            application, log_level="warning", lifespan="off", timeout_graceful_shutdown=1
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def start(self):
        import time

        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        return self

    def stop(self):
        self.server.should_exit = True
        self.thread.join(10)


def drop_server_connections():
    """PostgreSQL refuses to drop the test database while the server's threads still hold
    connections; end them. Only this role's own sessions: an autovacuum worker on the test
    database belongs to the superuser, and terminating it is refused (a flaky teardown).

    Then start the next test with a fresh pool: a stream the stopped server never finished
    keeps its pooled connection checked out, and a few such tests on one worker left the
    pool (20) empty for the next (CI, stop 29: "couldn't get a connection after 10 sec")."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND usename = current_user AND backend_type = 'client backend'"
            )
        connection.close()
        connection.close_pool()


def sign_in(page, base_url: str, username: str, password: str | None = None) -> None:
    """Log in through the login form. With the demo password (the default) the login must
    succeed: wait until the browser has left the login page, so the next step sees the session."""
    from django.conf import settings

    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password or settings.PARKPILOT_DEMO_PASSWORD)
    page.get_by_test_id("login-submit").click()
    if password is None:
        page.wait_for_url(lambda url: "/accounts/login/" not in url)


# Small genuine files for upload tests: uploads are checked by their content (parkpilot.uploads).
PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def docx_bytes(text: str = "正文") -> bytes:
    """The smallest Word document libmagic recognises as one."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org'
            '/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="'
            'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            "</Types>",
        )
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", f"<w:document>{text}</w:document>")
    return out.getvalue()


@dataclass(frozen=True)
class PageCase:
    """A page route's tenant-isolation case (tests/tenancy/test_page_isolation.py)."""

    make: Callable  # (personas, ent_a) -> (reverse kwargs, the object the page is about)
    owner: str = "ent_a_user"  # a persona who may open the page
    outsiders: tuple[str, ...] = ("ent_b_user", "other_park_admin")


def isolation_module(app: str):
    """tests/<app>/isolation.py (the API cases), whose factories the page cases reuse."""
    import importlib.util

    path = Path(__file__).resolve().parent / app / "isolation.py"
    spec = importlib.util.spec_from_file_location(f"isolation_{app}_for_pages", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


XXE_SHEET = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetData><row><c t="inlineStr"><is><t>&e;</t></is></c></row></sheetData></worksheet>'
)


def workbook_with_sheet(xml: str) -> bytes:
    """A genuine workbook (it passes the content sniff) whose first sheet is the given XML."""
    from openpyxl import Workbook

    plain = io.BytesIO()
    Workbook().save(plain)
    source = zipfile.ZipFile(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            hostile = item.filename == "xl/worksheets/sheet1.xml"
            target.writestr(item, xml.encode() if hostile else source.read(item.filename))
    return out.getvalue()
