"""Writes of the loan risk pool. Keyword-only, atomic, audited.

Every step of a loan goes through `_step`: it locks the pool's row (so concurrent steps of any
of its loans run one after another), applies `pool.apply` to the stored balances of the pool and
that loan, writes them back and appends the event with the pool's next sequence number, in one
transaction. A step the loan's state or the pool's limits refuse changes nothing and is a
ValidationFailed naming the field. Who may take which step:

- 自主申请 (apply): the enterprise for itself (or the park's staff on its behalf);
- 择优推荐 (recommend / not recommend, with reasons), compensation from the pool, closing a
  compensated loan: the park's staff;
- the credit decision, drawdown, repayment, overdue, default: the lending bank's staff
  (role talent_bank, of the bank's enterprise row), for the loans their bank holds;
- a recovery: the bank or the park's staff."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from parkpilot.alerts import services as alerts
from parkpilot.alerts.models import Alert
from parkpilot.alerts.models import State as AlertState
from parkpilot.stored_text import stored
from parkpilot.talent import pool as core
from parkpilot.talent.errors import ErrorCode
from parkpilot.talent.models import BankLoan, Loan, LoanEvent, Pool, PoolParty
from parkpilot.talent.roles import TALENT_BANK
from parkpilot.tenancy import access
from parkpilot.tenancy.actors import system_actor
from parkpilot.tenancy.audit import audit_record
from parkpilot.tenancy.errors import Code, FieldError, Forbidden, ValidationFailed
from parkpilot.tenancy.models import Enterprise, Park
from parkpilot.tenancy.roles import PARK_OPERATORS
from parkpilot.tenancy.selectors import role_holders

MAX_YUAN = Decimal("100000000000.00")  # ¥1,000亿: far above any pool's credit scale
K = core.Kind

# The core's refusals of an amount, in words a person reads (pool.IllegalStep's messages).
_AMOUNT_REASONS = {
    "the amount must be above zero": gettext_lazy("The amount must be above zero."),
    "the approved credit is above the amount applied for": gettext_lazy(
        "The approved credit is above the amount applied for."
    ),
    "the drawdown is above the approved credit": gettext_lazy(
        "The drawdown is above the approved credit."
    ),
    "the drawdown would exceed the pool's credit scale": gettext_lazy(
        "The drawdown would exceed the pool's credit scale."
    ),
    "the repayment is above the outstanding principal": gettext_lazy(
        "The repayment is above the outstanding principal."
    ),
    "the recovery is above the loss not yet recovered": gettext_lazy(
        "The recovery is above the loss not yet recovered."
    ),
}


# --- input --------------------------------------------------------------------------------


def _yuan(value, field: str = "amount") -> int:
    """An amount in yuan (at most two decimals, above zero) as whole fen."""
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationFailed.single(
            field, _("Must be an amount in yuan, e.g. 1000000.00."), Code.NOT_A_NUMBER
        ) from None
    if not number.is_finite() or number != number.quantize(core.FEN):
        raise ValidationFailed.single(field, _("Whole fen: at most two decimals."), Code.FORMAT)
    if not Decimal("0.01") <= number <= MAX_YUAN:
        message = _("Must be above zero and at most ¥100,000,000,000.")
        raise ValidationFailed.single(field, message, Code.OUT_OF_RANGE)
    return core.to_fen(number)


def _day(value, field: str = "on") -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationFailed.single(field, _("A date, YYYY-MM-DD."), Code.FORMAT) from None


def _text(value, field: str, *, limit: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationFailed.single(field, _("This field is required."), Code.REQUIRED)
    if len(text) > limit:
        message = _("At most %(n)d characters.") % {"n": limit}
        raise ValidationFailed.single(field, message, Code.TOO_LONG)
    return text


# --- the agreement ------------------------------------------------------------------------


@transaction.atomic
def pool_open(
    *, actor, via: str, park: Park, name: str, signed_on, bank: Enterprise, credit_scale,
    fund, parties, principles=(), demo: bool = False, demo_fields=(),
) -> Pool:  # fmt: skip
    """A pool's agreement: `parties` as dicts {code, name, share, cap (yuan or None)}."""
    access.require(actor, access.CREATE, Pool)
    if bank.park_id != park.pk:
        raise ValidationFailed.single("bank", _("Not an enterprise of this park."), Code.UNKNOWN)
    credit_fen = _yuan(credit_scale, "credit_scale")
    fund_fen = 0 if str(fund).strip() in ("0", "0.00") else _yuan(fund, "fund")
    rows, errors = [], []
    for i, party in enumerate(parties):
        try:
            share = int(party.get("share"))
        except (TypeError, ValueError):
            share = 0
        if not 1 <= share <= 100:
            errors.append(FieldError(f"parties[{i}].share", _("A whole number from 1 to 100."),
                                     Code.OUT_OF_RANGE))  # fmt: skip
        cap = party.get("cap")
        cap_fen = None if cap in (None, "") else _yuan(cap, f"parties[{i}].cap")
        rows.append((str(party.get("code", "")).strip(), str(party.get("name", "")).strip(),
                     share, cap_fen))  # fmt: skip
    if not rows:
        errors.append(FieldError("parties", _("Name at least one party."), Code.REQUIRED))
    if len({r[0] for r in rows}) != len(rows) or not all(r[0] and r[1] for r in rows):
        errors.append(FieldError("parties", _("Each party needs its own code and a name."),
                                 Code.DUPLICATE))  # fmt: skip
    if errors:
        raise ValidationFailed(errors)
    pool = Pool.objects.create(
        park=park, name=_text(name, "name", limit=200), signed_on=_day(signed_on, "signed_on"),
        bank=bank, principles=list(principles), credit_scale_fen=credit_fen, fund_fen=fund_fen,
        fund_left_fen=fund_fen, demo=demo, demo_fields=list(demo_fields),
    )  # fmt: skip
    PoolParty.objects.bulk_create(
        PoolParty(pool=pool, code=c, name=n, share=s, cap_fen=cap, order=i)
        for i, (c, n, s, cap) in enumerate(rows)
    )
    audit_record(actor=actor, via=via, action="talent.pool_open", obj=pool, before=None,
                 after={"credit_scale_fen": credit_fen, "fund_fen": fund_fen,
                        "parties": [list(r) for r in rows]})  # fmt: skip
    return pool


# --- the steps of a loan ------------------------------------------------------------------


def _bank_may(actor, loan: Loan) -> bool:
    return access.can(actor, "lend", BankLoan.objects.get(pk=loan.pk))


def _require_bank(actor, loan: Loan) -> None:
    if not _bank_may(actor, loan):
        raise Forbidden(_("Only the lending bank's staff take this step."))


def _require_park(actor, loan: Loan, action: str = "recommend") -> None:
    access.require(actor, action, loan)


def _step(*, actor, via: str, loan: Loan, kind: core.Kind, amount: int = 0, on, note: str = "",
          **fields) -> Loan:  # fmt: skip
    """Apply one event to the stored balances and append it, under the pool's row lock."""
    on = _day(on)
    pool = Pool.objects.select_for_update().get(pk=loan.pool_id)
    loan = Loan.objects.get(pk=loan.pk)  # its balances as the lock found them
    state = pool.state({loan.pk: loan.as_core()})
    before = {"state": loan.state, "outstanding_fen": loan.outstanding_fen}
    try:
        moved = core.apply(pool.agreement(), state, core.Event(loan.pk, kind, amount))
    except core.IllegalStep as refusal:
        raise _refused(refusal, loan) from None
    _store(pool, state, loan, moved, fields)
    pool.seq += 1
    pool.save()
    LoanEvent.objects.create(park_id=loan.park_id, pool=pool, loan=loan, seq=pool.seq, kind=kind,
                             amount_fen=amount, note=note, on=on,
                             actor_label=getattr(actor, "username", "system"))  # fmt: skip
    audit_record(actor=actor, via=via, action=f"talent.loan_{kind}", obj=loan, before=before,
                 after={"state": loan.state, "amount_fen": amount, "seq": pool.seq},
                 park_id=loan.park_id)  # fmt: skip
    return loan


def _refused(refusal: core.IllegalStep, loan: Loan) -> ValidationFailed:
    if refusal.field == "amount":
        reason = _AMOUNT_REASONS.get(str(refusal), str(refusal))
        return ValidationFailed.single("amount", str(reason), ErrorCode.ABOVE_LIMIT)
    message = _("Not allowed while the loan is %(state)s.") % {"state": loan.get_state_display()}
    return ValidationFailed.single("kind", message, Code.INVALID_TRANSITION)


def _store(pool: Pool, state: core.PoolState, loan: Loan, moved: core.Loan, fields) -> None:
    pool.fund_left_fen, pool.in_use_fen = state.fund_left, state.in_use
    pool.bearers, pool.paid, pool.returned = state.bearers, state.paid, state.returned
    loan.state = moved.state
    loan.requested_fen, loan.approved_fen = moved.requested, moved.approved
    loan.drawn_fen, loan.repaid_fen = moved.drawn, moved.repaid
    loan.loss_fen, loan.recovered_fen = moved.loss, moved.recovered
    loan.borne, loan.returned = moved.borne, moved.returned
    for name, value in fields.items():
        setattr(loan, name, value)
    loan.save()


@transaction.atomic
def loan_apply(*, actor, via: str, pool: Pool, enterprise: Enterprise, amount, purpose, on,
               demo: bool = False) -> Loan:  # fmt: skip
    """自主申请: an enterprise applies for a loan of the pool's bank."""
    access.require(actor, access.CREATE, Loan, enterprise_id=enterprise.pk)
    if enterprise.park_id != pool.park_id:
        raise ValidationFailed.single("enterprise", _("Not an enterprise of this park."),
                                      Code.UNKNOWN)  # fmt: skip
    fen, purpose, on = _yuan(amount), _text(purpose, "purpose", limit=300), _day(on)
    loan = Loan.objects.create(park_id=pool.park_id, pool=pool, enterprise=enterprise,
                               bank_id=pool.bank_id, state="", purpose=purpose, applied_on=on,
                               demo=demo)  # fmt: skip
    return _step(actor=actor, via=via, loan=loan, kind=K.APPLY, amount=fen, on=on)


@transaction.atomic
def loan_recommend(*, actor, via: str, loan: Loan, recommend: bool = True, reasons, on) -> Loan:
    """择优推荐: the park's staff recommend the application to the bank, or not, with reasons."""
    _require_park(actor, loan)
    reasons = _text(reasons, "reasons", limit=2000)
    kind = K.RECOMMEND if recommend else K.NOT_RECOMMEND
    return _step(actor=actor, via=via, loan=loan, kind=kind, on=on, note=reasons, reasons=reasons)


@transaction.atomic
def loan_decide(*, actor, via: str, loan: Loan, approve: bool, amount=None, on,
                note: str = "") -> Loan:  # fmt: skip
    """The bank's credit decision: approve a credit (at most the amount applied for), or decline."""
    _require_bank(actor, loan)
    note = _text(note, "note", limit=2000, required=False)
    if not approve:
        return _step(actor=actor, via=via, loan=loan, kind=K.DECLINE, on=on, note=note)
    fen = loan.requested_fen if amount in (None, "") else _yuan(amount)
    return _step(actor=actor, via=via, loan=loan, kind=K.APPROVE, amount=fen, on=on, note=note)


@transaction.atomic
def loan_draw(*, actor, via: str, loan: Loan, amount, on, due_on) -> Loan:
    """Drawdown of the approved credit (within the pool's credit scale), due on a day."""
    _require_bank(actor, loan)
    fen, on, due = _yuan(amount), _day(on), _day(due_on, "due_on")
    if due <= on:
        raise ValidationFailed.single("due_on", _("After the drawdown's day."), Code.OUT_OF_RANGE)
    return _step(actor=actor, via=via, loan=loan, kind=K.DRAW, amount=fen, on=on, due_on=due)


@transaction.atomic
def loan_repay(*, actor, via: str, loan: Loan, amount, on) -> Loan:
    """A repayment of principal; the last one closes the loan."""
    _require_bank(actor, loan)
    return _step(actor=actor, via=via, loan=loan, kind=K.REPAY, amount=_yuan(amount), on=on)


@transaction.atomic
def loan_overdue(*, actor, via: str, loan: Loan, on, note: str = "") -> Loan:
    _require_bank(actor, loan)
    note = _text(note, "note", limit=2000, required=False)
    return _step(actor=actor, via=via, loan=loan, kind=K.OVERDUE, on=on, note=note)


@transaction.atomic
def loan_default(*, actor, via: str, loan: Loan, on, note: str = "") -> Loan:
    _require_bank(actor, loan)
    note = _text(note, "note", limit=2000, required=False)
    return _step(actor=actor, via=via, loan=loan, kind=K.DEFAULT, on=on, note=note)


@transaction.atomic
def loan_compensate(*, actor, via: str, loan: Loan, on) -> Loan:
    """Compensation of a defaulted loan's outstanding principal: the fund first, then the
    parties by share within their caps (pool.waterfall)."""
    _require_park(actor, loan, "compensate")
    return _step(actor=actor, via=via, loan=loan, kind=K.COMPENSATE, on=on)


@transaction.atomic
def loan_recover(*, actor, via: str, loan: Loan, amount, on, note: str = "") -> Loan:
    """A recovery on a compensated loan, returned to its bearers pro rata."""
    if not (_bank_may(actor, loan) or access.can(actor, "compensate", loan)):
        raise Forbidden(_("Only the lending bank's or the park's staff record a recovery."))
    note = _text(note, "note", limit=2000, required=False)
    fen = _yuan(amount)
    return _step(actor=actor, via=via, loan=loan, kind=K.RECOVER, amount=fen, on=on, note=note)


@transaction.atomic
def loan_close(*, actor, via: str, loan: Loan, on) -> Loan:
    """Close a compensated loan: nothing more is expected back."""
    _require_park(actor, loan, "compensate")
    return _step(actor=actor, via=via, loan=loan, kind=K.CLOSE, on=on)


def loan_take_step(*, actor, via: str, loan: Loan, step: str, data) -> Loan:
    """One named step (selectors.STEPS) with what a form or an API body carried, as it came:
    `decision` "no" (or False) declines or does not recommend; each service checks the rest."""
    common = {"actor": actor, "via": via, "loan": loan, "on": data.get("on")}
    yes = data.get("decision") not in ("no", False)
    note = data.get("note") or ""
    if step == "recommend":
        return loan_recommend(recommend=yes, reasons=data.get("reasons"), **common)
    if step == "decide":
        return loan_decide(approve=yes, amount=data.get("amount"), note=note, **common)
    if step == "draw":
        return loan_draw(amount=data.get("amount"), due_on=data.get("due_on"), **common)
    if step == "repay":
        return loan_repay(amount=data.get("amount"), **common)
    if step == "overdue":
        return loan_overdue(note=note, **common)
    if step == "default":
        return loan_default(note=note, **common)
    if step == "compensate":
        return loan_compensate(**common)
    if step == "recover":
        return loan_recover(amount=data.get("amount"), note=note, **common)
    if step == "close":
        return loan_close(**common)
    raise ValidationFailed.single("step", _("Not a step of a loan."), Code.INVALID)


# --- overdue alerts -----------------------------------------------------------------------

OVERDUE_ALERT = "talent.loan_overdue"
OVERDUE_DETAIL = gettext_noop("Due on %(due)s, %(days)d days overdue, ¥%(owed)s outstanding")
_OWING = (core.State.DRAWN, core.State.REPAYING, core.State.OVERDUE)


def overdue_subject(loan: Loan) -> str:
    """One overdue spell of a loan: the loan and the due day it is past (a new due day, a new
    spell). Kept on the alert, so a spell is alerted once even after someone closed it."""
    return f"loan:{loan.pk}:due:{loan.due_on.isoformat()}"


def overdue_scan(*, park: Park, today: date, now=None) -> dict[str, int]:
    """Raise an alert for each loan of the park past its due day with principal outstanding,
    once per loan and spell (to the park's staff and the lending bank's staff); close the open
    ones whose loan is no longer owing past due (repaid, compensated, closed). Escalation is the
    alerts framework's clock (the kind's escalate_after_hours). Idempotent for a day."""
    system = system_actor(park, "talent.overdue")
    late = Loan.objects.filter(park=park, state__in=_OWING, due_on__lt=today).select_related(
        "enterprise"
    )
    wanted = {overdue_subject(loan): loan for loan in late if loan.outstanding_fen > 0}
    ever = set(Alert.objects.filter(park=park, kind=OVERDUE_ALERT, subject__in=list(wanted))
               .values_list("subject", flat=True))  # fmt: skip
    staff = list(role_holders(PARK_OPERATORS, park=park, is_active=True))
    raised = 0
    for subject, loan in wanted.items():
        if subject in ever:
            continue
        bankers = list(role_holders(frozenset({TALENT_BANK}), enterprise_id=loan.bank_id,
                                    is_active=True))  # fmt: skip
        days = (today - loan.due_on).days
        detail = stored(OVERDUE_DETAIL, due=loan.due_on.isoformat(), days=days,
                        owed=f"{core.to_yuan(loan.outstanding_fen):,}")  # fmt: skip
        alerts.alert_raise(
            actor=system, park=park, kind=OVERDUE_ALERT, subject=subject,
            title=loan.enterprise.name, detail=detail, link=reverse("talent:loan", args=[loan.pk]),
            enterprise_id=loan.enterprise_id,
            figure={"loan_id": loan.pk, "due_on": loan.due_on.isoformat(),
                    "outstanding_fen": loan.outstanding_fen},
            recipients=staff + bankers, now=now,
        )  # fmt: skip
        raised += 1
    cleared = 0
    for alert in Alert.objects.filter(park=park, kind=OVERDUE_ALERT).exclude(
        state=AlertState.CLOSED
    ):
        if alert.subject not in wanted:
            alerts.alert_close(actor=system, via="system", alert=alert,
                               reason=_("The loan is no longer overdue."), now=now)  # fmt: skip
            cleared += 1
    return {"raised": raised, "cleared": cleared}
