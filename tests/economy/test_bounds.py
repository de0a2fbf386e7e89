"""Economy figures are bounded by what stores them and by time: a number too long for its column
or a month that has not begun is refused with the field named, nothing is written, and the
park's headline period never jumps to a future month. (Issue: 17 digits once answered 500, stored
the row and broke /economy/monthly/ for every park user; a month in 2100 took over the cockpit.)"""

from decimal import Decimal

import pytest
from economy_helpers import month, workbook_bytes

from parkpilot.economy import selectors, services, workbook
from parkpilot.economy.errors import ImportRejected
from parkpilot.economy.models import MEASURES, EnterpriseMonthly

pytestmark = pytest.mark.django_db


def _next_month() -> tuple[int, int]:
    year, m = services.current_month()  # in the park's time zone, as the rule counts
    return (year + 1, 1) if m == 12 else (year, m + 1)


def _post(api, enterprise, **values):
    payload = {"enterprise_id": enterprise.pk, "year": 2022, "month": 8, **values}
    return api.post("/api/v1/economy/monthly", payload)


def _fields(response) -> list[str]:
    return [d["loc"][-1] for d in response.json()["detail"]]


def test_every_figure_column_has_the_digits_the_parser_allows():
    for name in MEASURES:
        field = EnterpriseMonthly._meta.get_field(name)
        if name == "employees":
            continue  # an integer column; bounded by the domain (MAX_EMPLOYEES_DIGITS)
        assert field.max_digits == workbook.COLUMN_DIGITS, name


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("output_value", "12345678901234567"),  # the 17 digits
        ("value_added", "1000000000000"),  # 13 whole digits: one over the column's 12
        ("energy_tce", "100000000000"),  # 12 whole digits: one over the column's 11 (3 places)
        ("revenue", "1e30"),
        ("employees", "100000000"),
    ],
)
def test_a_number_too_long_for_its_column_is_refused(api_as, ent_a, field, value):
    response = _post(api_as("park_staff"), ent_a, **{field: value})
    assert response.status_code == 422
    assert field in _fields(response)
    assert not EnterpriseMonthly.objects.exists()
    # ...and the park's pages keep working for everyone.
    assert api_as("park_staff").get("/api/v1/economy/monthly").status_code == 200


def test_the_largest_number_a_column_holds_is_kept(api_as, ent_a):
    response = _post(api_as("park_staff"), ent_a, output_value="999999999999.99")
    assert response.status_code == 201
    assert EnterpriseMonthly.objects.get().output_value == Decimal("999999999999.99")
    assert api_as("park_staff").get("/api/v1/economy/monthly").status_code == 200


def test_a_month_that_has_not_begun_is_refused(api_as, ent_a):
    year, m = _next_month()
    response = _post(api_as("ent_a_admin"), ent_a, year=year, month=m)
    assert response.status_code == 422
    assert ("month" if year == services.current_month()[0] else "year") in _fields(response)
    response = _post(api_as("ent_a_admin"), ent_a, year=2100, month=1)
    assert response.status_code == 422 and "year" in _fields(response)
    assert not EnterpriseMonthly.objects.exists()


def test_the_running_month_may_be_reported(api_as, ent_a):
    year, m = services.current_month()
    assert _post(api_as("ent_a_admin"), ent_a, year=year, month=m).status_code == 201


def test_a_workbook_sheet_for_a_future_month_refuses_the_file(personas, ent_a):
    year, m = _next_month()
    row = [ent_a.credit_code, ent_a.name, 1000, 200, 1100, 50, 300, 40, 12.5]
    content = workbook_bytes({"2022-01": [row], f"{year}-{m:02d}": [row]})
    with pytest.raises(ImportRejected) as refused:
        services.workbook_import(
            actor=personas["park_staff"],
            via="test",
            park=ent_a.park,
            file_name="s.xlsx",
            content=content,
        )
    assert [e.code for e in refused.value.errors] == ["future_month"]
    assert not EnterpriseMonthly.objects.exists()


def test_a_stored_future_month_does_not_take_over_the_headline_period(personas, ent_a, park):
    """Rows stored before the rule (or by hand) stay, but the park's latest period ignores them."""
    month(ent_a, 2022, 8, 1000, 210)
    month(ent_a, 2100, 1, 1, 1)
    latest = selectors.latest_period(user=personas["park_staff"], park_id=park.pk)
    assert latest == (2022, 8)


def test_the_monthly_list_pages_through_every_row_and_finds_an_enterprise(
    client, personas, ent_a, ent_b
):
    """Once cut at 500 rows without a word; now every row is on some page, with the total."""
    for year in range(2001, 2007):
        for m in range(1, 13):
            month(ent_a, year, m, 10, 1)
            month(ent_b, year, m, 10, 1)
    client.force_login(personas["park_staff"])
    first = client.get("/economy/monthly/")
    assert first.context["page"].paginator.count == 144
    seen = []
    for number in first.context["page"].paginator.page_range:
        seen += [r.pk for r in client.get(f"/economy/monthly/?page={number}").context["page"]]
    assert sorted(seen) == sorted(EnterpriseMonthly.objects.values_list("pk", flat=True))
    found = client.get("/economy/monthly/", {"q": ent_b.name[:4]}).context["page"]
    assert found.paginator.count == 72 and {r.enterprise_id for r in found} == {ent_b.pk}


@pytest.mark.parametrize(
    "query",
    ["indicators?year=9223372036854775808", "indicators?year=1", "monthly?year=99999",
     "monthly?month=13"],
)  # fmt: skip
def test_a_year_or_month_out_of_range_in_a_query_is_refused_by_name(api_as, query):
    # 9223372036854775808 is one past a 64-bit integer: it once reached the database and
    # answered 500 (found by the API fuzz).
    response = api_as("park_staff").get(f"/api/v1/economy/{query}")
    assert response.status_code == 422
    field = query.split("?")[1].split("=")[0]
    assert response.json()["detail"][0]["loc"] == ["query", field]
