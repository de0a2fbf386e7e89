"""The sink registry's API routes (tests/tenancy/test_route_isolation.py): ent_b's users and
another park's admin neither see nor change ent_a's credits, and the park's registry is the
park's (each case also shows the owner can, so it is not vacuous)."""

from parkpilot.sinks import services
from parkpilot.sinks.demo import PARAMETERS
from parkpilot.sinks.models import Bid, Block, BlockState, Methodology, Project, Trade
from parkpilot.tenancy.actors import system_actor

BASE = "/api/v1/sinks"


def market(ent_a):
    """A project of ent_a's park: 100 t issued, 30 t of them ent_a's, 20 t listed at ¥50.00
    and 20 t in an open auction with a floor of ¥40.00."""
    park = ent_a.park
    registrar = system_actor(park, "sinks.test")
    methodology = Methodology.objects.create(park=park, code="M", name="M", document="M",
                                             parameters=PARAMETERS)  # fmt: skip
    project = Project.objects.create(park=park, code="P", name="甲项目", methodology=methodology,
                                     seller="S")  # fmt: skip
    services.issue(actor=registrar, via="test", project=project, vintage=2025, quantity=100,
                   verification="v", key="i")  # fmt: skip
    services.transfer(actor=registrar, via="test", park=park, source=f"project:{project.pk}",
                      to=ent_a, quantity=30, key="t")  # fmt: skip
    listing = services.listing_open(actor=registrar, via="test", project=project, quantity=20,
                                    price="50.00")  # fmt: skip
    auction = services.auction_open(actor=registrar, via="test", project=project, quantity=20,
                                    floor_price="40.00")  # fmt: skip
    return project, listing, auction


def _live(ent):
    blocks = Block.objects.filter(holder_enterprise=ent, state=BlockState.LIVE)
    return sum(b.size for b in blocks)


def _registry(api_as, personas, ent_a, ent_b):
    market(ent_a)
    assert api_as("park_staff").get(f"{BASE}/registry").json()["issued"] == 100
    assert api_as("other_park_admin").get(f"{BASE}/registry").json()["issued"] == 0
    assert api_as("ent_b_user").get(f"{BASE}/registry").status_code == 403


def _projects(api_as, personas, ent_a, ent_b):
    project, _l, _a = market(ent_a)
    assert [p["id"] for p in api_as("ent_b_user").get(f"{BASE}/projects").json()] == [project.pk]
    assert api_as("other_park_admin").get(f"{BASE}/projects").json() == []


def _project(api_as, personas, ent_a, ent_b):
    project, listing, auction = market(ent_a)
    mine = api_as("ent_a_user").get(f"{BASE}/projects/{project.pk}").json()
    assert ([x["id"] for x in mine["listings"]], [x["id"] for x in mine["auctions"]]) == (
        [listing.pk], [auction.pk],
    )  # fmt: skip
    assert api_as("other_park_admin").get(f"{BASE}/projects/{project.pk}").status_code == 404


def _holdings(api_as, personas, ent_a, ent_b):
    market(ent_a)
    assert api_as("ent_a_user").get(f"{BASE}/holdings").json()["live_total"] == 30
    assert api_as("ent_b_user").get(f"{BASE}/holdings").json()["live_total"] == 0
    assert api_as("other_park_admin").get(f"{BASE}/holdings").status_code == 404


def _statement(api_as, personas, ent_a, ent_b):
    market(ent_a)
    mine = api_as("ent_a_user").get(f"{BASE}/statement").json()
    assert [(b["first"], b["last"]) for b in mine["blocks"]] == [(1, 30)]
    theirs = api_as("ent_b_user").get(f"{BASE}/statement").json()
    assert theirs == {"lines": [], "blocks": []}
    assert api_as("other_park_admin").get(f"{BASE}/statement").status_code == 404


def _retire(api_as, personas, ent_a, ent_b):
    market(ent_a)
    payload = {"quantity": 5, "year": 2025, "key": "k1"}
    assert api_as("ent_b_user").post(f"{BASE}/retire", payload).status_code == 403
    assert api_as("other_park_admin").post(f"{BASE}/retire", payload).status_code == 404
    assert _live(ent_a) == 30
    assert api_as("ent_a_admin").post(f"{BASE}/retire", payload).status_code == 201
    assert _live(ent_a) == 25


def _buy(api_as, personas, ent_a, ent_b):
    _p, listing, _a = market(ent_a)
    url, payload = f"{BASE}/listings/{listing.pk}/buy", {"quantity": 2, "key": "b1"}
    assert api_as("other_park_admin").post(url, payload).status_code == 404
    assert api_as("ent_b_user").post(url, payload).status_code == 403
    assert not Trade.objects.exists()
    assert api_as("ent_a_admin").post(url, payload).status_code == 201
    assert _live(ent_a) == 32


def _bid(api_as, personas, ent_a, ent_b):
    _p, _l, auction = market(ent_a)
    url, payload = f"{BASE}/auctions/{auction.pk}/bids", {"price": "41.00", "lots": 3}
    assert api_as("other_park_admin").post(url, payload).status_code == 404
    assert api_as("ent_b_user").post(url, payload).status_code == 403
    assert not Bid.objects.exists()
    assert api_as("ent_a_admin").post(url, payload).status_code == 201


CASES = {
    ("GET", f"{BASE}/registry"): _registry,
    ("GET", f"{BASE}/projects"): _projects,
    ("GET", f"{BASE}/projects/{{project_id}}"): _project,
    ("GET", f"{BASE}/holdings"): _holdings,
    ("GET", f"{BASE}/statement"): _statement,
    ("POST", f"{BASE}/retire"): _retire,
    ("POST", f"{BASE}/listings/{{listing_id}}/buy"): _buy,
    ("POST", f"{BASE}/auctions/{{auction_id}}/bids"): _bid,
}
