"""The ledger core: balanced entries, the non-negative guard, idempotency, reversals,
immutability (model and database) and the re-derivation of balances from the journal."""

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from parkpilot.ledger import selectors, services
from parkpilot.ledger.errors import InsufficientBalance, LedgerCode
from parkpilot.ledger.models import Account, Entry, Posting
from parkpilot.tenancy.errors import ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture
def books(park):
    source = services.account_open(park=park, unit="points", owner="t.issued", guarded=False)
    alice = services.account_open(park=park, unit="points", owner="t.member:1")
    bob = services.account_open(park=park, unit="points", owner="t.member:2")
    return source, alice, bob


def _balances(*accounts):
    return [Account.objects.get(pk=a.pk).balance for a in accounts]


def test_an_entry_moves_balances_and_its_postings_sum_to_zero(park, books):
    source, alice, bob = books
    posted = services.post(park=park, key="k1", kind="t.earn", lines=[(source, -300), (alice, 300)])
    assert posted.replayed is False
    services.post(park=park, key="k2", kind="t.move", lines=[(alice, -120), (bob, 120)])
    # 0 - 300 = -300; 300 - 120 = 180; 0 + 120 = 120
    assert _balances(source, alice, bob) == [-300, 180, 120]
    assert sorted(posted.entry.postings.values_list("amount", flat=True)) == [-300, 300]
    assert selectors.drift(park_id=park.pk) == []


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        (lambda s, a, b: [(s, -10), (a, 9)], LedgerCode.UNBALANCED),
        (lambda s, a, b: [], LedgerCode.EMPTY),
        (lambda s, a, b: [(s, 0), (a, 0)], LedgerCode.EMPTY),
    ],
)
def test_refused_entries_write_nothing(park, books, lines, code):
    with pytest.raises(ValidationFailed) as refused:
        services.post(park=park, key="bad", kind="t.bad", lines=lines(*books))
    assert refused.value.errors[0].code == code
    assert not Entry.objects.exists() and not Posting.objects.exists()


def test_one_entry_moves_one_unit_of_one_park(park, other_park, books):
    source, alice, _bob = books
    tonnes = services.account_open(park=park, unit="tCO2e", owner="t.holder:1")
    with pytest.raises(ValidationFailed) as mixed:
        services.post(park=park, key="m", kind="t.x", lines=[(source, -1), (tonnes, 1)])
    assert mixed.value.errors[0].code == LedgerCode.MIXED_UNITS
    foreign = services.account_open(park=other_park, unit="points", owner="t.member:1")
    with pytest.raises(ValidationFailed) as other:
        services.post(park=park, key="o", kind="t.x", lines=[(source, -1), (foreign, 1)])
    assert other.value.errors[0].code == LedgerCode.OTHER_PARK
    assert _balances(source, alice, tonnes, foreign) == [0, 0, 0, 0]


def test_the_guard_refuses_an_overdraft_and_writes_nothing(park, books):
    source, alice, bob = books
    services.post(park=park, key="k1", kind="t.earn", lines=[(source, -100), (alice, 100)])
    with pytest.raises(InsufficientBalance) as refused:
        services.post(park=park, key="k2", kind="t.move", lines=[(alice, -101), (bob, 101)])
    assert refused.value.errors[0].code == LedgerCode.INSUFFICIENT_BALANCE
    assert refused.value.account == alice
    assert _balances(source, alice, bob) == [-100, 100, 0]
    assert not Entry.objects.filter(key="k2").exists()
    # Exactly the balance is allowed: 100 - 100 = 0.
    services.post(park=park, key="k3", kind="t.move", lines=[(alice, -100), (bob, 100)])
    assert _balances(alice, bob) == [0, 100]


def test_a_guarded_account_below_zero_is_refused_by_the_database_too(park, books):
    _source, alice, _bob = books
    with pytest.raises(DatabaseError), transaction.atomic():
        Account.objects.filter(pk=alice.pk).update(balance=-1)


def test_a_retried_key_returns_the_first_entry_and_posts_nothing_more(park, books):
    source, alice, _bob = books
    first = services.post(
        park=park, key="award:7", kind="t.earn", lines=[(source, -50), (alice, 50)]
    )
    again = services.post(
        park=park, key="award:7", kind="t.earn", lines=[(source, -50), (alice, 50)]
    )
    assert again.replayed is True and again.entry.pk == first.entry.pk
    assert Entry.objects.count() == 1 and Posting.objects.count() == 2
    assert _balances(alice) == [50]


def test_a_key_reused_for_other_postings_is_refused(park, books):
    source, alice, _bob = books
    services.post(park=park, key="award:7", kind="t.earn", lines=[(source, -50), (alice, 50)])
    with pytest.raises(ValidationFailed) as refused:
        services.post(park=park, key="award:7", kind="t.earn", lines=[(source, -60), (alice, 60)])
    assert refused.value.errors[0].code == LedgerCode.KEY_REUSED
    assert _balances(alice) == [50]


def test_the_same_key_in_another_park_is_another_entry(park, other_park, books):
    source, alice, _bob = books
    other_source = services.account_open(park=other_park, unit="points", owner="s", guarded=False)
    other_alice = services.account_open(park=other_park, unit="points", owner="a")
    services.post(park=park, key="k", kind="t", lines=[(source, -5), (alice, 5)])
    posted = services.post(
        park=other_park, key="k", kind="t", lines=[(other_source, -5), (other_alice, 5)]
    )
    assert posted.replayed is False
    assert _balances(alice, other_alice) == [5, 5]


def test_a_correction_is_a_reversing_entry_booked_once(park, books):
    source, alice, _bob = books
    earned = services.post(park=park, key="k1", kind="t.earn", lines=[(source, -80), (alice, 80)])
    undone = services.reverse(entry=earned.entry, key="k1.rev")
    assert undone.entry.reverses_id == earned.entry.pk
    assert undone.entry.kind == "t.earn.reversal"
    assert _balances(source, alice) == [0, 0]
    assert services.reverse(entry=earned.entry, key="k1.rev").replayed is True
    earned.entry.refresh_from_db()
    with pytest.raises(ValidationFailed) as twice:
        services.reverse(entry=earned.entry, key="k1.rev2")
    assert twice.value.errors[0].code == LedgerCode.ALREADY_REVERSED
    assert Entry.objects.count() == 2 and _balances(alice) == [0]


def test_a_reversal_that_would_overdraw_is_refused(park, books):
    source, alice, bob = books
    earned = services.post(park=park, key="k1", kind="t.earn", lines=[(source, -80), (alice, 80)])
    services.post(park=park, key="k2", kind="t.spend", lines=[(alice, -50), (bob, 50)])
    with pytest.raises(InsufficientBalance):
        services.reverse(entry=earned.entry, key="k1.rev")
    assert _balances(source, alice, bob) == [-80, 30, 50]


def test_journal_rows_refuse_change_in_the_model(park, books):
    source, alice, _bob = books
    entry = services.post(park=park, key="k", kind="t", lines=[(source, -5), (alice, 5)]).entry
    entry.memo = "changed"
    for attempt in (
        entry.save,
        entry.delete,
        lambda: Entry.objects.filter(pk=entry.pk).update(memo="x"),
        lambda: Posting.objects.filter(entry=entry).delete(),
        lambda: entry.postings.first().delete(),
    ):
        with pytest.raises(PermissionError):
            attempt()


@pytest.mark.parametrize("table", ["ledger_entry", "ledger_posting"])
def test_journal_rows_refuse_an_update_below_the_orm(park, books, table):
    source, alice, _bob = books
    services.post(park=park, key="k", kind="t", lines=[(source, -5), (alice, 5)])
    column = "memo = 'x'" if table == "ledger_entry" else "amount = 6"
    with (
        pytest.raises(DatabaseError, match="immutable"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"UPDATE {table} SET {column}")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite keeps DELETE for flush")
def test_journal_rows_refuse_a_delete_below_the_orm_on_postgresql(park, books):
    source, alice, _bob = books
    services.post(park=park, key="k", kind="t", lines=[(source, -5), (alice, 5)])
    with (
        pytest.raises(DatabaseError, match="immutable"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM ledger_posting")


def test_drift_finds_a_balance_that_disagrees_with_its_journal(park, other_park, books):
    source, alice, bob = books
    services.post(park=park, key="k1", kind="t.earn", lines=[(source, -70), (alice, 70)])
    # A stored balance changed behind the ledger's back (a bad migration, a hand edit).
    Account.objects.filter(pk=bob.pk).update(balance=15)
    assert selectors.drift(park_id=park.pk) == [selectors.Drift(bob.pk, "t.member:2", 15, 0)]
    assert selectors.drift(park_id=other_park.pk) == []
    assert selectors.balance_from_journal(account=alice) == 70


def test_statement_shows_the_running_balance(park, books):
    source, alice, bob = books
    services.post(park=park, key="k1", kind="t.earn", lines=[(source, -100), (alice, 100)])
    services.post(park=park, key="k2", kind="t.move", lines=[(alice, -30), (bob, 30)])
    services.post(park=park, key="k3", kind="t.earn", lines=[(source, -5), (alice, 5)])
    alice.refresh_from_db()
    lines = selectors.statement(account=alice)
    # newest first: +5 → 75, -30 → 70, +100 → 100
    assert [(x["amount"], x["balance"]) for x in lines] == [(5, 75), (-30, 70), (100, 100)]


def test_the_nightly_reconcile_tells_the_park_admins_of_a_drift(park, personas, books):
    from parkpilot.notifications.models import Notification

    source, alice, _bob = books
    services.post(park=park, key="k1", kind="t.earn", lines=[(source, -70), (alice, 70)])
    assert services.reconcile(park=park) == [] and not Notification.objects.exists()
    Account.objects.filter(pk=alice.pk).update(balance=71)
    assert [d.account_id for d in services.reconcile(park=park)] == [alice.pk]
    told = Notification.objects.get()
    assert told.recipient == personas["park_admin"] and "t.member:1: 71 ≠ 70" in told.body


def test_post_many_books_each_entry_once_and_replays_known_keys(park, books):
    source, alice, bob = books
    services.post(park=park, key="k0", kind="t.earn", lines=[(source, -10), (alice, 10)])
    drafts = [
        services.Draft("k0", "t.earn", [(source, -10), (alice, 10)]),  # booked before
        services.Draft("k1", "t.earn", [(source, -20), (alice, 20)]),
        services.Draft("k2", "t.earn", [(source, -30), (bob, 30)]),
        services.Draft("k1", "t.earn", [(source, -20), (alice, 20)]),  # twice in the batch
    ]
    posted = services.post_many(park=park, drafts=drafts)
    assert [p.replayed for p in posted] == [True, False, False, True]
    assert posted[3].entry.pk == posted[1].entry.pk
    # source: -10 - 20 - 30 = -60; alice: 10 + 20 = 30; bob: 30
    assert _balances(source, alice, bob) == [-60, 30, 30]
    assert Entry.objects.count() == 3 and Posting.objects.count() == 6
    assert selectors.drift(park_id=park.pk) == []


def test_post_many_with_one_overdraft_writes_nothing(park, books):
    source, alice, bob = books
    services.post(park=park, key="k0", kind="t.earn", lines=[(source, -10), (alice, 10)])
    many = [services.Draft(f"e{i}", "t.earn", [(source, -1), (bob, 1)]) for i in range(5)]
    many.append(services.Draft("spend", "t.move", [(alice, -11), (bob, 11)]))  # 10 < 11
    with pytest.raises(InsufficientBalance) as refused:
        services.post_many(park=park, drafts=many)
    assert refused.value.account == alice
    assert _balances(source, alice, bob) == [-10, 10, 0] and Entry.objects.count() == 1


def test_post_many_moves_many_accounts_by_one_update_each_way(park):
    source = services.account_open(park=park, unit="points", owner="t.src", guarded=False)
    holders = [
        services.account_open(park=park, unit="points", owner=f"t.h:{i}") for i in range(400)
    ]
    drafts = [
        services.Draft(f"a{i}", "t.earn", [(source, -(i + 1)), (h, i + 1)])
        for i, h in enumerate(holders)
    ]
    services.post_many(park=park, drafts=drafts)
    # The source gave 1 + 2 + ... + 400 = 400 * 401 / 2 = 80,200.
    assert _balances(source) == [-80_200]
    assert _balances(holders[0], holders[399]) == [1, 400]
    assert selectors.drift(park_id=park.pk) == []
