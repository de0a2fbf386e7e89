"""The talent API drives a loan through the same services as the pages: refusals by field,
the bank's list, and the cockpit's tiles from the same figures."""

import pytest

from parkpilot.cockpit.tiles import registered_tiles, render_tile
from parkpilot.talent import services
from tests.talent.test_talent_pages import ON, _drawn

pytestmark = pytest.mark.django_db


def test_a_loan_through_the_api(personas, banker, risk_pool, ent_a, api_as):
    firm, staff = api_as("ent_a_user"), api_as("park_staff")
    bad = firm.post(
        "/api/v1/talent/loans", {"amount": "1.001", "purpose": "设备", "on": "2020-08-01"}
    )
    assert bad.status_code == 422 or bad.status_code == 400
    assert "amount" in bad.content.decode()
    made = firm.post(
        "/api/v1/talent/loans", {"amount": "300.00", "purpose": "设备", "on": "2020-08-01"}
    )
    assert made.status_code == 201 and made.json()["requested_fen"] == 30_000
    loan_id = made.json()["id"]
    step = f"/api/v1/talent/loans/{loan_id}/steps"
    assert staff.post(f"{step}/recommend", {"on": "2020-08-02", "reasons": "优"}).status_code == 200
    assert staff.post(f"{step}/fly", {"on": "2020-08-02"}).status_code in (400, 422)
    from tests.conftest import ApiClient

    bank = ApiClient(banker)
    assert [i["id"] for i in bank.get("/api/v1/talent/loans").json()["items"]] == [loan_id]
    assert bank.post(f"{step}/decide", {"on": "2020-08-03", "amount": "250.00"}).json()[
        "approved_fen"] == 25_000  # fmt: skip
    drawn = bank.post(f"{step}/draw", {"on": "2020-08-04", "amount": "250.00",
                                       "due_on": "2021-08-04"}).json()  # fmt: skip
    assert (drawn["state"], drawn["outstanding_fen"]) == ("drawn", 25_000)
    pool = staff.get("/api/v1/talent/pool").json()
    assert (pool["in_use_fen"], pool["utilisation"]) == (25_000, "0.025")  # ¥250 of ¥10,000


def test_the_cockpit_tiles(personas, banker, risk_pool, park, ent_a):
    loan = _drawn(personas, banker, risk_pool, ent_a, amount="1500.00")
    services.loan_overdue(actor=banker, via="test", loan=loan, on=ON)
    tiles = {t.key: t for t in registered_tiles()}
    use = render_tile(tiles["talent.utilisation"], personas["park_staff"], park).data
    # ¥1,500 of ¥10,000: 15.0%, 0.15 of 1 (万元), one loan overdue.
    assert (use.value, use.status, use.extra["overdue_loans"]) == ("15.0", "warn", 1)
    assert use.caption == "在用 0.15 / 1 万元"
    services.loan_default(actor=banker, via="test", loan=loan, on=ON)
    services.loan_compensate(actor=personas["park_staff"], via="test", loan=loan, on=ON)
    loss = render_tile(tiles["talent.losses"], personas["park_staff"], park).data
    # ¥1,500: fund ¥100, then 40/40/20 of ¥1,400 = 560/560/280, caps ¥150: park and htic ¥150
    # each, the bank (no cap) takes the rest ¥1,100: nothing uncovered.
    assert loss.extra == {"compensated_fen": 150_000, "recovered_fen": 0, "uncovered_fen": 0}
    assert loss.table["rows"][1:] == [["青山湖科技城管委会", "150.00", "0.00"],
                                      ["杭州市高科技投资有限公司", "150.00", "0.00"],
                                      ["杭州银行股份有限公司", "1100.00", "0.00"]]  # fmt: skip
