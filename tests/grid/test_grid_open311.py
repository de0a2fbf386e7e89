"""Open311 GeoReport v2: each conformance check of open311_checks.py (written from the spec) as
a test, anonymous like any Open311 client; POST with the spec's api_key."""

import pytest
from django.test import Client

from tests.grid import open311_checks
from tests.grid.test_grid_reports import IN_A1

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx(park, layout, worker, personas, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return open311_checks.prepare(
        park=park,
        reporter=personas["resident"],
        staff=personas["park_staff"],
        lon=IN_A1[0],
        lat=IN_A1[1],
    )


@pytest.mark.parametrize("check", open311_checks.CHECKS, ids=lambda c: c.__name__)
def test_open311_conformance(check, ctx):
    check(Client(), ctx)


def test_another_park_s_key_cannot_post_here(ctx, park, personas):
    from parkpilot.grid.models import Case
    from parkpilot.tenancy.services import api_token_create

    key = api_token_create(actor=None, via="test", user=personas["other_park_admin"], name="x")
    before = Case.objects.count()
    answer = Client().post(
        f"{ctx['base']}/requests.json",
        {
            "api_key": key,
            "service_code": "01.01",
            "lat": str(IN_A1[1]),
            "long": str(IN_A1[0]),
            "description": "越权",
        },
    )
    assert answer.status_code == 403 and Case.objects.count() == before
