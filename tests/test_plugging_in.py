"""An app plugs in through its AppConfig alone (parkpilot.plugins): the example app in
tests/plugged/ is added to INSTALLED_APPS and nothing else, and shows up in the navigation, the
API and its schema, the URLs, the home page and the data cockpit."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import NoReverseMatch, reverse

from parkpilot import plugins

ROOT = Path(__file__).resolve().parent.parent
PLUGGED = ROOT / "tests" / "plugged"


def test_an_app_listed_in_installed_apps_appears_everywhere_it_declares(tmp_path):
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "example_settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(PLUGGED)]),
        "PARKPILOT_DATA_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)  # its own SQLite file: nothing shared with this run's database
    done = subprocess.run(
        [sys.executable, str(PLUGGED / "check_plugged.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["page"] == "example page of ex"
    assert found["api"] == {"park": "ex"}
    assert found["openapi_has_path"]
    assert found["nav_has_link"]
    assert found["home_has_card"]
    assert "example.answer" in found["cockpit_tile_keys"]
    # Its own role is declared on the AppConfig too; the page, its navigation entry and its
    # tile ask one rule, so a colleague without the role finds none of them.
    assert found["role_declared"]
    # A section on another app's page (the park's carbon page), declared on its AppConfig.
    assert found["carbon_page_has_section"]
    # A section of the 碳体检报告, which carbon issues without knowing the app.
    assert "九、示例板块" in found["report_pdf_text"]
    assert "example report section of 报告企业 for 2022-03" in found["report_pdf_text"]
    assert found["without_role_page_status"] == 403
    assert not found["without_role_nav_has_link"]
    assert "example.answer" not in found["without_role_tile_keys"]
    # It heard, after commit, of a service request confirmed in the services app, which does
    # not know it exists.
    [heard] = found["event_handled"]
    assert heard["request_id"] is True and heard["rating"] == 5


def test_without_it_nothing_of_the_example_app_is_there():
    # The same checks fail on the project's own settings: the example's presence above comes
    # from INSTALLED_APPS alone, not from anything shared.
    with pytest.raises(NoReverseMatch):
        reverse("example:hello")
    assert all("example" not in prefix for prefix, _router in plugins.api_routers())
    assert all(t.key != "example.answer" for t in plugins.collected("cockpit_tiles"))


def test_every_app_page_and_api_mount_comes_from_an_app_config():
    prefixes = [prefix for prefix, _router in plugins.api_routers()]
    assert prefixes == [
        "/v1/",
        "/v1/energy",
        "/v1/carbon",
        "/v1/economy",
        "/v1/projects",
        "/v1/services",
        "/v1/points",
        "/v1/bus",
        "/v1/cockpit",
        "/v1/notifications",
        "/v1/alerts",
        "/v1/grid",
        "/v1/sinks",
        "/v1/space",
        "/v1/talent",
    ]
    assert reverse("energy:points").startswith("/energy/")
    assert reverse("portal:home") == "/"


GROUND_FLOOR = [
    "tenancy",
    "plugins.py",
    "events.py",
    "pagination.py",
    "uploads.py",
    "spreadsheets.py",
    "workcalendar.py",
]
# Every app of the package (a folder with an AppConfig), the ones to come included.
APPS = sorted(
    p.parent.name
    for p in (ROOT / "src" / "parkpilot").glob("*/apps.py")
    if p.parent.name != "tenancy"
)


def test_the_ground_floor_imports_no_app():
    import ast

    package = ROOT / "src" / "parkpilot"
    offenders = []
    for entry in GROUND_FLOOR:
        files = (package / entry).rglob("*.py") if (package / entry).is_dir() else [package / entry]
        for file in files:
            for node in ast.walk(ast.parse(file.read_text())):
                names = []
                if isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                elif isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                offenders += [
                    f"{file.relative_to(package)}: {name}"
                    for name in names
                    if name.split(".")[:2] in (["parkpilot", app] for app in APPS)
                ]
    assert offenders == []
    assert {"carbon", "bus", "portal", "points", "grid"} <= set(APPS)  # not vacuous


def test_every_handled_event_is_emitted_by_some_app():
    from parkpilot import events

    assert set(events.handled()) <= events.emitted()
    assert "services.request_confirmed" in events.emitted()


def test_emitting_an_undeclared_event_is_refused():
    from parkpilot import events

    with pytest.raises(ValueError, match="events_emitted"):
        events.emit("services.no_such_event")
