"""Reads of the loan risk pool, each through the access rule."""

from django.db.models import Count, F, QuerySet, Sum

from parkpilot.talent import pool as core
from parkpilot.talent import rules
from parkpilot.talent.models import BankLoan, Loan, LoanEvent, PolicyApplication, Pool, Talent
from parkpilot.tenancy import access
from parkpilot.tenancy.errors import NotFound

LIVE = (core.State.DRAWN, core.State.REPAYING, core.State.OVERDUE)


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


def loan_for_step(*, user, loan_id) -> Loan:
    """The loan a step form names: as staff or borrower, else as the lending bank's staff;
    NotFound for everyone else (the services then decide who may take which step)."""
    try:
        return loan_get(user=user, loan_id=loan_id)
    except NotFound:
        return bank_loan_get(user=user, loan_id=loan_id)


def loan_events(*, loan: Loan) -> QuerySet:
    """A loan's steps in order (the caller has loaded the loan through a scoped getter)."""
    return LoanEvent.objects.filter(loan=loan).order_by("seq")


def pool_overview(*, user, pool: Pool) -> dict:
    """The pool's figures for the park's staff, all in fen: its scale and what is in use, what
    was drawn in all, the compensation each bearer paid, what came back, what stays uncovered,
    and the live exposure by enterprise and by industry."""
    loans = access.scoped(user, Loan).filter(pool=pool)
    totals = loans.aggregate(drawn=Sum("drawn_fen"), loss=Sum("loss_fen"),
                             recovered=Sum("recovered_fen"))  # fmt: skip
    live = loans.filter(state__in=LIVE)
    by_enterprise = (
        live.values("enterprise__name", "enterprise__industry_code")
        .annotate(outstanding=Sum(F("drawn_fen") - F("repaid_fen") - F("loss_fen")))
        .order_by("-outstanding", "enterprise__name")
    )
    by_industry = (
        live.values("enterprise__industry_code")
        .annotate(outstanding=Sum(F("drawn_fen") - F("repaid_fen") - F("loss_fen")),
                  loans=Count("pk"))
        .order_by("-outstanding", "enterprise__industry_code")
    )  # fmt: skip
    paid, returned = dict(pool.paid), dict(pool.returned)
    bearers = [(core.FUND, None)] + [(p.code, p) for p in pool.parties.order_by("order")]
    shares = [
        {"code": code, "party": party, "paid": paid.get(code, 0),
         "returned": returned.get(code, 0), "net": paid.get(code, 0) - returned.get(code, 0)}
        for code, party in bearers
    ]  # fmt: skip
    return {
        "scale": pool.credit_scale_fen,
        "in_use": pool.in_use_fen,
        "utilisation": pool.state().utilisation(pool.agreement()),
        "drawn": totals["drawn"] or 0,
        "compensated": sum(v for k, v in paid.items() if k != core.UNCOVERED),
        "recovered": totals["recovered"] or 0,
        "uncovered": pool.bearers.get(core.UNCOVERED, 0),
        "fund": pool.fund_fen,
        "fund_left": pool.fund_left_fen,
        "shares": shares,
        "by_enterprise": list(by_enterprise),
        "by_industry": list(by_industry),
        "by_state": dict(loans.values_list("state").annotate(n=Count("pk")).order_by()),
        "overdue": live.filter(state=core.State.OVERDUE).count(),
    }


# The forms of a loan's page: each step, the events it may lead to, and who takes it ("park":
# the park's operators, "bank": the lending bank's staff), as services.py says.
STEPS = {
    "recommend": ((core.Kind.RECOMMEND, core.Kind.NOT_RECOMMEND), {"park"}),
    "decide": ((core.Kind.APPROVE, core.Kind.DECLINE), {"bank"}),
    "draw": ((core.Kind.DRAW,), {"bank"}),
    "repay": ((core.Kind.REPAY,), {"bank"}),
    "overdue": ((core.Kind.OVERDUE,), {"bank"}),
    "default": ((core.Kind.DEFAULT,), {"bank"}),
    "compensate": ((core.Kind.COMPENSATE,), {"park"}),
    "recover": ((core.Kind.RECOVER,), {"bank", "park"}),
    "close": ((core.Kind.CLOSE,), {"park"}),
}


def steps_open(*, user, loan: Loan) -> list[str]:
    """The steps this user may take on the loan in its state (the forms its page shows)."""
    roles = set()
    if access.can(user, "recommend", Loan.objects.get(pk=loan.pk)):
        roles.add("park")
    if access.can(user, "lend", BankLoan.objects.get(pk=loan.pk)):
        roles.add("bank")
    state = core.State(loan.state) if loan.state else None
    return [
        name for name, (kinds, takers) in STEPS.items()
        if roles & takers and state in core.FROM[kinds[0]]
    ]  # fmt: skip


def pool_to_apply(*, user) -> Pool | None:
    """The pool an enterprise of the park may apply to: its park's (only its name and bank are
    shown to the applicant)."""
    if user.park_id is None:
        return None
    return Pool.objects.filter(park_id=user.park_id).order_by("signed_on", "pk").first()


def loans_of_caller(*, user) -> QuerySet:
    """The API's list: the bank's staff their bank's pool loans, everyone else `loans`."""
    return bank_loans(user=user) if rules.BANK_LOANS.allows(user) else loans(user=user)


def talents(*, user) -> QuerySet:
    """The registry as the user may read it: the park's staff all, an enterprise its own."""
    return access.scoped(user, Talent).select_related("enterprise", "talent_class").order_by("pk")


def applications(*, user, state: str = "") -> QuerySet:
    qs = access.scoped(user, PolicyApplication).select_related(
        "policy", "enterprise", "talent", "talent__talent_class"
    )
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-submitted_on", "-pk")


def application_get(*, user, application_id) -> PolicyApplication:
    return access.get_for(user, PolicyApplication.objects.select_related("policy", "talent"),
                          application_id)  # fmt: skip


def reward_totals(*, user) -> list[dict]:
    """Paid per policy and year, in fen, with the count of applications."""
    return list(
        access.scoped(user, PolicyApplication).filter(state="paid")
        .values("policy__name", "year").annotate(paid=Sum("amount_fen"), n=Count("pk"))
        .order_by("year", "policy__name")
    )  # fmt: skip
