"""One enterprise-month, one rule: the page's form and the API hand what they were given to
services.monthly_save, whose input layer refuses it, so both name the same fields with the same
reasons, and neither writes anything. (The form once had its own bounds and the API's schema
others: the page said 请确保该值大于或等于 2000, the API 年份应在 2000-2026 之间.)"""

import pytest
from django.test import Client

from parkpilot.economy.models import EnterpriseMonthly
from parkpilot.tenancy.models import AuditLog

pytestmark = pytest.mark.django_db

AT_LEAST_0, AT_MOST_12 = "不能小于 0。", "不能大于 12。"
WHOLE, NUMBER = "须为整数。", "须为数字。"


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        # Values of the API's types: the service answers both, every field at once.
        (
            {"year": "1999", "month": "13", "output_value": "-1", "employees": "-3"},
            {("year", "不能小于 2000。"), ("month", AT_MOST_12), ("output_value", AT_LEAST_0),
             ("employees", AT_LEAST_0)},
        ),
        (
            # 13 whole digits, one over the column's 12; 4 decimals where the column keeps 3
            {"year": "2022", "month": "8", "value_added": "1000000000000", "energy_tce": "1.2345"},
            {("value_added", "不能大于 999999999999.99。"), ("energy_tce", "最多 3 位小数。")},
        ),
        ({"year": "2101", "month": "0"}, {("year", "不能大于 2100。"), ("month", "不能小于 1。")}),
        # Not of the API's types: its schema answers, in the input layer's words.
        ({"year": "2022", "month": "8", "employees": "many"}, {("employees", WHOLE)}),
        ({"year": "2022", "month": "8", "employees": "1.5"}, {("employees", WHOLE)}),
        ({"year": "2022", "month": "8", "revenue": "abc"}, {("revenue", NUMBER)}),
        ({"year": "twenty", "month": "8"}, {("year", WHOLE)}),
    ],
)  # fmt: skip
def test_the_page_and_the_api_refuse_the_same_month_alike(personas, api_as, ent_a, bad, expected):
    page = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    page.force_login(personas["park_staff"])
    response = page.post("/economy/monthly/new/", {"enterprise_id": ent_a.pk, **bad})
    assert response.status_code == 200
    form = response.context["form"]
    on_page = {(field, reason) for field, reasons in form.errors.items() for reason in reasons}
    assert on_page == expected
    html = response.content.decode()
    for field, reason in expected:  # shown beside its field
        assert f'data-testid="error-{field}">{reason}</small>' in html

    body = {"enterprise_id": ent_a.pk, **bad}
    response = api_as("park_staff").post("/api/v1/economy/monthly", body)
    assert response.status_code == 422
    labels = {"year": "年份", "month": "月份", "output_value": "工业总产值（万元）"}
    by_api = set()
    for detail in response.json()["detail"]:
        field = detail["loc"][-1]
        label, reason = detail["msg"].split("：", 1)  # "年份：不能小于 2000。"
        assert label == labels.get(field, label)  # named by its label, `loc` kept beside it
        by_api.add((field, reason))
    assert by_api == expected

    assert not EnterpriseMonthly.objects.exists()
    assert not AuditLog.objects.filter(action__startswith="economy.monthly").exists()


def test_a_good_month_from_the_page_is_kept_as_typed(client, personas, ent_a):
    client.force_login(personas["park_staff"])
    data = {"enterprise_id": ent_a.pk, "year": " 2022 ", "month": "8", "output_value": "1000",
            "value_added": "210.50", "employees": "120", "energy_tce": "12.345",
            "tax": ""}  # fmt: skip
    response = client.post("/economy/monthly/new/", data)
    assert response.status_code == 302
    assert response["Location"] == "/economy/monthly/?year=2022&month=8"
    row = EnterpriseMonthly.objects.get()
    assert (row.year, row.month, row.employees, row.tax) == (2022, 8, 120, None)
    assert (str(row.value_added), str(row.energy_tce)) == ("210.50", "12.345")


def test_the_page_names_a_missing_enterprise(client, personas):
    client.force_login(personas["park_staff"])
    response = client.post("/economy/monthly/new/", {"year": "2022", "month": "8"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"enterprise_id"}
    assert not EnterpriseMonthly.objects.exists()


@pytest.mark.parametrize("query", ["year=abc", "year=1999", "year=2101", "month=13", "month=0"])
def test_a_bad_period_filter_shows_the_latest_month_instead(client, personas, ent_a, query):
    from economy_helpers import month

    month(ent_a, 2022, 8, 1000, 210)
    client.force_login(personas["park_staff"])
    response = client.get(f"/economy/?{query}")
    assert response.status_code == 200
    assert (response.context["result"]["year"], response.context["result"]["month"]) == (2022, 8)
    listed = client.get(f"/economy/monthly/?{query}")
    assert (listed.context["year"], listed.context["month"]) == (None, None)
    assert listed.context["page"].paginator.count == 1
