"""Concurrent writers in real database connections (threads), on SQLite and PostgreSQL alike:
the guard never lets a balance go negative, a key is posted once however many retry it at the
same moment, and SQLite's writers queue instead of failing with "database is locked"."""

import threading

import pytest
from django.db import OperationalError, connections

from parkpilot.ledger import selectors, services
from parkpilot.ledger.errors import InsufficientBalance
from parkpilot.ledger.models import Account, Entry, Posting

pytestmark = pytest.mark.django_db(transaction=True)


def _at_once(count: int, work) -> list[str]:
    """Run work(i) in `count` threads released together; each outcome as a word."""
    barrier = threading.Barrier(count)
    outcomes: list[str] = [""] * count

    def run(i):
        barrier.wait()  # before any connection is taken: the pool lends them as needed
        try:
            outcomes[i] = work(i)
        except InsufficientBalance:
            outcomes[i] = "refused"
        except OperationalError as exc:
            outcomes[i] = f"error: {exc}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def test_fifty_redemptions_of_100_against_1000_post_exactly_ten(park):
    source = services.account_open(park=park, unit="points", owner="t.issued", guarded=False)
    member = services.account_open(park=park, unit="points", owner="t.member:1")
    sink = services.account_open(park=park, unit="points", owner="t.redeemed", guarded=False)
    services.post(park=park, key="seed", kind="t.earn", lines=[(source, -1000), (member, 1000)])

    def redeem(i):
        services.post(park=park, key=f"r{i}", kind="t.redeem", lines=[(member, -100), (sink, 100)])
        return "posted"

    outcomes = _at_once(50, redeem)
    # 1,000 / 100 = 10 fit; the other 40 are refused with the reason, none fails otherwise.
    assert outcomes.count("posted") == 10, outcomes
    assert outcomes.count("refused") == 40, outcomes
    assert Account.objects.get(pk=member.pk).balance == 0
    assert Posting.objects.filter(account=sink).count() == 10
    assert selectors.drift(park_id=park.pk) == []


def test_twenty_retries_of_one_key_at_once_post_it_once(park):
    source = services.account_open(park=park, unit="points", owner="t.issued", guarded=False)
    member = services.account_open(park=park, unit="points", owner="t.member:1")

    def award(i):
        posted = services.post(
            park=park, key="award:rule1:req9", kind="t.earn", lines=[(source, -30), (member, 30)]
        )
        return f"{posted.entry.pk}:{'replayed' if posted.replayed else 'first'}"

    outcomes = _at_once(20, award)
    entry = Entry.objects.get(key="award:rule1:req9")
    assert sorted(outcomes) == sorted([f"{entry.pk}:first"] + [f"{entry.pk}:replayed"] * 19)
    assert Account.objects.get(pk=member.pk).balance == 30
    assert Posting.objects.count() == 2


def test_opening_one_account_at_once_opens_it_once(park):
    def open_account(i):
        return str(services.account_open(park=park, unit="points", owner="t.member:5").pk)

    outcomes = _at_once(10, open_account)
    assert len(set(outcomes)) == 1 and Account.objects.count() == 1, outcomes
