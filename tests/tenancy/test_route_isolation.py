"""Every API route is checked for tenant isolation. A new route without a case fails
`test_every_route_has_an_isolation_case`, so nobody can add an endpoint and forget.

Each app keeps its cases in tests/<app>/isolation.py as `CASES = {(METHOD, path): case}`, where
`case(api_as, personas, ent_a, ent_b)` asserts that ent_b's users and another park's admin
neither see nor change what belongs to ent_a (404, nothing changed)."""

import importlib.util
import re
from pathlib import Path

import pytest

from parkpilot.api import api
from parkpilot.tenancy.models import ApiToken, Enterprise

pytestmark = pytest.mark.django_db

PUBLIC = {("GET", "/api/v1/health")}


def _me(api_as, personas, ent_a, ent_b):
    body = api_as("ent_b_user").get("/api/v1/me").json()
    assert body["username"] == personas["ent_b_user"].username
    assert body["enterprise_id"] == ent_b.pk


def _zones(api_as, personas, ent_a, ent_b):
    names = [z["name"] for z in api_as("other_park_admin").get("/api/v1/zones").json()]
    assert ent_a.zone.name not in names


def _enterprise_list(api_as, personas, ent_a, ent_b):
    listed = [e["id"] for e in api_as("ent_b_user").get("/api/v1/enterprises").json()["items"]]
    assert listed == [ent_b.pk]
    other = api_as("other_park_admin").get("/api/v1/enterprises").json()["items"]
    assert ent_a.pk not in [e["id"] for e in other]


def _enterprise_create(api_as, personas, ent_a, ent_b):
    before = set(Enterprise.objects.filter(park=ent_a.park).values_list("pk", flat=True))
    payload = {"name": "越权公司", "credit_code": "914403001922038216"}
    assert api_as("ent_b_user").post("/api/v1/enterprises", payload).status_code == 403
    # Another park's admin can only create in its own park.
    assert api_as("other_park_admin").post("/api/v1/enterprises", payload).status_code == 201
    after = set(Enterprise.objects.filter(park=ent_a.park).values_list("pk", flat=True))
    assert after == before


def _enterprise_detail(api_as, personas, ent_a, ent_b):
    assert api_as("ent_b_user").get(f"/api/v1/enterprises/{ent_a.pk}").status_code == 404
    assert api_as("other_park_admin").get(f"/api/v1/enterprises/{ent_a.pk}").status_code == 404


def _enterprise_patch(api_as, personas, ent_a, ent_b):
    for persona in ("ent_b_user", "other_park_admin"):
        response = api_as(persona).patch(f"/api/v1/enterprises/{ent_a.pk}", {"employees": 9})
        assert response.status_code == 404
    ent_a.refresh_from_db()
    assert ent_a.employees is None


def _audit(api_as, personas, ent_a, ent_b):
    api_as("park_staff").patch(f"/api/v1/enterprises/{ent_a.pk}", {"employees": 10})
    mine = api_as("park_admin").get("/api/v1/audit?object_type=tenancy.enterprise").json()
    assert str(ent_a.pk) in [e["object_id"] for e in mine["items"]]  # the case is not vacuous
    other = api_as("other_park_admin").get("/api/v1/audit?object_type=tenancy.enterprise").json()
    assert str(ent_a.pk) not in [e["object_id"] for e in other["items"]]
    assert api_as("ent_a_admin").get("/api/v1/audit").status_code == 403


def _token_list(api_as, personas, ent_a, ent_b):
    a_user = api_as("ent_a_user")  # makes ent_a_user's token
    assert a_user.get("/api/v1/tokens").json()["count"] == 1
    for persona in ("ent_b_user", "other_park_admin"):
        listed = api_as(persona).get("/api/v1/tokens?everyone=true").json()["items"]
        assert "a-user" not in [t["username"] for t in listed]
    park = api_as("park_admin").get("/api/v1/tokens?everyone=true").json()["items"]
    assert "a-user" in [t["username"] for t in park]  # the park's admin manages it


def _token_create(api_as, personas, ent_a, ent_b):
    before = set(ApiToken.objects.filter(user=personas["ent_a_user"]).values_list("pk", flat=True))
    response = api_as("ent_b_user").post("/api/v1/tokens", {"name": "mine"})
    assert response.status_code == 201
    assert response.json()["username"] == "b-user"  # a token is always for oneself
    after = set(ApiToken.objects.filter(user=personas["ent_a_user"]).values_list("pk", flat=True))
    assert after == before


def _token_revoke(api_as, personas, ent_a, ent_b):
    api_as("ent_a_user")
    token = ApiToken.objects.get(user=personas["ent_a_user"])
    for persona in ("ent_b_user", "other_park_admin", "park_staff"):
        response = api_as(persona).post(f"/api/v1/tokens/{token.pk}/revoke", {})
        assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


TENANCY_CASES = {
    ("GET", "/api/v1/me"): _me,
    ("GET", "/api/v1/zones"): _zones,
    ("GET", "/api/v1/enterprises"): _enterprise_list,
    ("POST", "/api/v1/enterprises"): _enterprise_create,
    ("GET", "/api/v1/enterprises/{enterprise_id}"): _enterprise_detail,
    ("PATCH", "/api/v1/enterprises/{enterprise_id}"): _enterprise_patch,
    ("GET", "/api/v1/audit"): _audit,
    ("GET", "/api/v1/tokens"): _token_list,
    ("POST", "/api/v1/tokens"): _token_create,
    ("POST", "/api/v1/tokens/{token_id}/revoke"): _token_revoke,
}


def _app_cases() -> dict:
    cases = {}
    for path in sorted(Path(__file__).resolve().parents[1].glob("*/isolation.py")):
        spec = importlib.util.spec_from_file_location(f"isolation_{path.parent.name}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        overlap = set(cases) & set(module.CASES)
        assert not overlap, f"{path}: routes already covered elsewhere: {overlap}"
        cases |= module.CASES
    return cases


CASES = TENANCY_CASES | _app_cases()


def api_routes() -> set[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
    }


def test_every_route_has_an_isolation_case():
    missing = api_routes() - set(CASES) - PUBLIC
    assert not missing, f"API routes without a tenant-isolation case: {sorted(missing)}"
    stale = set(CASES) - api_routes()
    assert not stale, f"isolation cases for routes that no longer exist: {sorted(stale)}"


@pytest.mark.parametrize("route", sorted(CASES), ids=lambda r: f"{r[0]} {r[1]}")
def test_route_isolation(route, api_as, personas, ent_a, ent_b, ent_other_park):
    CASES[route](api_as, personas, ent_a, ent_b)


@pytest.mark.parametrize("route", sorted(CASES), ids=lambda r: f"{r[0]} {r[1]}")
def test_route_requires_authentication(route, anon_api, ent_a):
    method, path = route
    url = re.sub(r"\{[a-z_]+\}", str(ent_a.pk), path)
    response = anon_api.generic(method, url, data="{}", content_type="application/json")
    assert response.status_code == 401
