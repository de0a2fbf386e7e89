"""Tenant isolation of /api/v1/economy: ent_b's users and another park's admin neither see nor
change what belongs to ent_a (collected by tests/tenancy/test_route_isolation.py)."""

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from parkpilot.economy.models import EnterpriseMonthly
from parkpilot.economy.workbook import COLUMNS

HEADERS = [title for _f, title, _p in COLUMNS]


def workbook_bytes(sheets, headers):
    import io

    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        ws.append(headers)
        for r in rows:
            ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _a_month(ent_a):
    return EnterpriseMonthly.objects.create(
        park=ent_a.park,
        enterprise=ent_a,
        year=2022,
        month=1,
        output_value=Decimal("100"),
        value_added=Decimal("20"),
    )


def _indicators(api_as, personas, ent_a, ent_b):
    _a_month(ent_a)
    assert api_as("ent_b_user").get("/api/v1/economy/indicators?year=2022").status_code == 403
    other = api_as("other_park_admin").get("/api/v1/economy/indicators?year=2022&month=1")
    assert other.status_code == 200
    assert all(i["enterprises"] == 0 for i in other.json()["indicators"])


def _monthly_list(api_as, personas, ent_a, ent_b):
    _a_month(ent_a)
    for persona in ("ent_b_user", "other_park_admin"):
        items = api_as(persona).get("/api/v1/economy/monthly").json()["items"]
        assert items == []
    mine = api_as("ent_a_user").get("/api/v1/economy/monthly").json()["items"]
    assert [r["enterprise_id"] for r in mine] == [ent_a.pk]


def _monthly_save(api_as, personas, ent_a, ent_b):
    row = _a_month(ent_a)
    payload = {"enterprise_id": ent_a.pk, "year": 2022, "month": 1, "value_added": "1"}
    for persona in ("ent_b_user", "other_park_admin"):
        assert api_as(persona).post("/api/v1/economy/monthly", payload).status_code == 404
    # ent_b's admin may report only for ent_b.
    assert (
        api_as("ent_a_admin")
        .post("/api/v1/economy/monthly", {**payload, "enterprise_id": ent_b.pk})
        .status_code
        == 404
    )
    row.refresh_from_db()
    assert row.value_added == Decimal("20")
    assert EnterpriseMonthly.objects.count() == 1


def _import(api_as, personas, ent_a, ent_b):
    row = _a_month(ent_a)
    content = workbook_bytes(
        {"2022-01": [[ent_a.credit_code, ent_a.name, 5, 1, 1, 1, 1, 1, 1]]}, headers=HEADERS
    )
    upload = {"file": SimpleUploadedFile("x.xlsx", content)}
    assert api_as("ent_b_user").client.post("/api/v1/economy/import", upload).status_code == 403
    upload = {"file": SimpleUploadedFile("x.xlsx", content)}
    response = api_as("other_park_admin").client.post("/api/v1/economy/import", upload)
    # Another park's admin imports into its own park, where ent_a's code is unknown.
    assert response.status_code == 422
    assert response.json()["detail"][0]["code"] == "unknown_enterprise"
    row.refresh_from_db()
    assert row.value_added == Decimal("20")


def _profile(api_as, personas, ent_a, ent_b):
    from parkpilot.economy.models import EconomyProfile

    body = {"high_tech": True, "high_end_equipment": False}
    for persona in ("ent_b_user", "other_park_admin"):
        response = api_as(persona).client.put(
            f"/api/v1/economy/profiles/{ent_a.pk}", body, content_type="application/json"
        )
        assert response.status_code == 404
    # Its own enterprise's admin may see the enterprise but not classify it.
    response = api_as("ent_a_admin").client.put(
        f"/api/v1/economy/profiles/{ent_a.pk}", body, content_type="application/json"
    )
    assert response.status_code == 403
    assert not EconomyProfile.objects.exists()


CASES = {
    ("PUT", "/api/v1/economy/profiles/{enterprise_id}"): _profile,
    ("GET", "/api/v1/economy/indicators"): _indicators,
    ("GET", "/api/v1/economy/monthly"): _monthly_list,
    ("POST", "/api/v1/economy/monthly"): _monthly_save,
    ("POST", "/api/v1/economy/import"): _import,
}
