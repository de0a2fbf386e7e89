"""The sellers' side: a project's sales with their prices, its statement, the proceeds shared
among the plots' owners to the fen (a hand-worked example), the sellers' pages (a seller sees
only the projects it is named on) and the XLSX exports."""

from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from parkpilot.sinks import selectors, services
from parkpilot.sinks.models import Plot, Project
from parkpilot.sinks.roles import SINKS_SELLER
from parkpilot.tenancy.errors import Forbidden, NotFound, ValidationFailed

pytestmark = pytest.mark.django_db

SHARES = [  # owner, kind, share: the demo's shares
    ("白沙村集体", "collective", "0.400000"),
    ("王建国", "household", "0.150000"),
    ("李秀英", "household", "0.200000"),
    ("张国强", "household", "0.100000"),
    ("陈美兰", "household", "0.150000"),
]


def _seller(personas, persona, project):
    user = personas[persona]
    user.granted_roles = [SINKS_SELLER]
    user.save(update_fields=["granted_roles"])
    services.seller_add(actor=personas["park_admin"], via="test", project=project, user=user)
    return user


@pytest.fixture
def sold(registrar, project, personas):
    """Issued 20 t; sold 7 t in an auction at ¥33.37 and 3 t from a listing at ¥41.05."""
    for owner, kind, share in SHARES:
        Plot.objects.create(project=project, area_ha=1, species="杉木", owner_name=owner,
                            owner_kind=kind, share=Decimal(share))  # fmt: skip
    services.issue(actor=registrar, via="test", project=project, vintage=2025, quantity=20,
                   verification="核证报告 1", key="i")  # fmt: skip
    admin = personas["ent_a_admin"]
    sale = services.auction_open(actor=registrar, via="test", project=project, quantity=7,
                                 floor_price="30.00")  # fmt: skip
    services.bid_place(actor=admin, via="test", auction=sale, price="33.37", lots=7)
    services.auction_clear(actor=registrar, via="test", auction=sale)
    listing = services.listing_open(actor=registrar, via="test", project=project, quantity=5,
                                    price="41.05")  # fmt: skip
    services.listing_buy(actor=admin, via="test", listing=listing, quantity=3, key="b")
    return project


def test_proceeds_by_share_a_hand_worked_example(sold, personas):
    """7 × 33.37 = 233.59 and 3 × 41.05 = 123.15: ¥356.74 in all. Exact shares: 0.40 → 142.696,
    0.15 → 53.511, 0.20 → 71.348, 0.10 → 35.674, 0.15 → 53.511. Rounded down: 142.69 + 53.51
    + 71.34 + 35.67 + 53.51 = 356.72, so 2 fen are left; the largest remainders are 0.008
    (李秀英) and 0.006 (白沙村集体): 71.35 and 142.70. The parts sum to 356.74 exactly."""
    sales = selectors.project_sales(user=personas["park_staff"], project=sold)
    assert sales["proceeds_yuan"] == Decimal("356.74")
    assert (sales["sold"], sales["issued"], sales["average"]) == (10, 20, Decimal("35.67"))
    assert [(r["owner"], r["amount"]) for r in sales["shares"]] == [
        ("白沙村集体", Decimal("142.70")),
        ("王建国", Decimal("53.51")),
        ("李秀英", Decimal("71.35")),
        ("张国强", Decimal("35.67")),
        ("陈美兰", Decimal("53.51")),
    ]
    assert sum(r["amount"] for r in sales["shares"]) == Decimal("356.74")
    assert [(t.quantity, t.price) for t in sales["trades"]] == [
        (7, Decimal("33.37")),
        (3, Decimal("41.05")),
    ]


def test_incomplete_shares_never_hand_out_more_than_their_part():
    """Shares summing to 0.9 of ¥10.00: ¥9.00 is shared (3.00 each), not ¥10.00."""
    plots = [Plot(owner_name=n, owner_kind="household", share=Decimal("0.3")) for n in "甲乙丙"]
    parts = selectors.share_proceeds(Decimal("10.00"), plots)
    assert [r["amount"] for r in parts] == [Decimal("3.00")] * 3


def test_the_projects_statement_like_an_enterprises(sold, personas, ent_b):
    lines = selectors.project_statement(user=personas["park_staff"], project=sold)
    # Newest first: sold 3 (listing), sold 7 (auction), issued 20.
    assert [(str(x["what"]), x["amount"], x["balance"]) for x in lines["lines"]] == [
        ("卖出", -3, 10),
        ("卖出", -7, 13),
        ("签发", 20, 20),
    ]
    assert [(b.first, b.last) for b in lines["blocks"]] == [(11, 20)]
    seller = _seller(personas, "ent_b_user", sold)
    assert selectors.project_statement(user=seller, project=sold)["blocks"] == lines["blocks"]
    with pytest.raises(NotFound):
        selectors.project_statement(user=personas["ent_a_user"], project=sold)


def test_a_seller_sees_its_projects_not_the_buyers(sold, personas, client):
    other = Project.objects.create(park=sold.park, code="P2", name="别村项目",
                                   methodology=sold.methodology, seller="别村")  # fmt: skip
    seller = _seller(personas, "resident", sold)
    _seller(personas, "ent_b_user", other)
    assert [p.pk for p in selectors.seller_projects(user=seller)] == [sold.pk]
    listed = selectors.seller_projects(user=seller).get()
    assert (listed.issued, listed.sold, listed.proceeds_yuan) == (20, 10, Decimal("356.74"))
    client.force_login(seller)
    page = client.get("/sinks/sales/").content.decode()
    assert "测试碳汇项目" in page and "别村项目" not in page
    detail = client.get(f"/sinks/sales/{sold.pk}/").content.decode()
    assert "142.70" in detail and "33.37" in detail
    assert personas["ent_a_admin"].enterprise.name not in detail  # buyers are the park's to see
    assert client.get(f"/sinks/sales/{other.pk}/").status_code == 404
    client.force_login(personas["park_staff"])
    staff_page = client.get(f"/sinks/projects/{sold.pk}/").content.decode()
    assert personas["ent_a_admin"].enterprise.name in staff_page and "142.70" in staff_page
    assert client.get("/sinks/sales/").status_code == 403  # not a seller's page for staff


def test_naming_a_seller_is_checked(project, personas, other_park):
    staff, resident = personas["park_admin"], personas["resident"]
    with pytest.raises(ValidationFailed) as exc:
        services.seller_add(actor=staff, via="test", project=project, user=resident)
    assert exc.value.errors[0].field == "user"  # the role is granted first
    outsider = personas["other_park_admin"]
    with pytest.raises(ValidationFailed) as exc:
        services.seller_add(actor=staff, via="test", project=project, user=outsider)
    assert exc.value.errors[0].field == "user"
    with pytest.raises(Forbidden):
        services.seller_add(actor=personas["ent_a_admin"], via="test", project=project,
                            user=resident)  # fmt: skip


def _sheet(response, name=None):
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content))
    return [list(r) for r in (book[name] if name else book.active).iter_rows(values_only=True)]


def test_exports_statements_and_trades(sold, personas, client):
    """The enterprise's statement, the project's and the registry's trades, as XLSX; a buyer
    whose name looks like a formula stays text."""
    buyer = personas["ent_a_admin"].enterprise
    buyer.name = "=HYPERLINK(1)"
    buyer.save(update_fields=["name"])
    client.force_login(personas["ent_a_admin"])
    rows = _sheet(client.get("/sinks/mine/xlsx/"))
    assert [r[1:] for r in rows[2:]] == [["买入", 3, 10], ["买入", 7, 7]]
    client.force_login(personas["park_staff"])
    trades = _sheet(client.get("/sinks/trades/xlsx/"))
    assert [r[3:] for r in trades[1:]] == [
        ["=HYPERLINK(1)", 7, 33.37, 233.59],
        ["=HYPERLINK(1)", 3, 41.05, 123.15],
    ]
    book = load_workbook(BytesIO(client.get("/sinks/trades/xlsx/").content))
    assert book.active["D2"].data_type == "s"  # text, not a formula
    project_rows = _sheet(client.get(f"/sinks/projects/{sold.pk}/xlsx/"))
    assert [r[2] for r in project_rows[2:]] == [-3, -7, 20]
    seller = _seller(personas, "resident", sold)
    client.force_login(seller)
    response = client.get(f"/sinks/sales/{sold.pk}/xlsx/")
    assert [r[2] for r in _sheet(response)[2:]] == [-3, -7, 20]
    sales = _sheet(response, "成交")
    cells = [cell for row in sales for cell in row]
    assert len(sales[0]) == 6 and "=HYPERLINK(1)" not in cells  # no buyers' names
