"""Writes to the ledger: opening accounts, posting entries, reversing them.

`post` is the only writer of balances. Inside one transaction it inserts the entry (its
idempotency key unique in the park), moves each account's stored balance by a conditional
UPDATE (`balance = balance + x WHERE id = ? AND balance + x >= 0` for a guarded account: the
database decides, never a balance read earlier) and writes the postings. A refused guard
rolls all of it back. On PostgreSQL the UPDATE holds the account's row until commit, so a
second redemption waits and then sees the new balance; on SQLite writers queue at BEGIN
IMMEDIATE (settings: WAL, busy_timeout), so neither overdraws nor fails with "locked"."""

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from parkpilot.ledger import selectors
from parkpilot.ledger.errors import InsufficientBalance, LedgerCode, refused
from parkpilot.ledger.models import Account, Entry, Posting
from parkpilot.notifications.services import notify
from parkpilot.stored_text import stored
from parkpilot.tenancy.roles import Role
from parkpilot.tenancy.selectors import role_holders

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Posted:
    entry: Entry
    replayed: bool  # True: the key had been posted before; this is that first entry


def account_open(*, park, unit: str, owner: str, guarded: bool = True) -> Account:
    """The park's account of this owner and unit, opened on first use (safe under a race)."""
    found = Account.objects.filter(park=park, unit=unit, owner=owner).first()
    if found:
        return found
    try:
        with transaction.atomic():
            return Account.objects.create(park=park, unit=unit, owner=owner, guarded=guarded)
    except IntegrityError:
        return Account.objects.get(park=park, unit=unit, owner=owner)


def post(
    *,
    park,
    key: str,
    kind: str,
    lines: Iterable[tuple[Account, int]],
    actor=None,
    memo: str = "",
    at=None,
    reverses: Entry | None = None,
) -> Posted:
    """Book one balanced entry, or return the entry already booked under `key`.

    `lines`: (account, amount) pairs; amounts in whole units, summing to zero. Raises
    InsufficientBalance (nothing written) when a guarded account would go below zero.

    Statements on the way (an award: 4): the entry by INSERT ... ON CONFLICT DO NOTHING (the
    database says whether the key is new: no look first, no savepoint for a lost race), its
    postings in one INSERT, one conditional UPDATE per account. A refusal leaves a caller's
    transaction usable: an entry that can be refused after its first write (a guarded account
    going down, a reversal) runs in a savepoint; one that cannot (an award: a credit, and a
    debit of an unguarded source) needs none. A replay is looked up after the block: nothing
    was written."""
    lines = [(account, int(amount)) for account, amount in lines if amount]
    _check_balanced(park, lines)
    draft = Draft(key=key, kind=kind, lines=lines, memo=memo, reverses=reverses)
    refusable = reverses is not None or any(
        account.guarded and amount < 0 for account, amount in lines
    )
    try:
        with transaction.atomic(savepoint=refusable):
            entry = _insert_entry(park, draft, actor=actor, at=at or timezone.now())
            if entry is not None:
                _move_balances(lines)
    except IntegrityError as clash:
        # The only other unique column: an entry is reversed once.
        if reverses is not None and Entry.objects.filter(reverses=reverses).exists():
            raise refused("entry", LedgerCode.ALREADY_REVERSED, _("already reversed")) from clash
        raise
    if entry is None:
        first = Entry.objects.get(park=park, key=key)
        return Posted(_same_entry(first, lines), replayed=True)
    return Posted(entry, replayed=False)


@dataclass(frozen=True)
class Draft:
    """One entry of `post_many`: its key, kind and (account, amount) lines."""

    key: str
    kind: str
    lines: list[tuple[Account, int]]
    memo: str = ""
    reverses: Entry | None = None


def post_many(*, park, drafts: list[Draft], actor=None, at=None) -> list[Posted]:
    """Book many entries in one transaction (a bulk award): the entries in one INSERT, each
    account's net change once, the postings in one INSERT. A key booked before returns its
    first entry (replayed), as `post` does. All or nothing: a guarded account that would go
    below zero refuses the whole batch (InsufficientBalance); a key another request books
    between our look and our insert fails it with IntegrityError (a retry then replays)."""
    at = at or timezone.now()
    cleaned = []
    for draft in drafts:
        lines = [(account, int(amount)) for account, amount in draft.lines if amount]
        _check_balanced(park, lines)
        cleaned.append(Draft(draft.key, draft.kind, lines, draft.memo, draft.reverses))
    with transaction.atomic():
        booked = {
            e.key: e for e in Entry.objects.filter(park=park, key__in=[d.key for d in cleaned])
        }
        fresh: dict[str, Draft] = {}
        for draft in cleaned:
            if draft.key not in booked:
                fresh.setdefault(draft.key, draft)
        made = Entry.objects.bulk_create(
            [_entry_row(park, draft, actor=actor, at=at) for draft in fresh.values()]
        )
        created = dict(zip(fresh, made, strict=True))
        _move_balances([line for draft in fresh.values() for line in draft.lines], locked=False)
        Posting.objects.bulk_create(
            [
                Posting(entry=created[draft.key], account=account, amount=amount)
                for draft in fresh.values()
                for account, amount in draft.lines
            ],
            batch_size=2000,
        )
    results, seen = [], set()
    for draft in cleaned:
        if draft.key in created and draft.key not in seen:
            seen.add(draft.key)
            results.append(Posted(created[draft.key], replayed=False))
        else:
            first = booked.get(draft.key) or created[draft.key]
            results.append(Posted(_same_entry(first, draft.lines), replayed=True))
    return results


def _entry_row(park, draft: Draft, *, actor, at) -> Entry:
    return Entry(
        park=park,
        key=draft.key,
        kind=draft.kind,
        memo=draft.memo[:200],
        at=at,
        reverses=draft.reverses,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=getattr(actor, "username", "system") if actor else "system",
    )


def _insert_entry(park, draft: Draft, *, actor, at) -> Entry | None:
    """INSERT the entry unless its key is booked in the park, then its postings: the new Entry,
    or None (nothing written).

    Plain SQL, two statements on both databases (SQLite >= 3.35 and PostgreSQL have ON
    CONFLICT ... RETURNING): through the ORM, building these INSERTs cost more than SQLite
    spends running them. On PostgreSQL a concurrent insert of the same key waits for the other
    transaction and then does nothing, so exactly one of them books it."""
    entry = _entry_row(park, draft, actor=actor, at=at)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_entry (park_id, key, kind, memo, at, reverses_id, actor_id,"
            " actor_label) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (park_id, key) DO NOTHING RETURNING id",
            [
                entry.park_id,
                entry.key,
                entry.kind,
                entry.memo,
                connection.ops.adapt_datetimefield_value(entry.at),
                entry.reverses_id,
                entry.actor_id,
                entry.actor_label,
            ],
        )
        row = cursor.fetchone()
        if row is None:
            return None
        # One row per posting, in one statement: (entry, account, amount), (...), ...
        cursor.execute(
            "INSERT INTO ledger_posting (entry_id, account_id, amount) VALUES "
            + ", ".join(["(%s, %s, %s)"] * len(draft.lines)),
            [value for account, amount in draft.lines for value in (row[0], account.pk, amount)],
        )
    entry.pk = row[0]
    entry._state.adding = False
    entry._state.db = connection.alias
    return entry


def reverse(*, entry: Entry, key: str, actor=None, memo: str = "", at=None) -> Posted:
    """The correcting entry: every posting of `entry` negated. An entry is reversed once."""
    if getattr(entry, "reversed_by", None) is not None and entry.reversed_by.key != key:
        raise refused("entry", LedgerCode.ALREADY_REVERSED, _("already reversed"))
    lines = [(p.account, -p.amount) for p in entry.postings.select_related("account")]
    return post(
        park=entry.park,
        key=key,
        kind=f"{entry.kind}.reversal"[:40],
        lines=lines,
        actor=actor,
        memo=memo or _("reverses %(key)s") % {"key": entry.key},
        at=at,
        reverses=entry,
    )


def _check_balanced(park, lines: list[tuple[Account, int]]) -> None:
    if not lines:
        raise refused("lines", LedgerCode.EMPTY, _("an entry needs postings"))
    if len({account.unit for account, _amount in lines}) != 1:
        raise refused("lines", LedgerCode.MIXED_UNITS, _("an entry moves one unit only"))
    if any(account.park_id != park.pk for account, _amount in lines):
        raise refused("lines", LedgerCode.OTHER_PARK, _("an account of another park"))
    if sum(amount for _account, amount in lines) != 0:
        raise refused("lines", LedgerCode.UNBALANCED, _("postings must sum to zero"))


def _move_balances(lines: list[tuple[Account, int]], *, locked: bool = True) -> None:
    """Each account's net change by a conditional UPDATE: `balance = balance + x WHERE id = ?
    AND balance >= -x` for a guarded account going down (the database decides, never a balance
    read earlier).

    A few accounts (`post`): one UPDATE each, in id order, so two entries touching the same
    accounts lock them in the same order (no deadlock on PostgreSQL). Many (`post_many`,
    locked=False): the rows are first locked in id order by one SELECT ... FOR UPDATE, then
    every change that cannot break a guard (a credit, or an unguarded account) is one UPDATE
    statement the driver runs for each row (executemany); guarded debits keep their own
    conditional UPDATE."""
    net: dict[int, int] = defaultdict(int)
    accounts = {}
    for account, amount in lines:
        net[account.pk] += amount
        accounts[account.pk] = account
    moving = sorted(account_id for account_id, change in net.items() if change)
    if locked or len(moving) <= 2:
        for account_id in moving:
            _move_one(accounts[account_id], net[account_id])
        return
    list(Account.objects.select_for_update().filter(pk__in=moving).order_by("pk").values("pk"))
    free = [i for i in moving if net[i] > 0 or not accounts[i].guarded]
    for account_id in moving:
        if account_id not in free:
            _move_one(accounts[account_id], net[account_id])
    # One statement run for every row by the driver (executemany): the ORM would compile a CASE
    # of hundreds of WHENs, which costs more than the database's work.
    table = connection.ops.quote_name(Account._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET balance = balance + %s WHERE id = %s",
            [(net[i], i) for i in free],
        )


def _move_one(account: Account, change: int) -> None:
    """One account's change by one UPDATE, guarded when it goes down; written as SQL (the
    ORM's compile of this one-line UPDATE cost more than SQLite spends running it)."""
    sql = "UPDATE ledger_account SET balance = balance + %s WHERE id = %s"
    params = [change, account.pk]
    if change < 0 and account.guarded:
        sql += " AND balance >= %s"
        params.append(-change)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount != 1:
            raise InsufficientBalance(account, -change)


def _same_entry(first: Entry, lines: list[tuple[Account, int]]) -> Entry:
    """A replay must be the same request: a key reused for different postings is refused."""
    booked = sorted(first.postings.values_list("account_id", "amount"))
    asked = sorted((account.pk, amount) for account, amount in lines)
    if booked != asked:
        raise refused("key", LedgerCode.KEY_REUSED, _("this key was used for a different entry"))
    return first


def reconcile(*, park) -> list:
    """The nightly check: every account of the park re-derived from its journal. Any drift is
    logged and told to the park's administrators (it means something wrote a balance behind
    the ledger's back); balances are left as they are for a person to look into."""
    drifted = selectors.drift(park_id=park.pk)
    if drifted:
        log.error("ledger drift in park %s: %s", park.pk, drifted)
        notify(
            park=park,
            recipients=list(role_holders(frozenset({Role.PARK_ADMIN}), park=park)),
            kind="ledger.drift",
            title=stored(
                gettext_noop("Ledger check: %(n)s balances differ from their journal"),
                n=len(drifted),
            ),
            body=", ".join(f"{d.owner}: {d.stored} ≠ {d.derived}" for d in drifted[:20]),
        )
    return drifted
