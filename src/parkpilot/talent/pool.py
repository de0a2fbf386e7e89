"""The talent-finance loan risk pool (人才金融贷款风险池) as pure functions of its event log.

Amounts are whole fen (int) inside this module: exact, and the split below is integer
arithmetic. `to_fen`/`to_yuan` convert at the edges (Decimal, never float).

A loss (a defaulted loan's outstanding principal, at compensation) falls first on the pool's
fund, then on the parties by their fixed shares, each up to its cap; what a capped party cannot
take is split again among the others by their shares, and what no party can take stays
`uncovered` (the lending bank's own, beyond the agreement). A recovery goes back to those who
bore that loan's loss, pro rata to what each bore. Every split is by largest remainder, so the
pieces sum to the amount exactly.

`apply` moves one event into a `PoolState`; `replay` folds a whole log. The service applies the
same function to the stored balances, so a replay reproduces them (tested)."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

FEN = Decimal("0.01")
FUND = "fund"  # the pool's own first-loss fund, in the bearers' dicts
UNCOVERED = "uncovered"  # beyond every cap: the lender's own


def to_fen(amount) -> int:
    return int((Decimal(amount) / FEN).to_integral_value(rounding=ROUND_HALF_UP))


def to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) * FEN).quantize(FEN)


class State(StrEnum):
    APPLIED = "applied"  # 自主申请
    RECOMMENDED = "recommended"  # 择优推荐, with reasons
    NOT_RECOMMENDED = "not_recommended"
    APPROVED = "approved"  # the bank's credit decision
    DECLINED = "declined"
    DRAWN = "drawn"
    REPAYING = "repaying"
    OVERDUE = "overdue"
    DEFAULTED = "defaulted"
    COMPENSATED = "compensated"  # the pool and the parties paid the loss
    RECOVERED = "recovered"  # some of the loss came back
    CLOSED = "closed"


class Kind(StrEnum):
    APPLY = "apply"
    RECOMMEND = "recommend"
    NOT_RECOMMEND = "not_recommend"
    APPROVE = "approve"
    DECLINE = "decline"
    DRAW = "draw"
    REPAY = "repay"
    OVERDUE = "overdue"
    DEFAULT = "default"
    COMPENSATE = "compensate"
    RECOVER = "recover"
    CLOSE = "close"


_LIVE = (State.DRAWN, State.REPAYING, State.OVERDUE)
# Which states each event may start from (None: a loan not yet in the log).
FROM: dict[Kind, tuple] = {
    Kind.APPLY: (None,),
    Kind.RECOMMEND: (State.APPLIED,),
    Kind.NOT_RECOMMEND: (State.APPLIED,),
    Kind.APPROVE: (State.RECOMMENDED,),
    Kind.DECLINE: (State.RECOMMENDED,),
    Kind.DRAW: (State.APPROVED,),
    Kind.REPAY: _LIVE,
    Kind.OVERDUE: (State.DRAWN, State.REPAYING),
    Kind.DEFAULT: (State.OVERDUE,),
    Kind.COMPENSATE: (State.DEFAULTED,),
    Kind.RECOVER: (State.COMPENSATED, State.RECOVERED),
    Kind.CLOSE: (State.COMPENSATED, State.RECOVERED),
}
AMOUNTED = frozenset({Kind.APPLY, Kind.APPROVE, Kind.DRAW, Kind.REPAY, Kind.RECOVER})


class IllegalStep(Exception):
    """An event the loan's state or the pool's limits do not allow; `field` names the input."""

    def __init__(self, message: str, field: str = "kind"):
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class Party:
    code: str
    name: str
    share: int  # weight of the fixed split, e.g. 40
    cap: int | None = None  # fen: the most it bears net of recoveries; None: no cap


@dataclass(frozen=True)
class Agreement:
    credit_scale: int  # fen: the most drawn and outstanding at once
    fund: int  # fen: the pool's first-loss fund
    parties: tuple[Party, ...]


@dataclass(frozen=True)
class Event:
    loan: int | str
    kind: Kind
    amount: int = 0  # fen


@dataclass
class Loan:
    state: State | None = None
    requested: int = 0
    approved: int = 0
    drawn: int = 0
    repaid: int = 0
    loss: int = 0
    recovered: int = 0
    borne: dict[str, int] = field(default_factory=dict)  # this loan's loss, by bearer
    returned: dict[str, int] = field(default_factory=dict)  # its recoveries, by bearer

    @property
    def outstanding(self) -> int:
        return self.drawn - self.repaid - self.loss


@dataclass
class PoolState:
    fund_left: int
    in_use: int = 0  # outstanding principal of live loans
    bearers: dict[str, int] = field(default_factory=dict)  # net borne (paid - returned)
    paid: dict[str, int] = field(default_factory=dict)  # gross compensation, by bearer
    returned: dict[str, int] = field(default_factory=dict)
    loans: dict = field(default_factory=dict)

    @classmethod
    def opened(cls, agreement: Agreement) -> "PoolState":
        return cls(fund_left=agreement.fund)

    def utilisation(self, agreement: Agreement) -> Decimal:
        """Share of the credit scale in use, e.g. 0.131 (13.1%)."""
        return Decimal(self.in_use) / Decimal(agreement.credit_scale)


def largest_remainder(amount: int, weights: dict[str, int]) -> dict[str, int]:
    """Split `amount` fen by `weights` so the pieces sum to it: each its floor, then the fen
    left over to the largest remainders (ties in the weights' order)."""
    total = sum(weights.values())
    if total <= 0:
        raise ValueError("weights must sum to more than zero")
    base = {k: amount * w // total for k, w in weights.items()}
    left = amount - sum(base.values())
    order = sorted(weights, key=lambda k: -(amount * weights[k] % total))
    for k in order[:left]:
        base[k] += 1
    return base


def capped_split(amount: int, weights: dict[str, int], room: dict[str, int | None]):
    """Split by weights, no one above its room (None: unlimited); what the full ones cannot
    take is split again among the others. Returns (pieces, what nobody could take)."""
    taken = dict.fromkeys(weights, 0)
    active = [k for k, w in weights.items() if w > 0 and (room[k] is None or room[k] > 0)]
    left = amount
    while left > 0 and active:
        shares = largest_remainder(left, {k: weights[k] for k in active})
        left = 0
        for k in active:
            limit = shares[k] if room[k] is None else min(shares[k], room[k] - taken[k])
            taken[k] += limit
            left += shares[k] - limit
        active = [k for k in active if room[k] is None or taken[k] < room[k]]
    return taken, left


def waterfall(agreement: Agreement, state: PoolState, loss: int) -> dict[str, int]:
    """Who bears `loss` fen now: the fund first, then the parties by share within caps."""
    from_fund = min(loss, state.fund_left)
    weights = {p.code: p.share for p in agreement.parties}
    room = {
        p.code: None if p.cap is None else max(p.cap - state.bearers.get(p.code, 0), 0)
        for p in agreement.parties
    }
    shares, uncovered = capped_split(loss - from_fund, weights, room)
    return {FUND: from_fund, **shares, UNCOVERED: uncovered}


def recovery_split(loan: Loan, amount: int) -> dict[str, int]:
    """A recovery back to this loan's bearers, pro rata to what each bore, none above it."""
    weights = {k: v for k, v in loan.borne.items() if v > 0}
    room = {k: weights[k] - loan.returned.get(k, 0) for k in weights}
    pieces, left = capped_split(amount, weights, room)
    assert left == 0, "a recovery above the loss is refused before the split"
    return pieces


def _add(into: dict[str, int], pieces: dict[str, int], sign: int = 1) -> None:
    for k, v in pieces.items():
        into[k] = into.get(k, 0) + sign * v


def apply(agreement: Agreement, state: PoolState, event: Event) -> Loan:
    """Move one event into the state (in place); refuse an illegal step before changing it."""
    loan = state.loans.get(event.loan) or Loan()
    if loan.state not in FROM[event.kind]:
        raise IllegalStep(f"{event.kind} is not allowed from {loan.state or 'nothing'}")
    amount = event.amount
    if event.kind in AMOUNTED and amount <= 0:
        raise IllegalStep("the amount must be above zero", "amount")
    _check_limits(agreement, state, loan, event.kind, amount)
    state.loans[event.loan] = loan
    _STEPS[event.kind](state, loan, amount, agreement)
    return loan


def _check_limits(agreement, state, loan, kind, amount) -> None:
    if kind == Kind.APPROVE and amount > loan.requested:
        raise IllegalStep("the approved credit is above the amount applied for", "amount")
    if kind == Kind.DRAW:
        if amount > loan.approved:
            raise IllegalStep("the drawdown is above the approved credit", "amount")
        if state.in_use + amount > agreement.credit_scale:
            raise IllegalStep("the drawdown would exceed the pool's credit scale", "amount")
    if kind == Kind.REPAY and amount > loan.outstanding:
        raise IllegalStep("the repayment is above the outstanding principal", "amount")
    if kind == Kind.RECOVER and amount > loan.loss - loan.recovered:
        raise IllegalStep("the recovery is above the loss not yet recovered", "amount")


def _apply_loan(state, loan, amount, agreement):
    loan.state, loan.requested = State.APPLIED, amount


def _to(target: State):
    def step(state, loan, amount, agreement):
        loan.state = target

    return step


def _approve(state, loan, amount, agreement):
    loan.state, loan.approved = State.APPROVED, amount


def _draw(state, loan, amount, agreement):
    loan.state, loan.drawn = State.DRAWN, amount
    state.in_use += amount


def _repay(state, loan, amount, agreement):
    loan.repaid += amount
    state.in_use -= amount
    loan.state = State.CLOSED if loan.outstanding == 0 else State.REPAYING


def _compensate(state, loan, amount, agreement):
    loss = loan.outstanding
    pieces = waterfall(agreement, state, loss)
    loan.loss, loan.borne, loan.state = loss, pieces, State.COMPENSATED
    state.in_use -= loss
    state.fund_left -= pieces[FUND]
    _add(state.bearers, pieces)
    _add(state.paid, pieces)


def _recover(state, loan, amount, agreement):
    pieces = recovery_split(loan, amount)
    loan.recovered += amount
    _add(loan.returned, pieces)
    state.fund_left += pieces.get(FUND, 0)
    _add(state.bearers, pieces, -1)
    _add(state.returned, pieces)
    loan.state = State.RECOVERED


_STEPS = {
    Kind.APPLY: _apply_loan,
    Kind.RECOMMEND: _to(State.RECOMMENDED),
    Kind.NOT_RECOMMEND: _to(State.NOT_RECOMMENDED),
    Kind.APPROVE: _approve,
    Kind.DECLINE: _to(State.DECLINED),
    Kind.DRAW: _draw,
    Kind.REPAY: _repay,
    Kind.OVERDUE: _to(State.OVERDUE),
    Kind.DEFAULT: _to(State.DEFAULTED),
    Kind.COMPENSATE: _compensate,
    Kind.RECOVER: _recover,
    Kind.CLOSE: _to(State.CLOSED),
}


def replay(agreement: Agreement, events) -> PoolState:
    """The pool's balances and shares from its whole log, in order."""
    state = PoolState.opened(agreement)
    for event in events:
        apply(agreement, state, event)
    return state
