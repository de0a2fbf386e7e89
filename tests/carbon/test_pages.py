"""Pages by role; the factor form refuses a bad unit naming the field and writes nothing."""

import pytest
from carbon_helpers import feed, ramp

from parkpilot.carbon.models import EmissionFactor

pytestmark = pytest.mark.django_db


def test_pages_by_role(client, personas, factors):
    client.force_login(personas["park_staff"])
    for url in ("/carbon/", "/carbon/reports/", "/carbon/factors/"):
        assert client.get(url).status_code == 200, url
    assert client.get("/carbon/mine/").status_code == 403
    client.force_login(personas["ent_a_user"])
    assert client.get("/carbon/").status_code == 403
    assert client.get("/carbon/factors/").status_code == 403
    assert client.get("/carbon/mine/").status_code == 200
    assert client.get("/carbon/reports/").status_code == 200
    client.force_login(personas["resident"])
    assert client.get("/carbon/reports/").status_code == 403


def test_park_page_query_count_is_pinned(
    client, personas, park, zone, ent_a, make_point, factors, django_assert_num_queries
):
    make_point("A-E1", owner=ent_a, zone=zone)
    feed(park, {"A-E1": ramp(100)}, day="2022-03-15")
    client.force_login(personas["park_staff"])
    with django_assert_num_queries(14):
        response = client.get("/carbon/?period=2022-03")
    assert response.status_code == 200
    assert "杭叉集团股份有限公司" in response.content.decode()


def test_factor_form_names_the_bad_field(client, personas, park):
    client.force_login(personas["park_staff"])
    response = client.post(
        "/carbon/factors/",
        {"carrier": "electricity", "quantity": "co2", "region": "national", "year": "2023",
         "value": "0.5", "unit": "kg/kWh", "document": "x", "effective_from": "2024-01-01"},
    )  # fmt: skip
    assert response.status_code == 200
    assert 'data-testid="error-unit"' in response.content.decode()
    assert not EmissionFactor.objects.exists()
