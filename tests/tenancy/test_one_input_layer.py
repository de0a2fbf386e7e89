"""Tenancy's pages and API read what was typed through the one input layer: an enterprise's
counts and a token's days are refused by the service alike from the page's text and the API's
numbers (same field, same reason, nothing written), and the audit log's day filters name a bad
day instead of answering 500 (9999-12-31 overflowed "until the end of that day")."""

from datetime import timedelta

import pytest
from django.test import Client

from parkpilot.tenancy.models import ApiToken, AuditLog

pytestmark = pytest.mark.django_db


def _page(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def _api_reasons(response) -> set[tuple[str, str]]:
    assert response.status_code == 422
    return {(d["loc"][-1], d["msg"].split("：", 1)[1]) for d in response.json()["detail"]}


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        ({"employees": -1, "floor_area_m2": 100_000_001},
         {("employees", "不能小于 0。"), ("floor_area_m2", "不能大于 100000000。")}),
        ({"employees": 1_000_001}, {("employees", "不能大于 1000000。")}),
        ({"employees": "many"}, {("employees", "须为整数。")}),
        ({"floor_area_m2": "1.5"}, {("floor_area_m2", "须为整数。")}),
    ],
)  # fmt: skip
def test_an_enterprises_counts_are_refused_alike_by_page_and_api(
    personas, api_as, ent_a, bad, expected
):
    form = {"name": ent_a.name, "credit_code": ent_a.credit_code, "short_name": "",
            "industry_code": "", "zone_id": "", **{k: str(v) for k, v in bad.items()}}  # fmt: skip
    response = _page(personas["park_admin"]).post(f"/enterprises/{ent_a.pk}/edit/", form)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {(f, r) for f, reasons in errors.items() for r in reasons} == expected

    response = api_as("park_admin").patch(f"/api/v1/enterprises/{ent_a.pk}", bad)
    assert _api_reasons(response) == expected
    ent_a.refresh_from_db()
    assert (ent_a.employees, ent_a.floor_area_m2) == (None, None)
    assert not AuditLog.objects.filter(action="enterprise.update").exists()


def test_the_edit_page_keeps_a_count_typed_as_text(personas, ent_a):
    form = {"name": ent_a.name, "credit_code": ent_a.credit_code, "employees": " 1800 ",
            "floor_area_m2": ""}  # fmt: skip
    response = _page(personas["park_admin"]).post(f"/enterprises/{ent_a.pk}/edit/", form)
    assert response.status_code == 302
    ent_a.refresh_from_db()
    assert (ent_a.employees, ent_a.floor_area_m2) == (1800, None)


@pytest.mark.parametrize(
    ("days", "reason"),
    [
        ("0", "不能小于 1。"),
        ("731", "不能大于 730。"),
        ("abc", "须为整数。"),
        ("30.5", "须为整数。"),
    ],
)
def test_a_tokens_days_are_refused_alike_by_page_and_api(personas, days, reason):
    page = _page(personas["ent_a_user"]).post("/accounts/tokens/", {"expires_in_days": days})
    assert page.context["errors"] == {"expires_in_days": reason}
    assert f'data-testid="error-expires_in_days">{reason}</small>' in page.content.decode()
    client = _page(personas["ent_a_user"])
    response = client.post("/api/v1/tokens", {"expires_in_days": days},
                           content_type="application/json")  # fmt: skip
    assert _api_reasons(response) == {("expires_in_days", reason)}
    assert not ApiToken.objects.exists()


def test_a_blank_days_is_the_default_of_90(personas):
    _page(personas["ent_a_user"]).post("/accounts/tokens/", {"expires_in_days": " "})
    token = ApiToken.objects.get()
    # expires_at is taken a moment before the row's created_at
    assert abs(token.expires_at - token.created_at - timedelta(days=90)) < timedelta(seconds=5)


@pytest.mark.parametrize(
    ("query", "field", "reason"),
    [
        ("since=2026-13-01", "since", "日期格式为 YYYY-MM-DD。"),
        ("until=9999-12-31", "until", "不能大于 2100-12-31。"),
        ("since=0001-01-01", "since", "不能小于 2000-01-01。"),
    ],
)
def test_a_bad_audit_day_is_named_not_a_500(personas, api_as, query, field, reason):
    page = _page(personas["park_admin"]).get(f"/audit/?{query}")
    assert page.status_code == 200
    assert page.context["errors"] == {field: reason}
    response = api_as("park_admin").get(f"/api/v1/audit?{query}")
    assert response.status_code == 422
    assert field in [d["loc"][-1] for d in response.json()["detail"]]


def test_the_audit_days_filter_inclusively(personas, api_as, ent_a):
    api_as("park_admin").patch(f"/api/v1/enterprises/{ent_a.pk}", {"employees": 7})
    entry = AuditLog.objects.get(action="enterprise.update")
    day = entry.at.astimezone().date().isoformat()
    page = _page(personas["park_admin"]).get(f"/audit/?since={day}&until={day}")
    assert page.context["errors"] == {}
    assert entry in list(page.context["page"])
    later = _page(personas["park_admin"]).get("/audit/?since=2100-12-31")
    assert entry not in list(later.context["page"])
