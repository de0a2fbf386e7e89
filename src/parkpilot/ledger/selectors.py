"""Reads of the ledger: balances re-derived from the journal, statements.

The nightly reconcile (`drift`) is one aggregate over the postings joined to the accounts:
every account whose stored balance differs from the sum of its postings."""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Sum

from parkpilot.ledger.models import Account, Posting


@dataclass(frozen=True)
class Drift:
    account_id: int
    owner: str
    stored: int
    derived: int


def balance_from_journal(*, account: Account) -> int:
    return Posting.objects.filter(account=account).aggregate(s=Sum("amount"))["s"] or 0


def drift(*, park_id: int | None = None) -> list[Drift]:
    """Accounts (of one park, or all) whose stored balance is not what their journal says."""
    account = Account._meta.db_table
    posting = Posting._meta.db_table
    in_park = "AND a.park_id = %s" if park_id is not None else ""
    # Table names from the models; the park id is a parameter.
    sql = f"""
        SELECT a.id, a.owner, a.balance, COALESCE(p.total, 0)
        FROM {account} a
        LEFT JOIN (SELECT account_id, SUM(amount) AS total FROM {posting} GROUP BY account_id) p
          ON p.account_id = a.id
        WHERE a.balance <> COALESCE(p.total, 0) {in_park}
        ORDER BY a.id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [park_id] if park_id is not None else [])
        return [Drift(int(i), owner, int(s), int(d)) for i, owner, s, d in cursor.fetchall()]


def statement(*, account: Account, limit: int = 200) -> list[dict]:
    """The account's latest postings, newest first, each with the balance after it."""
    rows = list(
        Posting.objects.filter(account=account)
        .select_related("entry")
        .order_by("-entry__at", "-entry_id", "-id")[:limit]
    )
    balance = account.balance
    lines = []
    for row in rows:
        lines.append(
            {
                "at": row.entry.at,
                "kind": row.entry.kind,
                "memo": row.entry.memo,
                "amount": row.amount,
                "balance": balance,
                "entry_id": row.entry_id,
            }
        )
        balance -= row.amount
    return lines
