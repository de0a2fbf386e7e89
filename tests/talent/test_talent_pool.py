"""The risk pool's pure core: the loss waterfall, recoveries, the loan lifecycle and replay.
A hand-worked example, then Hypothesis properties over random agreements and logs."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parkpilot.talent.pool import (
    FUND,
    UNCOVERED,
    Agreement,
    Event,
    IllegalStep,
    Kind,
    Party,
    State,
    apply,
    capped_split,
    largest_remainder,
    recovery_split,
    replay,
    to_fen,
    to_yuan,
    waterfall,
)

# The hand example's agreement: a fund of ¥100.00 takes the first loss, then 园区 40 / 杭州高投 40
# / 杭州银行 20, the first two capped at ¥150.00 each, the bank without a cap.
HAND = Agreement(
    credit_scale=to_fen("10000.00"),
    fund=to_fen("100.00"),
    parties=(
        Party("park", "园区", 40, to_fen("150.00")),
        Party("htic", "杭州市高科技投资有限公司", 40, to_fen("150.00")),
        Party("bank", "杭州银行", 20, None),
    ),
)


def _through_default(loan, amount, repaid=0):
    events = [Event(loan, Kind.APPLY, amount), Event(loan, Kind.RECOMMEND),
              Event(loan, Kind.APPROVE, amount), Event(loan, Kind.DRAW, amount)]  # fmt: skip
    if repaid:
        events.append(Event(loan, Kind.REPAY, repaid))
    return [*events, Event(loan, Kind.OVERDUE), Event(loan, Kind.DEFAULT)]


def test_the_hand_worked_example():
    log = [
        *_through_default(1, to_fen("1000.00"), repaid=to_fen("700.00")),
        Event(1, Kind.COMPENSATE),
        *_through_default(2, to_fen("500.00")),
        Event(2, Kind.COMPENSATE),
        Event(2, Kind.RECOVER, to_fen("100.00")),
    ]
    state = replay(HAND, log)
    # Loan 1: ¥1,000.00 drawn, ¥700.00 repaid, so the loss is ¥300.00: the fund's ¥100.00
    # first, the other ¥200.00 by 40/40/20 = ¥80.00 / ¥80.00 / ¥40.00.
    assert state.loans[1].borne == {FUND: 10000, "park": 8000, "htic": 8000, "bank": 4000,
                                    UNCOVERED: 0}  # fmt: skip
    # Loan 2: loss ¥500.00, the fund is empty; 40/40/20 would be 200/200/100, but 园区 and 高投
    # have ¥150.00 - ¥80.00 = ¥70.00 of cap left each, so the bank takes its ¥100.00 plus the
    # ¥130.00 + ¥130.00 they cannot: ¥360.00.
    assert state.loans[2].borne == {FUND: 0, "park": 7000, "htic": 7000, "bank": 36000,
                                    UNCOVERED: 0}  # fmt: skip
    # ¥100.00 recovered on loan 2 goes back 70 : 70 : 360 of 500 = ¥14.00 / ¥14.00 / ¥72.00.
    assert state.loans[2].returned == {"park": 1400, "htic": 1400, "bank": 7200}
    # 园区 net: 80 + 70 - 14 = ¥136.00; the bank: 40 + 360 - 72 = ¥328.00.
    assert to_yuan(state.bearers["park"]) == Decimal("136.00")
    assert to_yuan(state.bearers["bank"]) == Decimal("328.00")
    assert state.fund_left == 0 and state.in_use == 0
    assert state.loans[2].state == State.RECOVERED


def test_largest_remainder_gives_the_odd_fen_to_the_largest_remainder():
    # ¥100.01 by 40/40/20 = 4000.4 / 4000.4 / 2000.2 fen: floors sum to 10000, the one fen
    # left goes to the first of the two largest remainders (0.4, 0.4 > 0.2).
    assert largest_remainder(10001, {"park": 40, "htic": 40, "bank": 20}) == {
        "park": 4001, "htic": 4000, "bank": 2000}  # fmt: skip


def test_beyond_every_cap_the_loss_is_uncovered():
    agreement = Agreement(100_000, 0, (Party("a", "A", 50, 300), Party("b", "B", 50, 200)))
    state = replay(agreement, [])
    assert waterfall(agreement, state, 1000) == {FUND: 0, "a": 300, "b": 200, UNCOVERED: 500}


def test_utilisation_is_the_outstanding_principal_over_the_scale():
    # The demo's 2020 figure: 2,620万 of 2亿 = 13.1% (seed-facts talent_finance).
    agreement = Agreement(to_fen("200000000"), to_fen("10000000"), HAND.parties)
    log = []
    for n, amount in enumerate(("6000000", "5000000", "5000000", "4200000", "3000000", "3000000")):
        fen = to_fen(amount)
        log += [
            Event(n, Kind.APPLY, fen),
            Event(n, Kind.RECOMMEND),
            Event(n, Kind.APPROVE, fen),
            Event(n, Kind.DRAW, fen),
        ]
    state = replay(agreement, log)
    assert to_yuan(state.in_use) == Decimal("26200000.00")
    assert state.utilisation(agreement) == Decimal("0.131")


@pytest.mark.parametrize(
    "before, event",
    [
        ([], Event(1, Kind.DRAW, 100)),  # drawn before it was applied for
        ([Event(1, Kind.APPLY, 100)], Event(1, Kind.APPROVE, 100)),  # approved unrecommended
        ([Event(1, Kind.APPLY, 100)], Event(1, Kind.APPLY, 100)),  # applied twice
        (_through_default(1, 100)[:4], Event(1, Kind.COMPENSATE)),  # compensated, not defaulted
        (_through_default(1, 100)[:4], Event(1, Kind.DEFAULT)),  # defaulted, never overdue
        ([*_through_default(1, 100), Event(1, Kind.COMPENSATE), Event(1, Kind.CLOSE)],
         Event(1, Kind.RECOVER, 10)),  # recovered after closing
    ],
)  # fmt: skip
def test_illegal_steps_are_refused_and_change_nothing(before, event):
    state = replay(HAND, before)
    snapshot = repr(state)
    with pytest.raises(IllegalStep, match="not allowed from"):
        apply(HAND, state, event)
    assert repr(state) == snapshot


@pytest.mark.parametrize(
    "event, reason",
    [
        (Event(1, Kind.DRAW, 101), "above the approved credit"),
        (Event(1, Kind.DRAW, 0), "above zero"),
    ],
)
def test_amounts_outside_the_limits_are_refused(event, reason):
    state = replay(HAND, [Event(1, Kind.APPLY, 100), Event(1, Kind.RECOMMEND),
                          Event(1, Kind.APPROVE, 100)])  # fmt: skip
    with pytest.raises(IllegalStep, match=reason) as refused:
        apply(HAND, state, event)
    assert refused.value.field == "amount"


def test_a_drawdown_beyond_the_credit_scale_is_refused():
    agreement = Agreement(1000, 0, HAND.parties)
    second = [Event(2, Kind.APPLY, 500), Event(2, Kind.RECOMMEND), Event(2, Kind.APPROVE, 500)]
    state = replay(agreement, [*_through_default(1, 600)[:4], *second])
    with pytest.raises(IllegalStep, match="credit scale"):
        apply(agreement, state, Event(2, Kind.DRAW, 500))


# --- properties --------------------------------------------------------------------------

parties = st.lists(
    st.tuples(st.integers(0, 100), st.one_of(st.none(), st.integers(0, 10**9))),
    min_size=1, max_size=4,
).filter(lambda ps: sum(s for s, _ in ps) > 0)  # fmt: skip
agreements = st.builds(
    lambda scale, fund, ps: Agreement(
        scale, fund, tuple(Party(f"p{i}", f"P{i}", s, c) for i, (s, c) in enumerate(ps))
    ),
    st.integers(10**6, 10**12),
    st.integers(0, 10**9),
    parties,
)


@st.composite
def logs(draw):
    """A random log of whole lifecycles: some repaid, some defaulted, compensated, recovered."""
    agreement = draw(agreements)
    events = []
    for loan in range(draw(st.integers(1, 12))):
        amount = draw(st.integers(1, 10**9))
        events += [Event(loan, Kind.APPLY, amount), Event(loan, Kind.RECOMMEND),
                   Event(loan, Kind.APPROVE, amount)]  # fmt: skip
        if sum(e.amount for e in events if e.kind == Kind.DRAW) + amount > agreement.credit_scale:
            continue
        events.append(Event(loan, Kind.DRAW, amount))
        repaid = draw(st.integers(0, amount - 1))
        if repaid:
            events.append(Event(loan, Kind.REPAY, repaid))
        if draw(st.booleans()):
            events.append(Event(loan, Kind.REPAY, amount - repaid))
            continue
        events += [Event(loan, Kind.OVERDUE), Event(loan, Kind.DEFAULT),
                   Event(loan, Kind.COMPENSATE)]  # fmt: skip
        left = amount - repaid
        for _ in range(draw(st.integers(0, 3))):
            if left == 0:
                break
            back = draw(st.integers(1, left))
            events.append(Event(loan, Kind.RECOVER, back))
            left -= back
    return agreement, events


@settings(max_examples=200, deadline=None)
@given(logs())
def test_shares_sum_to_each_loss_and_no_party_exceeds_its_cap(case):
    agreement, events = case
    state = replay(agreement, events)
    caps = {p.code: p.cap for p in agreement.parties}
    for loan in state.loans.values():
        if loan.loss:
            assert sum(loan.borne.values()) == loan.loss
            assert all(v >= 0 for v in loan.borne.values())
        assert sum(loan.returned.values()) == loan.recovered
        assert all(loan.returned[k] <= loan.borne[k] for k in loan.returned)
    for code, cap in caps.items():
        assert cap is None or state.paid.get(code, 0) - state.returned.get(code, 0) <= cap
    assert 0 <= state.fund_left <= agreement.fund
    # The books balance: every fen drawn was repaid, is outstanding, or was borne by someone.
    drawn = sum(loan.drawn for loan in state.loans.values())
    repaid = sum(loan.repaid for loan in state.loans.values())
    assert drawn == repaid + state.in_use + sum(state.paid.values())


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(st.sampled_from([FUND, "a", "b", "c", UNCOVERED]), st.integers(0, 10**8),
                    min_size=1).filter(lambda d: sum(d.values()) > 0),
    st.data(),
)  # fmt: skip
def test_a_recovery_goes_back_pro_rata_within_a_fen(borne, data):
    from parkpilot.talent.pool import Loan

    loan = Loan(loss=sum(borne.values()), borne=borne)
    amount = data.draw(st.integers(1, loan.loss))
    pieces = recovery_split(loan, amount)
    assert sum(pieces.values()) == amount
    for k, v in pieces.items():
        exact = Decimal(amount) * borne[k] / loan.loss
        assert abs(v - exact) < 1  # largest remainder: each within one fen of its exact share


@settings(max_examples=100, deadline=None)
@given(logs(), st.data())
def test_applying_events_one_by_one_onto_stored_balances_equals_a_replay(case, data):
    """What the service does (apply each new event to the stored state, saved in between)
    reproduces a replay of the whole log."""
    agreement, events = case
    cut = data.draw(st.integers(0, len(events)))
    stored = replay(agreement, events[:cut])
    for event in events[cut:]:
        apply(agreement, stored, event)
    assert stored == replay(agreement, events)


@given(st.integers(0, 10**9), st.dictionaries(st.text(min_size=1, max_size=3),
       st.integers(0, 100), min_size=1), st.data())  # fmt: skip
def test_a_capped_split_never_loses_a_fen(amount, weights, data):
    room = {k: data.draw(st.one_of(st.none(), st.integers(0, 10**9))) for k in weights}
    if sum(weights.values()) == 0:
        return
    pieces, left = capped_split(amount, weights, room)
    assert sum(pieces.values()) + left == amount
    assert all(room[k] is None or pieces[k] <= room[k] for k in pieces)
