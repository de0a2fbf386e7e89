"""Concurrent orders in real connections (threads) on SQLite and PostgreSQL: the last items are
never sold twice, one member's balance is never overdrawn, and nothing fails with "locked"."""

import threading

import pytest
from django.db import OperationalError, connections

from parkpilot.ledger import selectors as ledger
from parkpilot.points import services
from parkpilot.points.models import EarningRule, Good, Redemption
from parkpilot.tenancy.errors import ValidationFailed

pytestmark = pytest.mark.django_db(transaction=True)


def _at_once(count, work) -> list[str]:
    barrier = threading.Barrier(count)
    outcomes = [""] * count

    def run(i):
        barrier.wait()
        try:
            work(i)
            outcomes[i] = "reserved"
        except ValidationFailed as exc:
            outcomes[i] = exc.errors[0].code
        except OperationalError as exc:
            outcomes[i] = f"error: {exc}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return outcomes


def _funded_members(park, count, points):
    rule = EarningRule.objects.create(park=park, kind="volunteering", name="志愿", points=points)
    members = []
    for i in range(count):
        member = services.member_enrol(
            via="ui", actor=None, park=park, kind="employee", name=f"员工{i}"
        )
        services.award(via="ui", actor=None, member=member, rule=rule, source="seed")
        members.append(member)
    return members


def test_a_hundred_orders_for_the_last_ten_items_sell_exactly_ten(park, personas):
    members = _funded_members(park, 100, 100)
    good = services.good_create(
        via="ui", actor=personas["park_staff"], park=park, name="雨伞", price=50, stock=10
    )
    outcomes = _at_once(
        100,
        lambda i: services.redemption_reserve(via="ui", actor=None, member=members[i], good=good),
    )
    assert outcomes.count("reserved") == 10, outcomes
    assert outcomes.count("out_of_stock") == 90, outcomes
    assert Good.objects.get(pk=good.pk).stock == 0
    assert Redemption.objects.filter(good=good).count() == 10
    assert ledger.drift(park_id=park.pk) == []


def test_fifty_orders_of_100_by_one_member_with_1000_reserve_exactly_ten(park, personas):
    (member,) = _funded_members(park, 1, 1000)
    good = services.good_create(
        via="ui", actor=personas["park_staff"], park=park, name="米", price=100, stock=500
    )
    outcomes = _at_once(
        50, lambda i: services.redemption_reserve(via="ui", actor=None, member=member, good=good)
    )
    assert outcomes.count("reserved") == 10, outcomes
    assert outcomes.count("insufficient_balance") == 40, outcomes
    member.account.refresh_from_db()
    assert member.account.balance == 0
    assert sum(lot.remaining for lot in member.lots.all()) == 0
    assert Good.objects.get(pk=good.pk).stock == 490
    assert ledger.drift(park_id=park.pk) == []


def test_twenty_retries_of_one_award_at_once_award_it_once(park):
    """No "awarded already?" read for a rule without caps: the ledger key's INSERT ... ON
    CONFLICT decides, and the losers return the first award having written nothing."""
    (member,) = _funded_members(park, 1, 10)
    rule = EarningRule.objects.create(park=park, kind="volunteering", name="活动", points=30)
    made = [None] * 20

    def work(i):
        made[i] = services.award(via="ui", actor=None, member=member, rule=rule, source="once")

    outcomes = _at_once(20, work)
    assert outcomes == ["reserved"] * 20, outcomes  # every call returned an award
    assert len({award.pk for award in made}) == 1
    member.account.refresh_from_db()
    assert member.account.balance == 10 + 30
    assert member.lots.count() == 2 and member.awards.filter(rule=rule).count() == 1
    assert ledger.drift(park_id=park.pk) == []
