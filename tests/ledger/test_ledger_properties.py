"""Random sequences of transfers, retries and reversals: the stored balances always equal the
journal, a guarded account is never negative, and each refused entry leaves no trace."""

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parkpilot.ledger import selectors, services
from parkpilot.ledger.errors import InsufficientBalance
from parkpilot.ledger.models import Account, Entry

pytestmark = pytest.mark.django_db

ACCOUNTS = 4  # 0 is the unguarded source, 1-3 guarded members
# Hypothesis runs every example in one database transaction, so each needs owners and keys of
# its own: id(steps) was reused once a list was freed, and an example then met the accounts
# and entries of an earlier one.
EXAMPLE = itertools.count()
step = st.one_of(
    st.tuples(st.just("move"), st.integers(0, 3), st.integers(0, 3), st.integers(1, 60)),
    st.tuples(st.just("retry"), st.integers(0, 30), st.just(0), st.just(0)),
    st.tuples(st.just("reverse"), st.integers(0, 30), st.just(0), st.just(0)),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(step, max_size=30))
def test_balances_always_equal_the_journal(park, steps):
    prefix = f"p{next(EXAMPLE)}-"
    accounts = [
        services.account_open(park=park, unit="points", owner=f"{prefix}{i}", guarded=i != 0)
        for i in range(ACCOUNTS)
    ]
    expected = [0] * ACCOUNTS
    booked: list[tuple[str, list]] = []  # (key, lines) of entries that went through
    for n, (what, a, b, amount) in enumerate(steps):
        if what == "move" and a != b:
            lines = [(accounts[a], -amount), (accounts[b], amount)]
            try:
                services.post(park=park, key=f"{prefix}{n}", kind="t", lines=lines)
            except InsufficientBalance:
                assert a != 0 and expected[a] < amount  # refused only when it must be
                continue
            assert a == 0 or expected[a] >= amount  # and allowed whenever it may be
            expected[a] -= amount
            expected[b] += amount
            booked.append((f"{prefix}{n}", lines))
        elif what == "retry" and booked:
            key, lines = booked[a % len(booked)]
            assert services.post(park=park, key=key, kind="t", lines=lines).replayed
        elif what == "reverse" and booked:
            key, lines = booked[a % len(booked)]
            entry = Entry.objects.get(park=park, key=key)
            try:
                undone = services.reverse(entry=entry, key=f"{key}.rev")
            except InsufficientBalance:
                continue  # the money moved on since: the correction must wait
            if not undone.replayed:  # reversing again under the same key changes nothing
                for account, amount in lines:
                    expected[accounts.index(account)] -= amount
        stored = [Account.objects.get(pk=x.pk).balance for x in accounts]
        assert stored == expected
        assert all(balance >= 0 for balance in stored[1:])
    assert selectors.drift(park_id=park.pk) == []
