"""Real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright against the live
server. Screenshots go to test-artifacts/ for people to look at; they are not committed."""

import os
from pathlib import Path

import pytest

from helpers import service_missing

CHROMIUM = "/usr/bin/chromium"
# Flags that keep Chromium off the network it cannot reach in a closed sandbox.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make around
# it are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        service_missing(f"{CHROMIUM} is not installed (scripts/services.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium):
    contexts = []

    def make(width=1920, height=1080, locale="zh-CN"):
        context = chromium.new_context(viewport={"width": width, "height": height}, locale=locale)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
