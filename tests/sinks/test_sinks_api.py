"""The sinks API writes through the pages' services: their refusals come back as 422 naming
the field with the service's code; a key sent twice retires once; the statement reads as the
page's."""

import pytest

from helpers import isolation_module

market = isolation_module("sinks").market
pytestmark = pytest.mark.django_db

BASE = "/api/v1/sinks"


def _errors(response):
    assert response.status_code == 422, response.content
    return [(e["loc"][-1], e["type"]) for e in response.json()["detail"]]


def test_refusals_name_the_field(api_as, ent_a):
    _project, listing, auction = market(ent_a)
    admin = api_as("ent_a_admin")
    retire = admin.post(f"{BASE}/retire", {"quantity": 31, "year": 2025, "key": "k"})
    assert _errors(retire) == [("quantity", "not_enough_credits")]
    assert _errors(admin.post(f"{BASE}/retire", {"quantity": 1, "year": 1999, "key": "k"})) == [
        ("year", "out_of_range")
    ]
    bids = f"{BASE}/auctions/{auction.pk}/bids"
    assert _errors(admin.post(bids, {"price": "39.99", "lots": 1})) == [("price", "below_floor")]
    assert _errors(admin.post(bids, {"price": "40.001", "lots": 1})) == [("price", "tick")]
    assert _errors(admin.post(bids, {"price": "41", "lots": 0})) == [("lots", "out_of_range")]
    buy = admin.post(f"{BASE}/listings/{listing.pk}/buy", {"quantity": 21, "key": "b"})
    assert _errors(buy) == [("quantity", "not_enough_credits")]
    assert admin.get(f"{BASE}/holdings").json()["live_total"] == 30  # nothing moved


def test_a_key_sent_twice_retires_once_and_the_statement_shows_it(api_as, ent_a):
    market(ent_a)
    admin = api_as("ent_a_admin")
    payload = {"quantity": 4, "year": 2025, "key": "same"}
    first = admin.post(f"{BASE}/retire", payload).json()
    assert admin.post(f"{BASE}/retire", payload).json()["id"] == first["id"]
    held = admin.get(f"{BASE}/holdings").json()
    assert (held["live_total"], held["retired"]) == (26, {"2025": 4})
    lines = admin.get(f"{BASE}/statement").json()["lines"]
    assert [(x["what"], x["amount"], x["balance"]) for x in lines] == [
        ("抵消注销", -4, 26),
        ("转入", 30, 30),
    ]


def test_the_registry_and_a_bought_listing(api_as, ent_a):
    project, listing, _auction = market(ent_a)
    bought = api_as("ent_a_admin").post(
        f"{BASE}/listings/{listing.pk}/buy", {"quantity": 2, "key": "b"}
    )
    assert bought.json() == {
        "id": bought.json()["id"], "project_id": project.pk, "quantity": 2,
        "price": "50.00", "amount": "100.00",
    }  # fmt: skip
    registry = api_as("park_staff").get(f"{BASE}/registry").json()
    assert (registry["issued"], registry["traded"], registry["average_price"]) == (
        100, 2, "50.00",
    )  # fmt: skip
    assert registry["problems"] == []
