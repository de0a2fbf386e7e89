"""Carbon's forms refuse nonsense by field, as its API does (parkpilot/inputs.py)."""

import pytest

from parkpilot.carbon.models import Budget, EmissionFactor, IndustryAverage, ReportBatch
from parkpilot.carbon.models_green import GreenPowerPurchase
from parkpilot.tenancy.models import AuditLog

pytestmark = pytest.mark.django_db

PURCHASE = {"kind": "green_trade", "quantity_mwh": "12.5", "period_start": "2026-03-01",
            "period_end": "2026-03-31", "seller": "浙江电力交易中心"}  # fmt: skip


@pytest.mark.parametrize(
    ("bad", "reason"),
    [("abc", "须为数字。"), ("0", "不能小于 0.001。"), ("1.0005", "最多 3 位小数。")],
)
def test_the_page_and_the_api_refuse_a_green_quantity_alike(
    client, personas, ent_a, api_as, bad, reason
):
    client.force_login(personas["park_staff"])
    data = {**PURCHASE, "enterprise_id": str(ent_a.pk), "quantity_mwh": bad}
    response = client.post("/carbon/green-power/", data)
    assert response.status_code == 200
    assert response.context["errors"] == {"quantity_mwh": reason}
    api = api_as("park_staff").post(
        "/api/v1/carbon/green-power", {**PURCHASE, "enterprise_id": ent_a.pk, "quantity_mwh": bad}
    )
    assert api.status_code == 422
    [item] = api.json()["detail"]
    assert item["loc"][-1] == "quantity_mwh" and item["msg"].endswith("：" + reason)
    assert not GreenPowerPurchase.objects.exists()


def test_a_purchase_with_a_nonsense_enterprise_names_it(client, personas):
    client.force_login(personas["park_staff"])
    response = client.post("/carbon/green-power/", {**PURCHASE, "enterprise_id": "abc"})
    assert response.status_code == 200
    assert response.context["errors"] == {"enterprise_id": "须为整数。"}
    assert not GreenPowerPurchase.objects.exists()


@pytest.mark.parametrize(
    ("form", "data", "field", "reason"),
    [
        ("budget", {"year": "abc", "energy_tce": "1", "co2_t": "1"}, "year", "须为整数。"),
        ("budget", {"year": "2022", "energy_tce": "1", "co2_t": "1", "enterprise_id": "1.5"},
         "enterprise_id", "须为整数。"),
        ("budget", {"year": "2022", "energy_tce": "0", "co2_t": "1"}, "energy_tce", None),
        ("settings", {"year": "2022", "tou_sharp": "9, x"}, "tou_hours", "须为整数。"),
        ("settings", {"year": "2022", "tou_sharp": "24"}, "tou_hours", "不能大于 23。"),
        ("average", {"year": "1999", "industry_code": "C34", "intensity": "1"}, "year",
         "不能小于 2000。"),
    ],
)  # fmt: skip
def test_a_settings_form_posting_nonsense_is_refused_by_field(
    client, personas, form, data, field, reason
):
    client.force_login(personas["park_staff"])
    audits = AuditLog.objects.count()
    response = client.post("/carbon/settings/", {"form": form, **data})
    assert response.status_code == 200
    errors = response.context["errors"][form]
    assert list(errors) == [field]
    assert reason is None or errors[field] == reason
    assert AuditLog.objects.count() == audits
    assert not Budget.objects.exists() and not IndustryAverage.objects.exists()


def test_a_factor_with_a_nonsense_year_and_date_names_both(client, personas):
    client.force_login(personas["park_staff"])
    before = EmissionFactor.objects.count()
    response = client.post(
        "/carbon/factors/",
        {"carrier": "electricity", "quantity": "co2", "region": "east_china", "year": "20x6",
         "value": "0.5", "unit": "tCO2/MWh", "document": "文件", "effective_from": "2026-13-45"},
    )  # fmt: skip
    assert response.status_code == 200
    errors = response.context["errors"]
    assert (errors["year"], errors["effective_from"]) == ("须为整数。", "日期格式为 YYYY-MM-DD。")
    assert EmissionFactor.objects.count() == before


def test_a_batch_for_a_nonsense_month_is_refused(client, personas):
    client.force_login(personas["park_staff"])
    response = client.post("/carbon/reports/", {"year": "2026", "month": "13"})
    assert response.status_code == 200
    assert "不能大于 12。" in response.context["message"]
    assert not ReportBatch.objects.exists()
    assert client.get("/carbon/reports/?batch=abc").status_code == 200
