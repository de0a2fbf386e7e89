"""The demo's risk pool: the seeds' figures (2亿 scale, 6 enterprises, 2,620万, 13.1%), the
invented ones marked, the bank's login seeing only its loans, and a replay equal to the store."""

from decimal import Decimal

import pytest

from parkpilot.demo.services import demo_load
from parkpilot.talent import selectors
from parkpilot.talent.models import Loan, Pool
from parkpilot.tenancy.models import User

pytestmark = pytest.mark.django_db


def test_the_demo_pool_is_the_seeds():
    demo_load()
    pool = Pool.objects.get()
    assert pool.signed_on.isoformat() == "2020-07-17" and pool.credit_scale_fen == 200_000_000_00
    assert pool.principles == ["自主申请", "择优推荐", "风险共担"]
    assert [p.name for p in pool.parties.order_by("order")] == [
        "青山湖科技城管委会", "杭州市高科技投资有限公司", "杭州银行股份有限公司",
    ]  # fmt: skip
    assert pool.demo and "parties" in pool.demo_fields
    loans = Loan.objects.filter(pool=pool)
    assert loans.count() == 6 and all(loan.demo for loan in loans)
    assert pool.in_use_fen == 2620_0000_00  # 2,620万 drawn and outstanding
    assert pool.state().utilisation(pool.agreement()) == Decimal("0.131")
    state = selectors.replayed(pool)
    assert (state.in_use, state.fund_left) == (pool.in_use_fen, pool.fund_left_fen)
    banker = User.objects.get(username="bank-hz")
    assert selectors.bank_loans(user=banker).count() == 6
    assert list(selectors.loans(user=banker)) == []
    demo_load()  # a second load adds nothing
    assert Loan.objects.count() == 6 and Pool.objects.count() == 1
