"""Fixed-price listings (挂牌协议): parts bought at the listed price, never more than listed,
even when many enterprises buy the last tonnes at once (real connections, threads, on SQLite
and PostgreSQL); the serials follow and both books agree."""

import threading

import pytest
from django.db import OperationalError, connections

from parkpilot.sinks import selectors, services
from parkpilot.sinks.models import Listing, Trade
from parkpilot.tenancy.errors import ValidationFailed
from parkpilot.tenancy.models import Enterprise, User
from parkpilot.tenancy.roles import Role


def _admins(park, count):
    firms = [
        Enterprise.objects.create(park=park, name=f"买方{i}", credit_code=f"BUY{i}")
        for i in range(count)
    ]
    return [
        User.objects.create(
            username=f"buyer-{i}", role=Role.ENTERPRISE_ADMIN, park=park, enterprise=f
        )
        for i, f in enumerate(firms)
    ]


@pytest.mark.django_db
def test_buying_parts_of_a_listing(registrar, project, personas):
    services.issue(
        actor=registrar,
        via="test",
        project=project,
        vintage=2025,
        quantity=50,
        verification="v",
        key="i",
    )
    listing = services.listing_open(
        actor=registrar, via="test", project=project, quantity=20, price="58.80"
    )
    buyer = personas["ent_a_admin"]
    services.listing_buy(actor=buyer, via="test", listing=listing, quantity=15, key="b1")
    services.listing_buy(actor=buyer, via="test", listing=listing, quantity=15, key="b1")  # again
    with pytest.raises(ValidationFailed) as exc:
        services.listing_buy(actor=buyer, via="test", listing=listing, quantity=6, key="b2")
    assert [(e.field, e.code) for e in exc.value.errors] == [("quantity", "not_enough_credits")]
    assert Listing.objects.get(pk=listing.pk).remaining == 5
    [trade] = Trade.objects.all()
    assert (trade.quantity, str(trade.price), str(trade.amount)) == (15, "58.80", "882.00")
    assert selectors.registry_violations(park_id=project.park_id) == []


@pytest.mark.django_db(transaction=True)
def test_twenty_buyers_at_once_never_get_more_than_listed(registrar, project, park):
    services.issue(
        actor=registrar,
        via="test",
        project=project,
        vintage=2025,
        quantity=100,
        verification="v",
        key="i",
    )
    listing = services.listing_open(
        actor=registrar, via="test", project=project, quantity=10, price="60.00"
    )
    buyers = _admins(park, 20)
    barrier, outcomes = threading.Barrier(20), [""] * 20

    def buy(i):
        barrier.wait()
        try:
            services.listing_buy(
                actor=buyers[i], via="test", listing=listing, quantity=1, key=f"k{i}"
            )
            outcomes[i] = "bought"
        except ValidationFailed as exc:
            outcomes[i] = exc.errors[0].code
        except OperationalError as exc:
            outcomes[i] = f"error: {exc}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=buy, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(outcomes).count("bought") == 10, outcomes
    assert set(outcomes) == {"bought", "not_enough_credits"}, outcomes
    assert Listing.objects.get(pk=listing.pk).remaining == 0
    assert selectors.registry_violations(park_id=project.park_id) == []
