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

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from parkpilot.ledger import selectors
from parkpilot.ledger.errors import InsufficientBalance, LedgerCode, refused
from parkpilot.ledger.models import Account, Entry, Posting
from parkpilot.notifications.services import notify
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
    InsufficientBalance (nothing written) when a guarded account would go below zero."""
    lines = [(account, int(amount)) for account, amount in lines if amount]
    _check_balanced(park, lines)
    with transaction.atomic():
        first = Entry.objects.filter(park=park, key=key).first()
        if first is not None:
            return Posted(_same_entry(first, lines), replayed=True)
        try:
            with transaction.atomic():  # a savepoint: a lost race on the key leaves us usable
                entry = Entry.objects.create(
                    park=park,
                    key=key,
                    kind=kind,
                    memo=memo[:200],
                    at=at or timezone.now(),
                    reverses=reverses,
                    actor=actor if getattr(actor, "pk", None) else None,
                    actor_label=getattr(actor, "username", "system") if actor else "system",
                )
        except IntegrityError as clash:
            # Another request with this key committed between our look and our insert (or the
            # entry was reversed already: the other unique constraint).
            first = Entry.objects.filter(park=park, key=key).first()
            if first is None:
                raise refused(
                    "entry", LedgerCode.ALREADY_REVERSED, _("already reversed")
                ) from clash
            return Posted(_same_entry(first, lines), replayed=True)
        _move_balances(lines)
        Posting.objects.bulk_create(
            [Posting(entry=entry, account=account, amount=amount) for account, amount in lines]
        )
    return Posted(entry, replayed=False)


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


def _move_balances(lines: list[tuple[Account, int]]) -> None:
    """Each account's net change by one conditional UPDATE, in id order (two entries touching
    the same accounts lock them in the same order: no deadlock on PostgreSQL)."""
    net: dict[int, int] = defaultdict(int)
    accounts = {}
    for account, amount in lines:
        net[account.pk] += amount
        accounts[account.pk] = account
    for account_id in sorted(net):
        change = net[account_id]
        if change == 0:
            continue
        rows = Account.objects.filter(pk=account_id)
        if change < 0 and accounts[account_id].guarded:
            rows = rows.filter(balance__gte=-change)
        if rows.update(balance=F("balance") + change) != 1:
            raise InsufficientBalance(accounts[account_id], -change)


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
            title=_("Ledger check: %(n)s balances differ from their journal") % {"n": len(drifted)},
            body=", ".join(f"{d.owner}: {d.stored} ≠ {d.derived}" for d in drifted[:20]),
        )
    return drifted
