"""Risk pool page routes that name a loan (tests/tenancy/test_page_isolation.py)."""

from helpers import PageCase
from parkpilot.talent import services
from parkpilot.talent.roles import TALENT_BANK
from parkpilot.tenancy.credit_code import make_demo_credit_code
from parkpilot.tenancy.models import Enterprise, User

BANK = "杭州银行股份有限公司"


def _loan(personas, ent_a):
    park = ent_a.park
    bank = Enterprise.objects.create(park=park, name=BANK, credit_code=make_demo_credit_code(BANK),
                                     industry_code="J66")  # fmt: skip
    # The bank's staff are no persona of the harness: the case adds its own.
    personas["banker"] = User.objects.create_user(
        username="banker", password="pw-banker", role=TALENT_BANK, park=park, enterprise=bank
    )
    pool = services.pool_open(
        actor=personas["park_admin"],
        via="test",
        park=park,
        name="风险池",
        signed_on="2020-07-17",
        bank=bank,
        credit_scale="10000.00",
        fund="100.00",
        parties=[{"code": "park", "name": "园区", "share": 1}],
    )
    loan = services.loan_apply(actor=personas["ent_a_user"], via="test", pool=pool,
                               enterprise=ent_a, amount="100.00", purpose="设备",
                               on="2020-08-01")  # fmt: skip
    return {"loan_id": loan.pk}, loan


def _step(personas, ent_a):
    kwargs, loan = _loan(personas, ent_a)
    return {**kwargs, "step": "recommend"}, loan


PAGE_CASES = {
    "talent:loan": PageCase(_loan, owner="ent_a_user"),
    "talent:loan_step": PageCase(_step, owner="park_staff"),
    "talent:bank_loan": PageCase(_loan, owner="banker"),
}
