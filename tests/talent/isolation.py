"""Tenant isolation of /api/v1/talent: ent_b's users and another park's admin neither see nor
change ent_a's loan (404, nothing changed); the pool is the park's staff's alone."""

from parkpilot.talent import services
from parkpilot.talent.models import Loan, LoanEvent
from parkpilot.tenancy.credit_code import make_demo_credit_code
from parkpilot.tenancy.models import Enterprise

OUTSIDERS = ("ent_b_user", "other_park_admin")
BANK = "杭州银行股份有限公司"


def _loan(personas, ent_a) -> Loan:
    park = ent_a.park
    bank = Enterprise.objects.create(park=park, name=BANK, credit_code=make_demo_credit_code(BANK),
                                     industry_code="J66")  # fmt: skip
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
    return services.loan_apply(actor=personas["ent_a_user"], via="test", pool=pool,
                               enterprise=ent_a, amount="100.00", purpose="设备",
                               on="2020-08-01")  # fmt: skip


def _pool(api_as, personas, ent_a, ent_b):
    _loan(personas, ent_a)
    for who in (*OUTSIDERS, "ent_a_user"):
        assert api_as(who).get("/api/v1/talent/pool").status_code == 404
    assert api_as("park_staff").get("/api/v1/talent/pool").json()["credit_scale_fen"] == 1_000_000


def _list(api_as, personas, ent_a, ent_b):
    loan = _loan(personas, ent_a)
    for who in OUTSIDERS:
        assert api_as(who).get("/api/v1/talent/loans").json()["items"] == []
    items = api_as("ent_a_user").get("/api/v1/talent/loans").json()["items"]
    assert [i["id"] for i in items] == [loan.pk]


def _apply(api_as, personas, ent_a, ent_b):
    _loan(personas, ent_a)
    body = {"amount": "50.00", "purpose": "流动资金", "on": "2020-08-02"}
    assert api_as("other_park_admin").post("/api/v1/talent/loans", body).status_code == 404
    made = api_as("ent_b_user").post("/api/v1/talent/loans", body)
    assert made.status_code == 201 and made.json()["enterprise_id"] == ent_b.pk  # its own only
    assert Loan.objects.filter(enterprise=ent_a).count() == 1


def _detail(api_as, personas, ent_a, ent_b):
    loan = _loan(personas, ent_a)
    for who in OUTSIDERS:
        assert api_as(who).get(f"/api/v1/talent/loans/{loan.pk}").status_code == 404
    assert api_as("ent_a_user").get(f"/api/v1/talent/loans/{loan.pk}").json()["state"] == "applied"


def _step(api_as, personas, ent_a, ent_b):
    loan = _loan(personas, ent_a)
    url = f"/api/v1/talent/loans/{loan.pk}/steps/recommend"
    body = {"on": "2020-08-02", "reasons": "越权推荐"}
    for who in OUTSIDERS:
        assert api_as(who).post(url, body).status_code == 404
    assert Loan.objects.get(pk=loan.pk).state == "applied" and LoanEvent.objects.count() == 1
    assert api_as("park_staff").post(url, body).json()["state"] == "recommended"


CASES = {
    ("GET", "/api/v1/talent/pool"): _pool,
    ("GET", "/api/v1/talent/loans"): _list,
    ("POST", "/api/v1/talent/loans"): _apply,
    ("GET", "/api/v1/talent/loans/{loan_id}"): _detail,
    ("POST", "/api/v1/talent/loans/{loan_id}/steps/{step}"): _step,
}
