"""The risk pool's pages: the park's overview with its figures, the bank's desk with only its
loans, an enterprise's application and loans, each step a form posting to the service (errors by
field, nothing changed on a refusal), the XLSX export, and 404 across tenants."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from parkpilot.talent import services
from parkpilot.talent.models import Loan, LoanEvent
from parkpilot.tenancy.models import User
from tests.talent.conftest import make_bank

pytestmark = pytest.mark.django_db
ON = date(2020, 8, 1)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _applied(personas, risk_pool, enterprise, amount="300.00"):
    """ent_a applies itself; another enterprise through the park's staff (on its behalf)."""
    actor = (
        personas["ent_a_admin"]
        if enterprise.pk == personas["ent_a_admin"].enterprise_id
        else (personas["park_staff"])
    )
    return services.loan_apply(actor=actor, via="test", pool=risk_pool,
                               enterprise=enterprise, amount=amount, purpose="设备",
                               on=ON)  # fmt: skip


def _drawn(personas, banker, risk_pool, ent_a, amount="300.00"):
    loan = _applied(personas, risk_pool, ent_a, amount)
    services.loan_recommend(actor=personas["park_staff"], via="test", loan=loan,
                            reasons="D类人才领衔", on=ON)  # fmt: skip
    services.loan_decide(actor=banker, via="test", loan=loan, approve=True, on=ON)
    services.loan_draw(actor=banker, via="test", loan=loan, amount=amount, on=ON,
                       due_on=ON + timedelta(days=365))  # fmt: skip
    return loan


def test_the_overview_shows_the_pools_figures_by_hand(personas, banker, risk_pool, ent_a, ent_b):
    loan = _drawn(personas, banker, risk_pool, ent_a)
    _drawn(personas, banker, risk_pool, ent_b, amount="1000.00")
    services.loan_repay(actor=banker, via="test", loan=loan, amount="50.00", on=ON)
    services.loan_overdue(actor=banker, via="test", loan=loan, on=ON)
    services.loan_default(actor=banker, via="test", loan=loan, on=ON)
    services.loan_compensate(actor=personas["park_staff"], via="test", loan=loan, on=ON)
    services.loan_recover(actor=banker, via="test", loan=loan, amount="50.00", on=ON)
    response = _client(personas["park_staff"]).get("/talent/")
    assert response.status_code == 200
    f = response.context["figures"]
    # Scale ¥10,000; in use only ent_b's ¥1,000 (ent_a's ¥250 loss left the pool): 10%.
    assert (f["scale"], f["in_use"], f["utilisation"]) == (1_000_000, 100_000, Decimal("0.1"))
    assert f["drawn"] == 130_000  # ¥300 + ¥1,000
    # Loss ¥250: fund ¥100, then 40/40/20 of ¥150 = 60/60/30; ¥50 back as 20/12/12/6.
    assert (f["compensated"], f["recovered"], f["uncovered"]) == (25_000, 5_000, 0)
    assert [(s["code"], s["paid"], s["returned"], s["net"]) for s in f["shares"]] == [
        ("fund", 10_000, 2_000, 8_000), ("park", 6_000, 1_200, 4_800),
        ("htic", 6_000, 1_200, 4_800), ("bank", 3_000, 600, 2_400),
    ]  # fmt: skip
    assert [(r["enterprise__name"], r["outstanding"]) for r in f["by_enterprise"]] == [
        (ent_b.name, 100_000)
    ]
    html = response.content.decode()
    assert 'data-testid="compensated">250.00<' in html and 'data-testid="utilisation">10.0<' in html
    assert response.context["chart"]["paid"] == [100.0, 60.0, 60.0, 30.0]


def test_enterprises_and_the_bank_do_not_open_the_overview(personas, banker, risk_pool):
    assert _client(personas["ent_a_admin"]).get("/talent/").status_code == 403
    assert _client(banker).get("/talent/").status_code == 403
    assert _client(personas["other_park_admin"]).get("/talent/").context["pool"] is None


def test_the_bank_desk_lists_only_its_banks_loans(personas, banker, risk_pool, park, ent_a):
    mine = _applied(personas, risk_pool, ent_a)
    other_bank = make_bank(park, "浙商银行股份有限公司")
    other_pool = services.pool_open(actor=personas["park_admin"], via="test", park=park,
                                    name="另一个池", signed_on=ON, bank=other_bank,
                                    credit_scale="10000.00", fund="0",
                                    parties=[{"code": "p", "name": "园区", "share": 1}],
                                    )  # fmt: skip
    foreign = _applied(personas, other_pool, ent_a)
    client = _client(banker)
    response = client.get("/talent/bank/")
    assert [loan.pk for loan in response.context["loans"]] == [mine.pk]
    assert client.get(f"/talent/bank/{mine.pk}/").status_code == 200
    assert client.get(f"/talent/bank/{foreign.pk}/").status_code == 404
    assert client.get(f"/talent/loans/{mine.pk}/").status_code == 404  # not as a borrower
    # The park's staff and the borrower have no bank desk: its address is the bank's own.
    assert _client(personas["park_staff"]).get(f"/talent/bank/{mine.pk}/").status_code == 404
    assert _client(personas["ent_a_admin"]).get("/talent/bank/").status_code == 403


def test_a_step_form_refuses_by_field_and_changes_nothing(personas, banker, risk_pool, ent_a):
    loan = _applied(personas, risk_pool, ent_a)
    services.loan_recommend(actor=personas["park_staff"], via="test", loan=loan,
                            reasons="D类人才领衔", on=ON)  # fmt: skip
    services.loan_decide(actor=banker, via="test", loan=loan, approve=True, on=ON)
    client = _client(banker)
    page = client.get(f"/talent/bank/{loan.pk}/")
    assert [s["name"] for s in page.context["steps"]] == ["draw"]
    events = LoanEvent.objects.count()
    refused = client.post(
        f"/talent/loans/{loan.pk}/draw/",
        {"amount": "300.001", "on": "2020-08-08", "due_on": "2020-08-01"},
    )
    assert refused.status_code == 400
    assert 'data-testid="error-amount"' in refused.content.decode()
    assert LoanEvent.objects.count() == events and Loan.objects.get().state == "approved"
    above = client.post(
        f"/talent/loans/{loan.pk}/draw/",
        {"amount": "300.01", "on": "2020-08-08", "due_on": "2021-08-08"},
    )
    assert above.status_code == 400 and above.context["steps"][0]["errors"]["amount"]
    done = client.post(
        f"/talent/loans/{loan.pk}/draw/",
        {"amount": "300.00", "on": "2020-08-08", "due_on": "2021-08-08"},
    )
    assert done.status_code == 302 and done["Location"] == f"/talent/bank/{loan.pk}/"
    loan.refresh_from_db()
    assert (loan.state, loan.drawn_fen, loan.due_on) == ("drawn", 30_000, date(2021, 8, 8))
    # Out of order: a second drawdown is refused by the state, named on the step.
    again = client.post(
        f"/talent/loans/{loan.pk}/draw/",
        {"amount": "1.00", "on": "2020-08-09", "due_on": "2021-08-08"},
    )
    assert again.status_code == 400 and 'data-testid="error-kind"' in again.content.decode()


def test_the_staff_recommend_with_reasons_through_the_form(personas, risk_pool, ent_a):
    loan = _applied(personas, risk_pool, ent_a)
    client = _client(personas["park_staff"])
    assert [s["name"] for s in client.get(f"/talent/loans/{loan.pk}/").context["steps"]] == [
        "recommend"
    ]
    blank = client.post(f"/talent/loans/{loan.pk}/recommend/", {"reasons": " ", "on": "2020-08-02"})
    assert blank.status_code == 400 and blank.context["steps"][0]["errors"]["reasons"]
    done = client.post(
        f"/talent/loans/{loan.pk}/recommend/",
        {"decision": "yes", "reasons": "国家高新技术企业", "on": "2020-08-02"},
    )
    assert done.status_code == 302 and done["Location"] == f"/talent/loans/{loan.pk}/"
    loan.refresh_from_db()
    assert (loan.state, loan.reasons) == ("recommended", "国家高新技术企业")


def test_an_enterprise_applies_and_sees_only_its_loans(personas, risk_pool, ent_a, ent_b):
    client = _client(personas["ent_a_admin"])
    page = client.get("/talent/mine/")
    assert page.status_code == 200 and page.context["pool"] == risk_pool
    refused = client.post(
        "/talent/mine/apply/", {"amount": "abc", "purpose": "", "on": "2020-08-01"}
    )
    assert refused.status_code == 400 and Loan.objects.count() == 0
    assert set(refused.context["errors"]) == {"amount"}  # the first refusal, by field
    done = client.post(
        "/talent/mine/apply/", {"amount": "1,200.50", "purpose": "研发设备", "on": "2020-08-01"}
    )
    loan = Loan.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/talent/loans/{loan.pk}/"
    assert (loan.enterprise, loan.requested_fen, loan.state) == (ent_a, 120_050, "applied")
    assert client.get(f"/talent/loans/{loan.pk}/").context["steps"] == []
    other = _client(personas["ent_b_user"])
    assert list(other.get("/talent/mine/").context["loans"]) == []
    assert other.get(f"/talent/loans/{loan.pk}/").status_code == 404
    before = LoanEvent.objects.count()
    assert (
        other.post(
            f"/talent/loans/{loan.pk}/recommend/", {"reasons": "x", "on": "2020-08-02"}
        ).status_code
        == 404
    )
    assert (
        _client(personas["other_park_admin"])
        .post(f"/talent/loans/{loan.pk}/close/", {"on": "2020-08-02"})
        .status_code
        == 404
    )
    assert LoanEvent.objects.count() == before


def test_the_borrower_cannot_take_the_staffs_step(personas, risk_pool, ent_a):
    loan = _applied(personas, risk_pool, ent_a)
    response = _client(personas["ent_a_admin"]).post(
        f"/talent/loans/{loan.pk}/recommend/", {"reasons": "自荐", "on": "2020-08-02"}
    )
    assert response.status_code == 403
    loan.refresh_from_db()
    assert loan.state == "applied" and LoanEvent.objects.count() == 1


def test_the_loans_export_in_yuan_to_the_fen(personas, banker, risk_pool, ent_a, ent_b):
    loan = _drawn(personas, banker, risk_pool, ent_a, amount="1234.56")
    services.loan_repay(actor=banker, via="test", loan=loan, amount="0.56", on=ON)
    _applied(personas, risk_pool, ent_b, amount="99.99")
    response = _client(personas["park_staff"]).get("/talent/loans.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("企业", "行业", "状态") and len(rows) == 3
    # Newest first: ent_b applied ¥99.99; ent_a drew ¥1,234.56 and repaid ¥0.56 → ¥1,234.00.
    assert rows[1][0] == ent_b.name and Decimal(str(rows[1][6])) == Decimal("99.99")
    assert rows[2][0] == ent_a.name and rows[2][2] == "还款中"
    assert [Decimal(str(v)) for v in rows[2][6:11]] == [
        Decimal("1234.56"), Decimal("1234.56"), Decimal("1234.56"), Decimal("0.56"),
        Decimal("1234.00"),
    ]  # fmt: skip
    bank = _client(banker).get("/talent/bank/loans.xlsx")
    assert len(list(load_workbook(io.BytesIO(bank.content)).active.iter_rows())) == 3
    assert _client(personas["ent_a_admin"]).get("/talent/loans.xlsx").status_code == 403
    assert User.objects.filter(username="banker").exists()
