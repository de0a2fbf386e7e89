"""Helpers shared by test modules (conftest files hold fixtures only)."""

import os
from pathlib import Path

import pytest

REQUIRE_SERVICES = os.environ.get("PARKPILOT_REQUIRE_SERVICES") == "1"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def service_missing(reason: str) -> None:
    """Skip when a server is absent on a developer's machine; fail in CI, where it must be there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (PARKPILOT_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot for people to look at (test-artifacts/, not committed)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
