"""Generated input over every API operation, sent as each role with a real token: nothing answers
5xx (schemathesis draws requests from the OpenAPI schema; a small budget here, a bigger one in
benchmarks/bench_api_fuzz.py)."""

import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from parkpilot.tenancy.services import api_token_create

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("PARKPILOT_FUZZ_EXAMPLES", "4"))
ROLES = ("park_admin", "ent_a_admin", "resident", "gateway")

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", WSGIHandler())


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Requests go straight to the WSGI handler, which would close the test's database
    connection after each one; the test client keeps it open the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(personas, ent_a, ent_b, ent_other_park):
    return {role: api_token_create(actor=None, via="fuzz", user=personas[role]) for role in ROLES}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same requests every run: a failure here is reproducible
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_request_answers_5xx(case, tokens):
    for role, secret in tokens.items():
        response = case.call(headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code < 500, (
            f"{case.method} {case.formatted_path} as {role}: {response.status_code}\n"
            f"{case.as_curl_command()}\n{response.text[:500]}"
        )


def test_every_api_list_uses_the_bounded_pagination():
    """ninja's own LimitOffsetPagination takes any offset: 2**63 once answered 500."""
    from pathlib import Path

    import parkpilot

    root = Path(parkpilot.__file__).parent
    unbounded = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if "from ninja.pagination import LimitOffsetPagination" in p.read_text()
        and p.name != "pagination.py"
    ]
    assert unbounded == []


def test_huge_limits_and_offsets_are_bad_input(api_as):
    for query in ("limit=9223372036854775808", "offset=9223372036854775808", "limit=0"):
        response = api_as("park_admin").get(f"/api/v1/enterprises?{query}")
        assert response.status_code == 422, query
        assert response.json()["detail"][0]["loc"][-1] in ("limit", "offset")
