"""Error codes are enums: the shared tenancy.errors.Code and one `errors.ErrorCode` per app.
Every raise site names its code through them, one idea has one code across apps, and the
OpenAPI schema lists them all."""

import ast
import importlib
from pathlib import Path

import pytest
from django.apps import apps
from django.test import Client

from parkpilot.openapi import field_error_codes
from parkpilot.tenancy.errors import Code

SRC = Path(__file__).resolve().parent.parent / "src" / "parkpilot"
# The call and the position of its `code` argument.
RAISE_SITES = {"single": 2, "FieldError": 2, "CellError": 4}


def app_codes() -> dict[str, set[str]]:
    found = {}
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.errors")
        except ModuleNotFoundError:
            continue
        if hasattr(module, "ErrorCode"):
            found[config.label] = {str(c) for c in module.ErrorCode}
    return found


def literal_codes(source: str) -> list[tuple[int, str]]:
    """(line, code) of every raise site whose code is a bare string, not an enum member."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name not in RAISE_SITES:
            continue
        given = [k.value for k in node.keywords if k.arg == "code"]
        if not given and len(node.args) > RAISE_SITES[name]:
            given = [node.args[RAISE_SITES[name]]]
        out += [(node.lineno, g.value) for g in given if isinstance(g, ast.Constant)]
    return out


def test_no_raise_site_spells_its_code_as_a_string():
    offenders = [
        f"{path.relative_to(SRC)}:{line} {code!r}"
        for path in sorted(SRC.rglob("*.py"))
        for line, code in literal_codes(path.read_text())
    ]
    assert offenders == []


def test_the_scan_sees_a_literal_code():
    bad = 'raise ValidationFailed.single("status", "x", "state")\nFieldError("a", "b", code="c")'
    assert literal_codes(bad) == [(1, "state"), (2, "c")]
    assert literal_codes('FieldError("a", "b", Code.REQUIRED)') == []


def test_the_apps_named_in_issue_15_have_their_enum():
    assert {"carbon", "projects", "services", "energy", "economy", "tenancy"} <= set(app_codes())


def test_one_idea_one_code():
    """An app's own codes never restate a shared one, nor another app's."""
    shared = {str(c) for c in Code}
    seen: dict[str, str] = {}
    for app, codes in app_codes().items():
        assert not codes & shared, f"{app} restates shared codes {codes & shared}"
        for code in codes:
            assert seen.setdefault(code, app) == app, f"{code} in {seen[code]} and {app}"
    assert Code.INVALID_TRANSITION == "invalid_transition"


@pytest.fixture(scope="module")
def spec(django_db_blocker):
    with django_db_blocker.unblock():
        return Client().get("/api/openapi.json").json()


def test_the_openapi_schema_lists_every_code(spec):
    schemas = spec["components"]["schemas"]
    documented = set(schemas["FieldErrorOut"]["properties"]["code"]["enum"])
    expected = {str(c) for c in Code}.union(*app_codes().values())
    assert documented == expected == set(field_error_codes())
    assert {"not_found", "forbidden", "invalid", "unauthorized"} <= set(
        schemas["ErrorOut"]["properties"]["code"]["enum"]
    )
    post = spec["paths"]["/api/v1/projects"]["post"]["responses"]["4XX"]
    assert post["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
