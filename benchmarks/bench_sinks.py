"""The forest sink registry and its auctions (issue: carbon trading and forestry sinks).

Figures:
- registry_property_violations: random issue / transfer / retire / cancel events (100,000 by
  default, PARKPILOT_BENCH_SINKS_EVENTS) through the services, the registry checked
  (selectors.registry_violations: serial tiling, live + retired + cancelled = issued, ledger =
  blocks) every 1,000 events and at the end; goal 0.
- auction_clear_s: clearing and settling one auction of 10,000 bids from 200 enterprises
  (every fill a registry event, a trade and a ledger entry, in one transaction); goal < 2 s.
  Baseline, same run: the pure clearing of the same order log (auction.clear), so the ratio is
  what settlement adds.
- auction_replay_identical: the order log cleared again gives exactly the stored trades."""

import os
import random
import time
from decimal import Decimal

from benchmarks.harness import on_a_test_database, write_result

EVENTS = int(os.environ.get("PARKPILOT_BENCH_SINKS_EVENTS", "100000"))
BIDS = 10_000
BIDDERS = 200


def run(database_url: str | None = None) -> dict:
    return on_a_test_database(database_url, _measure, private="sinks")


def _world(tag: str, enterprises: int):
    from parkpilot.sinks.demo import PARAMETERS
    from parkpilot.sinks.models import Methodology, Project
    from parkpilot.tenancy.actors import system_actor
    from parkpilot.tenancy.models import Enterprise, Park, User
    from parkpilot.tenancy.roles import Role

    park = Park.objects.create(code=tag, name=tag)
    methodology = Methodology.objects.create(
        park=park, code="M", name="M", document="M", parameters=PARAMETERS
    )
    project = Project.objects.create(
        park=park, code="P", name="P", methodology=methodology, seller="S"
    )
    firms = Enterprise.objects.bulk_create(
        Enterprise(park=park, name=f"{tag}-{i}", credit_code=f"{tag}{i}")
        for i in range(enterprises)
    )
    admins = User.objects.bulk_create(
        User(username=f"{tag}-admin-{e.pk}", role=Role.ENTERPRISE_ADMIN, park=park, enterprise=e)
        for e in firms
    )
    return system_actor(park, "bench"), project, firms, admins


def _registry(rng) -> tuple[int, float, int]:
    """Random events; returns (violations seen, seconds, events refused for want of credits)."""
    from parkpilot.sinks import selectors, services
    from parkpilot.tenancy.errors import ValidationFailed

    registrar, project, firms, admins = _world("reg", 3)
    park = project.park
    holders = [services.project_holder(project)] + [services.enterprise_holder(f) for f in firms]
    violations, refused = 0, 0
    started = time.perf_counter()
    for n in range(EVENTS):
        op, tonnes = (
            rng.choice(("issue", "transfer", "transfer", "retire", "cancel")),
            rng.randint(1, 80),
        )
        who = rng.randrange(len(holders))
        try:
            if op == "issue":
                services.issue(
                    actor=registrar,
                    via="bench",
                    project=project,
                    vintage=2025,
                    quantity=tonnes * 5,
                    verification="v",
                    key=str(n),
                )
            elif op == "transfer":
                services.transfer(
                    actor=registrar,
                    via="bench",
                    park=park,
                    source=holders[who],
                    to=rng.choice(firms),
                    quantity=tonnes,
                    key=str(n),
                )
            elif op == "retire":
                i = rng.randrange(len(firms))
                services.retire(
                    actor=admins[i],
                    via="bench",
                    enterprise=firms[i],
                    quantity=tonnes,
                    year=2025,
                    key=str(n),
                )
            else:
                services.cancel(
                    actor=registrar,
                    via="bench",
                    park=park,
                    holder=holders[who],
                    quantity=tonnes,
                    reason="复核",
                    key=str(n),
                )
        except ValidationFailed:
            refused += 1
        if n % 1000 == 999 or n == EVENTS - 1:
            violations += len(selectors.registry_violations(park_id=park.pk))
    return violations, time.perf_counter() - started, refused


def _auction(rng) -> tuple[float, float, bool, int]:
    from parkpilot.sinks import auction as clearing
    from parkpilot.sinks import services
    from parkpilot.sinks.models import Bid, Trade

    registrar, project, firms, _admins = _world("auc", BIDDERS)
    offered = BIDS * 5  # about half the bids fill: lots average 10.5
    services.issue(
        actor=registrar,
        via="bench",
        project=project,
        vintage=2025,
        quantity=offered,
        verification="v",
        key="issue",
    )
    sale = services.auction_open(
        actor=registrar, via="bench", project=project, quantity=offered, floor_price="40.00"
    )
    Bid.objects.bulk_create(
        Bid(
            auction=sale,
            enterprise=rng.choice(firms),
            lots=rng.randint(1, 20),
            price=Decimal(rng.randint(3800, 9000)) / 100,
        )
        for _ in range(BIDS)
    )
    orders = services.orders_of(sale)
    started = time.perf_counter()
    fills = clearing.clear(quantity=sale.quantity, floor=sale.floor_price, orders=orders)
    pure = time.perf_counter() - started
    started = time.perf_counter()
    services.auction_clear(actor=registrar, via="bench", auction=sale)
    settled = time.perf_counter() - started
    stored = list(
        Trade.objects.filter(auction=sale).order_by("id").values_list("bid_id", "quantity", "price")
    )
    replay = clearing.clear(
        quantity=sale.quantity, floor=sale.floor_price, orders=services.orders_of(sale)
    )
    identical = stored == [(f.order_id, f.quantity, f.price) for f in replay] and len(
        replay
    ) == len(fills)
    return settled, pure, identical, len(fills)


def _measure(connection) -> dict:
    rng = random.Random(20261202)
    violations, registry_s, refused = _registry(rng)
    settled, pure, identical, fills = _auction(rng)
    metrics = {
        "registry_property_violations": violations,
        "registry_events": EVENTS,
        "registry_events_per_s": round(EVENTS / registry_s, 1),
        "auction_clear_s": round(settled, 3),
        "auction_clear_ratio_to_pure_clearing": round(settled / pure, 1),
        "auction_replay_identical": identical,
        "auction_fills": fills,
    }
    name = f"sinks_{connection.vendor}"
    path = write_result(
        name,
        metrics=metrics,
        baseline={
            "pure_clearing_s": round(pure, 4),
            "refused_events": refused,
            "database": connection.vendor,
        },
        notes=(
            f"{EVENTS} random registry events over one project and three enterprises, checked "
            f"every 1,000; one auction of {BIDS} bids from {BIDDERS} enterprises, settled in one "
            "transaction"
        ),
    )
    print(f"{name}: {metrics} -> {path}")
    return metrics
