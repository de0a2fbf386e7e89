"""Tenant-isolation cases for /api/v1/carbon (collected by tests/tenancy/test_route_isolation.py).
Each: ent_b's user and another park's admin neither see nor change what is ent_a's."""

from datetime import date

from parkpilot.alerts import services as alert_services
from parkpilot.carbon import selectors, services
from parkpilot.carbon.models import (
    Budget,
    CarbonAccount,
    EmissionFactor,
    IndustryAverage,
    Report,
    YearSettings,
)
from parkpilot.tenancy.actors import system_actor

BASE = "/api/v1/carbon"
Q = "period=2022-03&level=1mo"


def _outsiders(api_as):
    return [api_as("ent_b_user"), api_as("other_park_admin")]


def _factor(park):
    return services.factor_create(
        actor=system_actor(park), via="test", park=park, carrier="electricity", quantity="co2",
        region="east_china", year=2022, value="0.5617", unit="kgCO2/kWh",
        document="《关于发布2022年电力二氧化碳排放因子的公告》", effective_from=date(2024, 12, 20),
    )  # fmt: skip


def _report(ent):
    return services.report_generate(
        actor=system_actor(ent.park), via="test", enterprise_id=ent.pk, year=2022, month=3
    )


def factors_list(api_as, personas, ent_a, ent_b):
    f = _factor(ent_a.park)
    ids = [r["id"] for r in api_as("other_park_admin").get(f"{BASE}/factors").json()]
    assert f.pk not in ids


def factors_create(api_as, personas, ent_a, ent_b):
    body = {"carrier": "electricity", "quantity": "co2", "region": "national", "year": 2022,
            "value": 0.5366, "unit": "kgCO2/kWh", "document": "公告",
            "effective_from": "2024-12-20"}  # fmt: skip
    assert api_as("ent_b_user").post(f"{BASE}/factors", body).status_code == 403
    assert api_as("other_park_admin").post(f"{BASE}/factors", body).status_code == 201
    assert not EmissionFactor.objects.filter(park=ent_a.park).exists()


def settings_list(api_as, personas, ent_a, ent_b):
    YearSettings.objects.create(park=ent_a.park, year=2022, grade_bounds=[0.6, 0.8, 1.2, 2.0],
                                level_bounds=[0.6, 2.0])  # fmt: skip
    assert api_as("other_park_admin").get(f"{BASE}/settings").json() == []


def settings_save(api_as, personas, ent_a, ent_b):
    body = {"year": 2022, "grade_bounds": [0.5, 0.8, 1.2, 2.0]}
    assert api_as("ent_b_user").post(f"{BASE}/settings", body).status_code == 403
    assert api_as("other_park_admin").post(f"{BASE}/settings", body).status_code == 200
    assert not YearSettings.objects.filter(park=ent_a.park).exists()


def averages_list(api_as, personas, ent_a, ent_b):
    IndustryAverage.objects.create(park=ent_a.park, industry_code="C34", year=2022, intensity=1)
    assert api_as("other_park_admin").get(f"{BASE}/industry-averages").json() == []


def averages_save(api_as, personas, ent_a, ent_b):
    body = {"industry_code": "C34", "year": 2022, "intensity": 1.5}
    assert api_as("ent_b_user").post(f"{BASE}/industry-averages", body).status_code == 403
    assert api_as("other_park_admin").post(f"{BASE}/industry-averages", body).status_code == 200
    assert not IndustryAverage.objects.filter(park=ent_a.park).exists()


def accounts(api_as, personas, ent_a, ent_b):
    for client in _outsiders(api_as):
        url = f"{BASE}/accounts?scope=enterprise&scope_id={ent_a.pk}&{Q}"
        assert client.get(url).status_code == 404
    url = f"{BASE}/accounts?scope=park&scope_id={ent_a.park_id}&{Q}"
    assert api_as("ent_b_user").get(url).status_code == 404
    assert (
        api_as("ent_a_user")
        .get(f"{BASE}/accounts?scope=enterprise&scope_id={ent_a.pk}&{Q}")
        .status_code
        == 200
    )


def drilldown(api_as, personas, ent_a, ent_b):
    for client in _outsiders(api_as):
        url = f"{BASE}/accounts/drilldown?scope=enterprise&scope_id={ent_a.pk}&{Q}"
        assert client.get(url).status_code == 404


def close(api_as, personas, ent_a, ent_b):
    body = {"level": "1mo", "period": "2022-03"}
    assert api_as("ent_b_user").post(f"{BASE}/accounts/close", body).status_code == 403
    assert api_as("other_park_admin").post(f"{BASE}/accounts/close", body).status_code == 200
    assert not CarbonAccount.objects.filter(park=ent_a.park).exists()


def recompute(api_as, personas, ent_a, ent_b):
    body = {"level": "1mo", "period": "2022-03"}
    per = selectors.month_period(ent_a.park, 2022, 3)
    services.account_close(actor=system_actor(ent_a.park), via="test", park=ent_a.park, per=per)
    before = list(CarbonAccount.objects.filter(park=ent_a.park).values_list("pk", "co2_t"))
    assert api_as("ent_b_user").post(f"{BASE}/accounts/recompute", body).status_code == 403
    assert api_as("other_park_admin").post(f"{BASE}/accounts/recompute", body).status_code == 422
    after = list(CarbonAccount.objects.filter(park=ent_a.park).values_list("pk", "co2_t"))
    assert before == after


def closings(api_as, personas, ent_a, ent_b):
    per = selectors.month_period(ent_a.park, 2022, 3)
    services.account_close(actor=system_actor(ent_a.park), via="test", park=ent_a.park, per=per)
    url = f"{BASE}/accounts/closings?{Q}"
    assert api_as("ent_b_user").get(url).status_code == 403  # park roles only
    assert api_as("other_park_admin").get(url).json() == []
    assert [c["version"] for c in api_as("park_staff").get(url).json()] == [1]


def indicators(api_as, personas, ent_a, ent_b):
    for client in _outsiders(api_as):
        url = f"{BASE}/indicators?enterprise_id={ent_a.pk}&{Q}"
        assert client.get(url).status_code == 404


def grades(api_as, personas, ent_a, ent_b):
    assert api_as("ent_b_user").get(f"{BASE}/grades?{Q}").status_code == 403
    other = personas["other_park_admin"].park
    YearSettings.objects.create(
        park=other, year=2022, grade_bounds=[0.6, 0.8, 1.2, 2.0], level_bounds=[0.6, 2.0]
    )
    rows = api_as("other_park_admin").get(f"{BASE}/grades?{Q}").json()
    assert ent_a.pk not in [r["enterprise_id"] for r in rows]


def budgets_list(api_as, personas, ent_a, ent_b):
    Budget.objects.create(park=ent_a.park, enterprise=ent_a, year=2022, energy_tce=1, co2_t=1)
    for client in _outsiders(api_as):
        rows = client.get(f"{BASE}/budgets?year=2022").json()
        assert ent_a.pk not in [r["enterprise_id"] for r in rows]


def budgets_save(api_as, personas, ent_a, ent_b):
    body = {"year": 2022, "energy_tce": 10, "co2_t": 20, "enterprise_id": ent_a.pk}
    assert api_as("ent_b_user").post(f"{BASE}/budgets", body).status_code == 403
    response = api_as("other_park_admin").post(f"{BASE}/budgets", body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "enterprise_id"
    assert not Budget.objects.exists()


def _alert_for(ent):
    alert, _created = alert_services.alert_raise(
        actor=system_actor(ent.park), park=ent.park, kind="carbon.budget_co2",
        subject=f"enterprise:{ent.pk}/2022", title="m", enterprise_id=ent.pk,
        figure={"figure": "budget_co2", "period": "2022"},
    )  # fmt: skip
    return alert


def alerts_list(api_as, personas, ent_a, ent_b):
    alert = _alert_for(ent_a)
    for client in _outsiders(api_as):
        assert alert.pk not in [a["id"] for a in client.get(f"{BASE}/alerts").json()]


def alerts_ack(api_as, personas, ent_a, ent_b):
    alert = _alert_for(ent_a)
    for client in _outsiders(api_as):
        assert client.post(f"{BASE}/alerts/{alert.pk}/acknowledge", {}).status_code == 404
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def reports_list(api_as, personas, ent_a, ent_b):
    report = _report(ent_a)
    for client in _outsiders(api_as):
        assert report.pk not in [r["id"] for r in client.get(f"{BASE}/reports").json()]


def reports_create(api_as, personas, ent_a, ent_b):
    body = {"enterprise_id": ent_a.pk, "year": 2022, "month": 3}
    for client in _outsiders(api_as):
        assert client.post(f"{BASE}/reports", body).status_code == 404
    assert not Report.objects.exists()


def report_pdf(api_as, personas, ent_a, ent_b):
    report = _report(ent_a)
    for client in _outsiders(api_as):
        assert client.get(f"{BASE}/reports/{report.pk}/pdf").status_code == 404
        assert client.get(f"{BASE}/reports/{report.pk + 1}/pdf").status_code == 404


def report_xlsx(api_as, personas, ent_a, ent_b):
    report = _report(ent_a)
    for client in _outsiders(api_as):
        assert client.get(f"{BASE}/reports/{report.pk}/xlsx").status_code == 404


def report_versions(api_as, personas, ent_a, ent_b):
    report = _report(ent_a)
    assert api_as("ent_a_user").get(f"{BASE}/reports/{report.pk}/versions").status_code == 200
    for client in _outsiders(api_as):
        assert client.get(f"{BASE}/reports/{report.pk}/versions").status_code == 404


def report_version_pdf(api_as, personas, ent_a, ent_b):
    report = _report(ent_a)
    url = f"{BASE}/reports/{report.pk}/versions/1/pdf"
    assert api_as("ent_a_user").get(url).status_code == 200
    for client in _outsiders(api_as):
        assert client.get(url).status_code == 404
        assert client.get(f"{BASE}/reports/{report.pk}/versions/2/pdf").status_code == 404


def report_version_xlsx(api_as, personas, ent_a, ent_b):
    report = _report(ent_a)
    for client in _outsiders(api_as):
        assert client.get(f"{BASE}/reports/{report.pk}/versions/1/xlsx").status_code == 404


def batches_create(api_as, personas, ent_a, ent_b):
    body = {"year": 2022, "month": 3}
    assert api_as("ent_b_user").post(f"{BASE}/reports/batches", body).status_code == 403
    assert api_as("other_park_admin").post(f"{BASE}/reports/batches", body).status_code == 201
    assert not Report.objects.filter(park=ent_a.park).exists()


def batches_get(api_as, personas, ent_a, ent_b):
    batch = services.batch_create(
        actor=system_actor(ent_a.park), via="test", park=ent_a.park, year=2022, month=3
    )
    for client in _outsiders(api_as):
        assert client.get(f"{BASE}/reports/batches/{batch.pk}").status_code == 404


CASES = {
    ("GET", f"{BASE}/factors"): factors_list,
    ("POST", f"{BASE}/factors"): factors_create,
    ("GET", f"{BASE}/settings"): settings_list,
    ("POST", f"{BASE}/settings"): settings_save,
    ("GET", f"{BASE}/industry-averages"): averages_list,
    ("POST", f"{BASE}/industry-averages"): averages_save,
    ("GET", f"{BASE}/accounts"): accounts,
    ("GET", f"{BASE}/accounts/drilldown"): drilldown,
    ("POST", f"{BASE}/accounts/close"): close,
    ("POST", f"{BASE}/accounts/recompute"): recompute,
    ("GET", f"{BASE}/accounts/closings"): closings,
    ("GET", f"{BASE}/indicators"): indicators,
    ("GET", f"{BASE}/grades"): grades,
    ("GET", f"{BASE}/budgets"): budgets_list,
    ("POST", f"{BASE}/budgets"): budgets_save,
    ("GET", f"{BASE}/alerts"): alerts_list,
    ("POST", f"{BASE}/alerts/{{alert_id}}/acknowledge"): alerts_ack,
    ("GET", f"{BASE}/reports"): reports_list,
    ("POST", f"{BASE}/reports"): reports_create,
    ("GET", f"{BASE}/reports/{{report_id}}/pdf"): report_pdf,
    ("GET", f"{BASE}/reports/{{report_id}}/xlsx"): report_xlsx,
    ("GET", f"{BASE}/reports/{{report_id}}/versions"): report_versions,
    ("GET", f"{BASE}/reports/{{report_id}}/versions/{{version}}/pdf"): report_version_pdf,
    ("GET", f"{BASE}/reports/{{report_id}}/versions/{{version}}/xlsx"): report_version_xlsx,
    ("POST", f"{BASE}/reports/batches"): batches_create,
    ("GET", f"{BASE}/reports/batches/{{batch_id}}"): batches_get,
}


# --- green power and scope 2 ---------------------------------------------------------------


def _green(ent, serial="GEC-ISO-1"):
    from parkpilot.carbon import services_green

    return services_green.purchase_create(
        actor=system_actor(ent.park), via="test", park=ent.park, enterprise_id=ent.pk,
        kind="certificate",
        quantity_mwh="1", period_start="2022-03-01", period_end="2022-03-31", seller="某电站",
        certificates=serial,
    )  # fmt: skip


def green_list(api_as, personas, ent_a, ent_b):
    _green(ent_a)
    for outsider in _outsiders(api_as):
        assert outsider.get(f"{BASE}/green-power").json() == []
    assert len(api_as("ent_a_user").get(f"{BASE}/green-power").json()) == 1


def green_create(api_as, personas, ent_a, ent_b):
    from parkpilot.carbon.models_green import GreenPowerPurchase

    body = {"enterprise_id": ent_a.pk, "kind": "green_trade", "quantity_mwh": 5,
            "period_start": "2022-03-01", "period_end": "2022-03-31",
            "seller": "某电站"}  # fmt: skip
    # ent_b's user may not enter for anyone; another park's admin finds no such enterprise.
    assert api_as("ent_b_user").post(f"{BASE}/green-power", body).status_code == 403
    assert api_as("other_park_admin").post(f"{BASE}/green-power", body).status_code == 404
    assert not GreenPowerPurchase.objects.exists()


def scope2_read(api_as, personas, ent_a, ent_b):
    _green(ent_a)
    url = f"{BASE}/scope2?enterprise_id={ent_a.pk}&period=2022-03"
    for outsider in _outsiders(api_as):
        assert outsider.get(url).status_code == 404


CASES |= {
    ("GET", f"{BASE}/green-power"): green_list,
    ("POST", f"{BASE}/green-power"): green_create,
    ("GET", f"{BASE}/scope2"): scope2_read,
}
