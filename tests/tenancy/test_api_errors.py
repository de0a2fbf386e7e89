"""The API's errors say what is wrong: 401 for missing or bad credentials on every method (also
with CSRF enforced, as a real client meets it), 413 with a JSON reason for an oversized body."""

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db


ROUTES = [
    ("GET", "/api/v1/enterprises/{id}"),
    ("PATCH", "/api/v1/enterprises/{id}"),
    ("POST", "/api/v1/enterprises"),
    ("POST", "/api/v1/energy/readings"),
    ("POST", "/api/v1/tokens/{id}/revoke"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize("authorization", [None, "Bearer pp_not-a-token", "Basic eDp5"])
def test_missing_or_bad_credentials_answer_401(method, path, authorization, personas, ent_a):
    client = Client(enforce_csrf_checks=True)
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    url = path.replace("{id}", str(ent_a.pk))
    response = client.generic(method, url, "{}", content_type="application/json", **headers)
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized", "code": "unauthorized"}


def test_a_signed_in_page_without_the_csrf_token_is_still_refused(personas, ent_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas["park_staff"])
    response = client.patch(
        f"/api/v1/enterprises/{ent_a.pk}", {"employees": 3}, content_type="application/json"
    )
    assert response.status_code == 403  # a session is there to forge: CSRF applies
    ent_a.refresh_from_db()
    assert ent_a.employees is None


def test_an_oversized_body_gets_a_json_413_with_the_limit(api_as):
    """Any operation; the readings door names its own limit instead (422 on `payload`, with
    the readings per request: tests/energy/test_bad_input.py)."""
    body = {"name": "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE, "credit_code": "x"}
    response = api_as("park_admin").post("/api/v1/enterprises", body)
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert "2.5 MB" in response.json()["detail"]


def test_every_api_error_carries_a_stable_code(api_as, anon_api, ent_a):
    """One error format: `detail` for people, `code` for programs (issue 16)."""
    outsider = api_as("other_park_admin")
    answers = {
        "unauthorized": anon_api.get("/api/v1/enterprises"),
        "not_found": outsider.get(f"/api/v1/enterprises/{ent_a.pk}"),
        "forbidden": api_as("ent_b_user").post(
            "/api/v1/enterprises", {"name": "越权公司", "credit_code": "914403001922038216"}
        ),
        "invalid": outsider.get("/api/v1/enterprises?limit=abc"),
    }
    for code, response in answers.items():
        assert response.status_code >= 400
        assert response.json()["code"] == code, (code, response.status_code, response.json())
