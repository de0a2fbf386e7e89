"""The enterprises API: rules, scoping, validation, authentication."""

import pytest
from django.test import Client

from parkpilot.tenancy.credit_code import make_demo_credit_code
from parkpilot.tenancy.models import AuditLog, Enterprise

pytestmark = pytest.mark.django_db

# 华为技术有限公司's published code; check character worked out in test_credit_code.py.
VALID_CODE = "914403001922038216"


def _names(response):
    return sorted(item["name"] for item in response.json()["items"])


def test_anonymous_call_is_401(anon_api):
    assert anon_api.get("/api/v1/enterprises").status_code == 401
    assert anon_api.get("/api/v1/enterprises/1").status_code == 401


def test_bad_token_is_401(personas):
    client = Client(HTTP_AUTHORIZATION="Bearer pp_not-a-real-token")
    assert client.get("/api/v1/enterprises").status_code == 401


def test_park_staff_list_their_park_only(api_as, ent_a, ent_b, ent_other_park):
    response = api_as("park_staff").get("/api/v1/enterprises")
    assert response.status_code == 200
    assert _names(response) == sorted([ent_a.name, ent_b.name])
    assert response.json()["count"] == 2


def test_enterprise_user_lists_only_its_own(api_as, ent_a):
    assert _names(api_as("ent_a_user").get("/api/v1/enterprises")) == [ent_a.name]


def test_resident_and_gateway_list_nothing(api_as):
    assert api_as("resident").get("/api/v1/enterprises").json()["count"] == 0
    assert api_as("gateway").get("/api/v1/enterprises").json()["count"] == 0


def test_another_enterprise_is_404_like_a_missing_one(api_as, ent_b):
    client = api_as("ent_a_user")
    foreign = client.get(f"/api/v1/enterprises/{ent_b.pk}")
    missing = client.get("/api/v1/enterprises/999999")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()


def test_other_park_admin_gets_404(api_as, ent_a):
    assert api_as("other_park_admin").get(f"/api/v1/enterprises/{ent_a.pk}").status_code == 404


def test_detail_shows_fields(api_as, ent_a, zone):
    body = api_as("ent_a_user").get(f"/api/v1/enterprises/{ent_a.pk}").json()
    assert body["credit_code"] == make_demo_credit_code("杭叉集团股份有限公司")
    assert body["zone_id"] == zone.pk
    assert body["zone_name"] == zone.name
    assert body["industry_code"] == "C34"


def test_staff_create_enterprise(api_as, park, zone):
    payload = {
        "name": "测试科技有限公司",
        "credit_code": " 9144 0300 1922 0382 16 ",
        "industry_code": "c 39",
        "zone_id": zone.pk,
        "above_scale": True,
    }
    response = api_as("park_staff").post("/api/v1/enterprises", payload)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["credit_code"] == VALID_CODE
    assert body["industry_code"] == "C39"
    assert Enterprise.objects.get(pk=body["id"]).park == park


def test_bad_credit_code_is_422_naming_the_field_and_nothing_is_written(api_as):
    before = Enterprise.objects.count()
    payload = {"name": "校验码错误有限公司", "credit_code": "914403001922038217"}
    response = api_as("park_staff").post("/api/v1/enterprises", payload)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "credit_code"]
    assert error["type"] == "checksum"
    assert "6" in error["msg"]  # names the check character it should have been
    assert Enterprise.objects.count() == before
    assert not AuditLog.objects.filter(action="enterprise.create").exists()


def test_every_bad_field_is_reported_at_once(api_as, other_park):
    foreign_zone = other_park.zones.create(code="z", name="别处")
    payload = {"name": " ", "credit_code": "12", "industry_code": "A34", "zone_id": foreign_zone.pk}
    response = api_as("park_staff").post("/api/v1/enterprises", payload)
    assert response.status_code == 422
    fields = sorted(e["loc"][-1] for e in response.json()["detail"])
    assert fields == ["credit_code", "industry_code", "name", "zone_id"]


def test_duplicate_credit_code_is_422(api_as, ent_a):
    payload = {"name": "另一家公司", "credit_code": ent_a.credit_code}
    response = api_as("park_staff").post("/api/v1/enterprises", payload)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "credit_code"]
    assert response.json()["detail"][0]["type"] == "taken"


def test_enterprise_roles_cannot_create(api_as):
    before = Enterprise.objects.count()
    payload = {"name": "越权有限公司", "credit_code": VALID_CODE}
    for persona in ("ent_a_admin", "ent_a_user", "supervisor", "resident", "gateway"):
        assert api_as(persona).post("/api/v1/enterprises", payload).status_code == 403, persona
    assert Enterprise.objects.count() == before


def test_enterprise_admin_patches_own_profile(api_as, ent_a):
    response = api_as("ent_a_admin").patch(f"/api/v1/enterprises/{ent_a.pk}", {"employees": 1800})
    assert response.status_code == 200
    assert response.json()["employees"] == 1800
    ent_a.refresh_from_db()
    assert ent_a.employees == 1800


def test_enterprise_admin_cannot_change_registry_fields(api_as, ent_a):
    response = api_as("ent_a_admin").patch(
        f"/api/v1/enterprises/{ent_a.pk}", {"name": "改名", "employees": 5}
    )
    assert response.status_code == 403
    assert "name" in response.json()["detail"]
    ent_a.refresh_from_db()
    assert (ent_a.name, ent_a.employees) == ("杭叉集团股份有限公司", None)


def test_patch_of_another_enterprise_is_404_and_changes_nothing(api_as, ent_b):
    response = api_as("ent_a_admin").patch(f"/api/v1/enterprises/{ent_b.pk}", {"employees": 1})
    assert response.status_code == 404
    ent_b.refresh_from_db()
    assert ent_b.employees is None


def test_supervisor_reads_but_cannot_patch(api_as, ent_a):
    client = api_as("supervisor")
    assert client.get(f"/api/v1/enterprises/{ent_a.pk}").status_code == 200
    assert client.patch(f"/api/v1/enterprises/{ent_a.pk}", {"employees": 1}).status_code == 403


def test_patch_bad_credit_code_is_422_and_changes_nothing(api_as, ent_a):
    old = ent_a.credit_code
    response = api_as("park_admin").patch(
        f"/api/v1/enterprises/{ent_a.pk}", {"credit_code": "91330112ABCDEFGHIO"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "credit_code"]
    ent_a.refresh_from_db()
    assert ent_a.credit_code == old


def test_schema_type_errors_name_the_field(api_as, ent_a):
    response = api_as("park_admin").patch(f"/api/v1/enterprises/{ent_a.pk}", {"employees": "many"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "employees"


def test_session_api_requires_csrf(personas, ent_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas["park_staff"])
    assert client.get("/api/v1/enterprises").status_code == 200
    url = f"/api/v1/enterprises/{ent_a.pk}"
    no_token = client.patch(url, {"employees": 3}, content_type="application/json")
    assert no_token.status_code == 403
    client.get("/")  # the page sets the CSRF cookie, as in the browser
    token = client.cookies["csrftoken"].value
    with_token = client.patch(
        url, {"employees": 3}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert with_token.status_code == 200


def test_health(anon_api, settings):
    body = anon_api.get("/api/v1/health").json()
    expected = "postgresql" if "postgresql" in settings.DATABASES["default"]["ENGINE"] else "sqlite"
    assert body["status"] == "ok"
    assert body["database"] == expected
    assert body["version"]


def test_openapi_schema_and_docs(anon_api):
    schema = anon_api.get("/api/openapi.json").json()
    assert "/api/v1/enterprises" in schema["paths"]
    docs = anon_api.get("/api/docs")
    assert docs.status_code == 200
    # Served from the installed package, not a CDN: the docs work on a closed network.
    assert b"cdn.jsdelivr.net" not in docs.content
    assert anon_api.get("/static/ninja/swagger-ui-bundle.js").status_code == 200


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"above_scale": None}, "above_scale"),
        ({"employees": 2**31}, "employees"),
        ({"floor_area_m2": 10**12}, "floor_area_m2"),
    ],
)
def test_values_the_columns_cannot_hold_are_refused_by_name(api_as, ent_a, change, field):
    """Once answered 500 (NOT NULL / integer overflow); now 422 naming the field."""
    response = api_as("park_staff").patch(f"/api/v1/enterprises/{ent_a.pk}", change)
    assert response.status_code == 422
    assert field in [d["loc"][-1] for d in response.json()["detail"]]
    ent_a.refresh_from_db()
    assert (ent_a.above_scale, ent_a.employees, ent_a.floor_area_m2) == (False, None, None)


def test_an_empty_short_name_or_industry_may_be_sent_as_null(api_as, ent_a):
    response = api_as("park_staff").patch(
        f"/api/v1/enterprises/{ent_a.pk}", {"short_name": None, "industry_code": None}
    )
    assert response.status_code == 200
    ent_a.refresh_from_db()
    assert (ent_a.short_name, ent_a.industry_code) == ("", "")
