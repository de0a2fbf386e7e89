"""One-sided auctions: clearing against a hand-worked example, settlement of the serials, the
order log replayed to the same fills, and proceeds shared to the fen."""

from decimal import Decimal

import pytest

from parkpilot.sinks import auction, selectors, services
from parkpilot.sinks.models import Block, BlockState, Plot, Trade
from parkpilot.tenancy.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def test_clearing_a_hand_worked_example():
    """100 t offered, floor ¥40.00. Bids in log order:
    #1 A 30 t @ 45.00, #2 B 50 t @ 52.10, #3 C 40 t @ 45.00, #4 D 20 t @ 39.99 (under the floor).
    By price then log order: B 50 @ 52.10 (50 left), A 30 @ 45.00 (20 left, #1 before #3),
    C 20 of its 40 @ 45.00 (the marginal bid fills partly), D nothing. Each pays its own bid."""
    orders = [
        auction.Order(1, 1, Decimal("45.00"), 30),
        auction.Order(2, 2, Decimal("52.10"), 50),
        auction.Order(3, 3, Decimal("45.00"), 40),
        auction.Order(4, 4, Decimal("39.99"), 20),
    ]
    fills = auction.clear(quantity=100, floor=Decimal("40.00"), orders=orders)
    assert [(f.order_id, f.quantity, f.price) for f in fills] == [
        (2, 50, Decimal("52.10")),
        (1, 30, Decimal("45.00")),
        (3, 20, Decimal("45.00")),
    ]
    assert (
        auction.clear(quantity=100, floor=Decimal("40.00"), orders=list(reversed(orders))) == fills
    )


def test_an_auction_settles_serials_and_replays_to_the_same_fills(
    registrar, project, ent_a, ent_b, personas
):
    services.issue(actor=registrar, via="test", project=project, vintage=2025, quantity=100,
                   verification="v", key="i")  # fmt: skip
    sale = services.auction_open(actor=registrar, via="test", project=project, quantity=60,
                                 floor_price="40")  # fmt: skip
    a, b = (
        personas["ent_a_admin"],
        personas["ent_a_admin"].__class__.objects.create(
            username="b-admin", role="enterprise_admin", park=ent_b.park, enterprise=ent_b
        ),
    )
    services.bid_place(actor=a, via="test", auction=sale, price="45.00", lots=40)
    services.bid_place(actor=b, via="test", auction=sale, price="50.01", lots=30)
    for price, code in (("39.99", "below_floor"), ("45.001", "tick"), ("abc", "not_a_number")):
        with pytest.raises(ValidationFailed) as exc:
            services.bid_place(actor=a, via="test", auction=sale, price=price, lots=1)
        assert exc.value.errors[0].code == code
    trades = services.auction_clear(actor=registrar, via="test", auction=sale)
    # B 30 @ 50.01 first, then A 30 of its 40 @ 45.00: serials 1-30 to B, 31-60 to A.
    assert [(t.buyer_id, t.quantity, t.price) for t in trades] == [
        (ent_b.pk, 30, Decimal("50.01")),
        (ent_a.pk, 30, Decimal("45.00")),
    ]
    held = Block.objects.filter(state=BlockState.LIVE).order_by("first")
    assert list(held.values_list("first", "last", "holder_enterprise_id")) == [
        (1, 30, ent_b.pk), (31, 60, ent_a.pk), (61, 100, None),
    ]  # fmt: skip
    replay = auction.clear(quantity=60, floor=sale.floor_price, orders=services.orders_of(sale))
    assert [(f.order_id, f.quantity, f.price) for f in replay] == list(
        Trade.objects.order_by("id").values_list("bid_id", "quantity", "price")
    )
    assert selectors.registry_violations(park_id=project.park_id) == []
    with pytest.raises(ValidationFailed):  # cleared once
        services.auction_clear(actor=registrar, via="test", auction=sale)


def test_proceeds_are_shared_to_the_fen(registrar, project, ent_a, personas):
    """Sales of ¥100.00 shared 1/3 each: ¥33.33 each and the fen left over to the first of the
    equal remainders, so the parts sum to ¥100.00 exactly."""
    third = Decimal("0.333333")
    for name in ("甲", "乙", "丙"):
        Plot.objects.create(project=project, area_ha=1, species="杉木", owner_name=name,
                            owner_kind="household", share=third)  # fmt: skip
    services.issue(actor=registrar, via="test", project=project, vintage=2025, quantity=4,
                   verification="v", key="i")  # fmt: skip
    sale = services.auction_open(actor=registrar, via="test", project=project, quantity=4,
                                 floor_price="25.00")  # fmt: skip
    services.bid_place(
        actor=personas["ent_a_admin"], via="test", auction=sale, price="25.00", lots=4
    )
    services.auction_clear(actor=registrar, via="test", auction=sale)
    parts = selectors.proceeds(user=personas["park_staff"], project=project)
    amounts = [r["amount"] for r in parts]
    assert sum(amounts) == Decimal("100.00")
    assert sorted(amounts) == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]


def test_expected_removals_by_the_methodology(project):
    """杉木, 10 ha (demo parameters, sinks/demo.py): ΔV 9.0 m³/ha/a × D 0.307 t/m³ × BEF 1.634
    × (1 + R 0.246) × CF 0.47 (IPCC 2006) × 44/12: 9.0 × 0.307 = 2.763; × 1.634 = 4.5147;
    × 1.246 = 5.6254; × 0.47 = 2.6439; × 44/12 = 9.6944 tCO2e/ha/a; × 10 ha = 96.9."""
    plot = Plot.objects.create(project=project, area_ha=Decimal("10.00"), species="杉木",
                               owner_name="甲", owner_kind="household", share=1)  # fmt: skip
    assert selectors.expected_removals(plot) == Decimal("96.9")


def test_the_cockpit_tile_averages_by_volume(registrar, project, ent_a, ent_b, personas):
    """Two fills: 30 t @ ¥50.01 and 30 t @ ¥45.00: (1,500.30 + 1,350.00) / 60 = ¥47.505, shown
    to the fen half up as money is: ¥47.51 (Python's round would give 47.50)."""
    from parkpilot.sinks import tiles

    services.issue(actor=registrar, via="test", project=project, vintage=2025, quantity=60,
                   verification="v", key="i")  # fmt: skip
    sale = services.auction_open(actor=registrar, via="test", project=project, quantity=60,
                                 floor_price="40")  # fmt: skip
    b = personas["ent_a_admin"].__class__.objects.create(
        username="b-admin", role="enterprise_admin", park=ent_b.park, enterprise=ent_b
    )
    services.bid_place(
        actor=personas["ent_a_admin"], via="test", auction=sale, price="45.00", lots=30
    )
    services.bid_place(actor=b, via="test", auction=sale, price="50.01", lots=30)
    services.auction_clear(actor=registrar, via="test", auction=sale)
    services.retire(actor=b, via="test", enterprise=ent_b, quantity=10, year=2025, key="r")
    tile = tiles.market(personas["park_staff"], project.park)
    assert tile.value == 10
    assert "已签发 60 吨 · 已成交 60 吨" in tile.caption
    assert "成交均价 47.51 元/吨" in tile.caption
