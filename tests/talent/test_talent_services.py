"""The risk pool as an installed app: each step through the services, who may take it, clear
refusals, the stored balances equal to a replay of the stored log (a hand case, then Hypothesis
over random sequences of service calls), and tenancy of the loans."""

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parkpilot.talent import pool as core
from parkpilot.talent import selectors, services
from parkpilot.talent.models import Loan, LoanEvent, Pool
from parkpilot.talent.roles import TALENT_BANK
from parkpilot.tenancy.audit import AuditLog
from parkpilot.tenancy.errors import Forbidden, NotFound, ValidationFailed
from parkpilot.tenancy.models import Enterprise, Park, Role, User
from tests.talent.conftest import PARTIES, make_bank

pytestmark = pytest.mark.django_db
ON = date(2020, 8, 1)


def _stored_equals_replay(pool: Pool) -> None:
    pool.refresh_from_db()
    state = selectors.replayed(pool)
    assert (state.fund_left, state.in_use) == (pool.fund_left_fen, pool.in_use_fen)
    assert state.bearers == pool.bearers and state.paid == pool.paid
    assert state.returned == pool.returned
    for loan in Loan.objects.filter(pool=pool):
        assert state.loans[loan.pk] == loan.as_core()


def _through_default(personas, banker, risk_pool, ent_a, amount="300.00"):
    loan = services.loan_apply(actor=personas["ent_a_admin"], via="test", pool=risk_pool,
                               enterprise=ent_a, amount=amount, purpose="设备", on=ON)  # fmt: skip
    services.loan_recommend(actor=personas["park_staff"], via="test", loan=loan,
                            reasons="国家高新技术企业，D类人才领衔", on=ON)  # fmt: skip
    services.loan_decide(actor=banker, via="test", loan=loan, approve=True, on=ON)
    services.loan_draw(actor=banker, via="test", loan=loan, amount=amount, on=ON,
                       due_on=ON + timedelta(days=365))  # fmt: skip
    services.loan_repay(actor=banker, via="test", loan=loan, amount="50.00", on=ON)
    services.loan_overdue(actor=banker, via="test", loan=loan, on=ON)
    services.loan_default(actor=banker, via="test", loan=loan, on=ON)
    return loan


def test_a_loan_from_application_to_recovery_by_hand(personas, banker, risk_pool, ent_a):
    loan = _through_default(personas, banker, risk_pool, ent_a)
    risk_pool.refresh_from_db()
    assert risk_pool.in_use_fen == 25000  # ¥300 drawn, ¥50 repaid
    services.loan_compensate(actor=personas["park_staff"], via="test", loan=loan, on=ON)
    loan.refresh_from_db()
    # Loss ¥250: the fund ¥100 first, then ¥150 by 40/40/20 = ¥60 / ¥60 / ¥30 (caps ¥150 not hit).
    assert loan.borne == {"fund": 10000, "park": 6000, "htic": 6000, "bank": 3000, "uncovered": 0}
    services.loan_recover(actor=banker, via="test", loan=loan, amount="50.00", on=ON)
    loan.refresh_from_db()
    # ¥50 back pro rata to 100:60:60:30 of 250: ¥20 / ¥12 / ¥12 / ¥6.
    assert loan.returned == {"fund": 2000, "park": 1200, "htic": 1200, "bank": 600}
    risk_pool.refresh_from_db()
    assert (risk_pool.fund_left_fen, risk_pool.in_use_fen) == (2000, 0)
    assert risk_pool.bearers == {"fund": 8000, "park": 4800, "htic": 4800, "bank": 2400,
                                 "uncovered": 0}  # fmt: skip
    assert loan.reasons == "国家高新技术企业，D类人才领衔" and loan.state == "recovered"
    assert list(LoanEvent.objects.filter(loan=loan).values_list("kind", flat=True)) == [
        "apply", "recommend", "approve", "draw", "repay", "overdue", "default", "compensate",
        "recover",
    ]  # fmt: skip
    assert list(LoanEvent.objects.values_list("seq", flat=True)) == list(range(1, 10))
    assert AuditLog.objects.filter(action__startswith="talent.loan_").count() == 9
    _stored_equals_replay(risk_pool)


def test_refusals_name_the_field_and_change_nothing(personas, banker, risk_pool, ent_a):
    apply = dict(actor=personas["ent_a_admin"], via="test", pool=risk_pool, enterprise=ent_a,
                 purpose="流动资金", on=ON)  # fmt: skip
    for amount, code in (("abc", "not_a_number"), ("1.001", "format"), ("0", "out_of_range")):
        with pytest.raises(ValidationFailed) as exc:
            services.loan_apply(amount=amount, **apply)
        assert [(e.field, e.code) for e in exc.value.errors] == [("amount", code)]
    with pytest.raises(ValidationFailed) as exc:
        services.loan_apply(**{**apply, "purpose": " "}, amount="10")
    assert exc.value.errors[0].field == "purpose"
    loan = services.loan_apply(amount="20000.00", **apply)
    with pytest.raises(ValidationFailed) as exc:  # the bank's decision before 择优推荐
        services.loan_decide(actor=banker, via="test", loan=loan, approve=True, on=ON)
    assert [(e.field, e.code) for e in exc.value.errors] == [("kind", "invalid_transition")]
    with pytest.raises(ValidationFailed) as exc:
        services.loan_recommend(actor=personas["park_staff"], via="test", loan=loan, reasons="",
                                on=ON)  # fmt: skip
    assert exc.value.errors[0].field == "reasons"
    services.loan_recommend(actor=personas["park_staff"], via="test", loan=loan, reasons="好",
                            on=ON)  # fmt: skip
    services.loan_decide(actor=banker, via="test", loan=loan, approve=True, on=ON)
    with pytest.raises(ValidationFailed) as exc:  # ¥20,000 approved, the scale is ¥10,000
        services.loan_draw(actor=banker, via="test", loan=loan, amount="20000.00", on=ON,
                           due_on="2021-08-01")  # fmt: skip
    assert [(e.field, e.code) for e in exc.value.errors] == [("amount", "above_limit")]
    assert "credit scale" in str(exc.value) or "授信规模" in str(exc.value)
    with pytest.raises(ValidationFailed) as exc:
        services.loan_draw(actor=banker, via="test", loan=loan, amount="100", on=ON,
                           due_on="2020-07-01")  # fmt: skip
    assert exc.value.errors[0].field == "due_on"
    loan.refresh_from_db()
    assert loan.state == "approved" and loan.drawn_fen == 0
    assert LoanEvent.objects.count() == 3
    _stored_equals_replay(risk_pool)


def test_each_step_is_its_roles(personas, banker, risk_pool, ent_a, ent_b, park):
    with pytest.raises(Forbidden):  # one enterprise cannot apply for another
        services.loan_apply(actor=personas["ent_b_user"], via="test", pool=risk_pool,
                            enterprise=ent_a, amount="10", purpose="x", on=ON)  # fmt: skip
    loan = services.loan_apply(actor=personas["ent_a_user"], via="test", pool=risk_pool,
                               enterprise=ent_a, amount="10", purpose="x", on=ON)  # fmt: skip
    for actor in (personas["ent_a_admin"], banker):  # 择优推荐 is the park's
        with pytest.raises(Forbidden):
            services.loan_recommend(actor=actor, via="test", loan=loan, reasons="r", on=ON)
    services.loan_recommend(actor=personas["park_staff"], via="test", loan=loan, reasons="r",
                            on=ON)  # fmt: skip
    other_bank = make_bank(park, "另一家银行股份有限公司")
    stranger = User.objects.create_user(username="other-banker", password="x", role=TALENT_BANK,
                                        park=park, enterprise=other_bank)  # fmt: skip
    for actor in (personas["park_staff"], personas["ent_a_admin"], stranger):  # the bank's
        with pytest.raises(Forbidden):
            services.loan_decide(actor=actor, via="test", loan=loan, approve=True, on=ON)
    assert Loan.objects.get(pk=loan.pk).state == "recommended"


def test_tenancy_of_loans(personas, banker, risk_pool, ent_a, ent_b, park):
    mine = services.loan_apply(actor=personas["ent_a_admin"], via="test", pool=risk_pool,
                               enterprise=ent_a, amount="10", purpose="x", on=ON)  # fmt: skip
    theirs = services.loan_apply(actor=personas["ent_b_user"], via="test", pool=risk_pool,
                                 enterprise=ent_b, amount="10", purpose="y", on=ON)  # fmt: skip
    assert [x.pk for x in selectors.loans(user=personas["ent_a_user"])] == [mine.pk]
    with pytest.raises(NotFound):
        selectors.loan_get(user=personas["ent_a_user"], loan_id=theirs.pk)
    for outsider in ("other_park_admin", "resident", "gateway"):
        with pytest.raises(NotFound):
            selectors.loan_get(user=personas[outsider], loan_id=mine.pk)
    assert {x.pk for x in selectors.loans(user=personas["park_staff"])} == {mine.pk, theirs.pk}
    # The bank: only the pool's loans it holds, never through the staff's or borrowers' reads.
    assert {x.pk for x in selectors.bank_loans(user=banker)} == {mine.pk, theirs.pk}
    assert list(selectors.loans(user=banker)) == []
    assert list(selectors.bank_loans(user=personas["ent_a_admin"])) == []
    other_bank = make_bank(park, "另一家银行股份有限公司")
    other_pool = services.pool_open(actor=personas["park_admin"], via="test", park=park,
                                    name="另一个池", signed_on=ON, bank=other_bank,
                                    credit_scale="1000", fund="0", parties=PARTIES)  # fmt: skip
    elsewhere = services.loan_apply(actor=personas["ent_a_admin"], via="test", pool=other_pool,
                                    enterprise=ent_a, amount="5", purpose="z", on=ON)  # fmt: skip
    assert elsewhere.pk not in {x.pk for x in selectors.bank_loans(user=banker)}
    with pytest.raises(NotFound):
        selectors.bank_loan_get(user=banker, loan_id=elsewhere.pk)


# --- any sequence of service calls: stored balances == replay of the stored log -------------

STEPS = st.lists(
    st.tuples(
        st.sampled_from(["apply", "recommend", "not_recommend", "approve", "decline", "draw",
                         "repay", "overdue", "default", "compensate", "recover", "close"]),
        st.integers(0, 3),  # which loan (of those applied for so far)
        st.integers(1, 600_000),  # fen
    ),
    min_size=1,
    max_size=30,
)  # fmt: skip
WORLDS = iter(range(10**6))


def _call(kind, loan, fen, pool, world):
    staff, banker, ent = world["staff"], world["banker"], world["ent"]
    yuan = core.to_yuan(fen)
    common = {"via": "test", "on": ON}
    if kind == "apply":
        services.loan_apply(actor=world["ent_admin"], pool=pool, enterprise=ent, amount=yuan,
                            purpose="p", **common)  # fmt: skip
    elif kind in ("recommend", "not_recommend"):
        services.loan_recommend(actor=staff, loan=loan, recommend=kind == "recommend",
                                reasons="r", **common)  # fmt: skip
    elif kind in ("approve", "decline"):
        services.loan_decide(actor=banker, loan=loan, approve=kind == "approve", amount=yuan,
                             **common)  # fmt: skip
    elif kind == "draw":
        services.loan_draw(actor=banker, loan=loan, amount=yuan, due_on="2021-08-01", **common)
    elif kind == "repay":
        services.loan_repay(actor=banker, loan=loan, amount=yuan, **common)
    elif kind == "overdue":
        services.loan_overdue(actor=banker, loan=loan, **common)
    elif kind == "default":
        services.loan_default(actor=banker, loan=loan, **common)
    elif kind == "compensate":
        services.loan_compensate(actor=staff, loan=loan, **common)
    elif kind == "recover":
        services.loan_recover(actor=staff, loan=loan, amount=yuan, **common)
    else:
        services.loan_close(actor=staff, loan=loan, **common)


def _world(n):
    park = Park.objects.create(code=f"tp{n}", name=f"园区{n}")
    bank = Enterprise.objects.create(park=park, name=f"银行{n}", credit_code=f"K{n}")
    ent = Enterprise.objects.create(park=park, name=f"企业{n}", credit_code=f"E{n}")
    mk = User.objects.create
    world = {
        "staff": mk(username=f"tp-staff-{n}", role=Role.PARK_STAFF, park=park),
        "banker": mk(username=f"tp-bank-{n}", role=TALENT_BANK, park=park, enterprise=bank),
        "ent_admin": mk(username=f"tp-ent-{n}", role=Role.ENTERPRISE_ADMIN, park=park,
                        enterprise=ent),
        "ent": ent,
    }  # fmt: skip
    pool = services.pool_open(actor=world["staff"], via="test", park=park, name="P",
                              signed_on=ON, bank=bank, credit_scale="10000.00", fund="1000.00",
                              parties=[{"code": "a", "name": "A", "share": 40, "cap": "800"},
                                       {"code": "b", "name": "B", "share": 40, "cap": "500"},
                                       {"code": "c", "name": "C", "share": 20}])  # fmt: skip
    return pool, world


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=STEPS)
def test_any_sequence_of_calls_replays_to_the_stored_balances(db, steps):
    pool, world = _world(next(WORLDS))
    applied = refused = 0
    for kind, which, fen in steps:
        loans = list(Loan.objects.filter(pool=pool).order_by("pk"))
        if kind != "apply" and not loans:
            continue
        loan = loans[which % len(loans)] if loans else None
        try:
            _call(kind, loan, fen, pool, world)
            applied += 1
        except ValidationFailed as refusal:
            assert refusal.errors[0].field in ("kind", "amount")
            refused += 1
    assert LoanEvent.objects.filter(pool=pool).count() == applied
    _stored_equals_replay(pool)
    state = selectors.replayed(pool)
    paid = sum(state.paid.values())
    assert paid == sum(loan.loss for loan in state.loans.values())  # every loss borne to the fen
