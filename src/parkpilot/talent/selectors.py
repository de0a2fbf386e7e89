"""Reads of the loan risk pool, each through the access rule."""

from django.db.models import QuerySet

from parkpilot.talent import pool as core
from parkpilot.talent.models import BankLoan, Loan, LoanEvent, Pool
from parkpilot.tenancy import access


def pool_of_park(*, user) -> Pool | None:
    """The pool this user may read in its park (the first signed, if there are several)."""
    return access.scoped(user, Pool).order_by("signed_on", "pk").first()


def loans(*, user) -> QuerySet:
    """The loans the user may read: the park's staff all, an enterprise its own."""
    return access.scoped(user, Loan).select_related("enterprise", "bank").order_by("-pk")


def bank_loans(*, user) -> QuerySet:
    """The pool's loans the user's bank holds (role talent_bank)."""
    return access.scoped(user, BankLoan).select_related("enterprise").order_by("-pk")


def loan_get(*, user, loan_id) -> Loan:
    """One loan the user may read as staff or borrower, or NotFound (absent or foreign)."""
    return access.get_for(user, Loan.objects.select_related("enterprise", "bank"), loan_id)


def bank_loan_get(*, user, loan_id) -> BankLoan:
    return access.get_for(user, BankLoan.objects.select_related("enterprise"), loan_id)


def replayed(pool: Pool) -> core.PoolState:
    """The pool's balances as its whole stored log gives them (pool.replay), to check or
    rebuild the stored ones."""
    events = LoanEvent.objects.filter(pool=pool).order_by("seq")
    return core.replay(pool.agreement(), (e.as_core() for e in events.iterator()))
