"""Green power (绿电交易, 绿证) and the market-based scope 2 beside the location-based one.

Factor: 华东 2022 0.5617 kgCO2/kWh, 《关于发布2022年电力二氧化碳排放因子的公告》 (生态环境部
国家统计局 2024-12-20). One 绿证 = 1 MWh (国家发展改革委 财政部 国家能源局《关于做好可再生能源
绿色电力证书全覆盖工作 促进可再生能源电力消费的通知》, 2023)."""

from datetime import date

import pytest
from carbon_helpers import feed, ramp
from django.utils import translation

from parkpilot.carbon import selectors, selectors_green, services_green
from parkpilot.carbon.models_green import GreenCertificate, GreenPowerPurchase
from parkpilot.carbon.periods import period
from parkpilot.tenancy.errors import Forbidden, NotFound, ValidationFailed
from parkpilot.tenancy.models import AuditLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def metered(park, zone, ent_a, make_point, factors):
    make_point("A-E1", owner=ent_a, zone=zone)
    feed(park, {"A-E1": ramp(10000)})  # 10,000 kWh from the grid in March 2022
    return park


def march(park):
    return period("1mo", date(2022, 3, 1), park.timezone)


def buy(park, ent, actor=None, **kw):
    args = {"kind": "certificate", "quantity_mwh": "4", "period_start": "2022-03-01",
            "period_end": "2022-03-31", "seller": "浙江某光伏电站",
            "certificates": "GEC-0001\nGEC-0002\nGEC-0003\nGEC-0004"} | kw  # fmt: skip
    return services_green.purchase_create(
        actor=actor, via="test", park=park, enterprise_id=ent.pk, **args
    )


def scope2(park, ent):
    acc = selectors.live_accounts(user=selectors.system_reader(park), park=park, per=march(park))
    return selectors_green.scope2_of(
        park=park, enterprise_id=ent.pk, per=march(park), figures=acc.enterprise(ent.pk).figures()
    )


def test_certificates_are_deducted_in_the_market_based_figure(metered, ent_a):
    buy(metered, ent_a)
    s = scope2(metered, ent_a)
    # location: 10,000 kWh × 0.5617 = 5.617 t; market: (10,000 − 4,000) × 0.5617 = 3.3702 t
    assert round(s["location_scope2_co2_t"], 6) == 5.617
    assert s["green_kwh_applied"] == 4000.0
    assert round(s["market_scope2_co2_t"], 6) == 3.3702
    assert round(s["deducted_co2_t"], 6) == 2.2468
    assert s["purchases"][0]["certificates"] == ["GEC-0001", "GEC-0002", "GEC-0003", "GEC-0004"]


def test_the_deduction_never_goes_below_zero(metered, ent_a):
    buy(metered, ent_a, kind="green_trade", quantity_mwh="25", certificates="", reference="T-9")
    s = scope2(metered, ent_a)
    # 25,000 kWh bought, 10,000 kWh used from the grid: 10,000 applied, 15,000 unused.
    assert (s["green_kwh_applied"], s["green_kwh_unused"]) == (10000.0, 15000.0)
    assert s["market_scope2_co2_t"] == 0.0
    assert round(s["location_scope2_co2_t"], 6) == 5.617


def test_a_purchase_spanning_two_months_is_spread_by_days(metered, ent_a):
    # 6.1 MWh over 1 March - 30 April (61 days): March's 31 days get 3.1 MWh.
    buy(metered, ent_a, kind="green_trade", quantity_mwh="6.1", period_end="2022-04-30",
        certificates="")  # fmt: skip
    s = scope2(metered, ent_a)
    assert s["green_kwh_available"] == pytest.approx(3100.0)
    # (10,000 − 3,100) × 0.5617 = 3.87573 t
    assert round(s["market_scope2_co2_t"], 6) == 3.87573


def test_the_same_certificate_id_is_never_counted_twice(metered, ent_a, ent_b):
    buy(metered, ent_a)
    with pytest.raises(ValidationFailed) as exc:
        buy(metered, ent_b, quantity_mwh="1", certificates="GEC-0003")
    assert [(e.field, e.code) for e in exc.value.errors] == [("certificates", "taken")]
    with pytest.raises(ValidationFailed) as exc:
        buy(metered, ent_b, quantity_mwh="2", certificates="GEC-0100 GEC-0100")
    assert exc.value.errors[0].code == "duplicate"
    assert exc.value.errors[0].reason == "编号重复：GEC-0100"  # zh-Hans, the site's language
    with translation.override("en"), pytest.raises(ValidationFailed) as exc:
        buy(metered, ent_b, quantity_mwh="2", certificates="GEC-0100 GEC-0100")
    assert exc.value.errors[0].reason == "Listed twice: GEC-0100"
    assert GreenPowerPurchase.objects.count() == 1 and GreenCertificate.objects.count() == 4
    assert scope2(metered, ent_b)["green_kwh_available"] == 0.0


def test_bad_input_names_each_field(metered, ent_a):
    with pytest.raises(ValidationFailed) as exc:
        buy(metered, ent_a, kind="coupon", quantity_mwh="-1", period_start="2022-04-01",
            period_end="2022-03-01", seller=" ", certificates="")  # fmt: skip
    fields = sorted(e.field for e in exc.value.errors)
    assert fields == ["kind", "period_end", "quantity_mwh", "seller"]
    with pytest.raises(ValidationFailed) as exc:
        buy(metered, ent_a, quantity_mwh="3")  # 4 certificates are 4 MWh
    assert exc.value.errors[0].field == "quantity_mwh"
    assert not GreenPowerPurchase.objects.exists()


def test_who_may_enter_green_power(metered, ent_a, ent_b, ent_other_park, personas):
    buy(metered, ent_a, actor=personas["ent_a_admin"])
    with pytest.raises(Forbidden):
        buy(metered, ent_b, actor=personas["ent_a_admin"], certificates="X1", quantity_mwh="1")
    with pytest.raises(Forbidden):
        buy(metered, ent_a, actor=personas["ent_a_user"], certificates="X2", quantity_mwh="1")
    with pytest.raises(NotFound):
        buy(metered, ent_other_park, actor=personas["park_staff"], certificates="X3",
            quantity_mwh="1")  # fmt: skip
    assert AuditLog.objects.filter(action="green_power.create").count() == 1


def test_the_api_enters_and_lists_only_ones_own(metered, ent_a, ent_b, api_as):
    body = {"enterprise_id": ent_a.pk, "kind": "certificate", "quantity_mwh": 2,
            "period_start": "2022-03-01", "period_end": "2022-03-31", "seller": "某风电场",
            "certificates": ["GEC-1", "GEC-2"]}  # fmt: skip
    created = api_as("ent_a_admin").post("/api/v1/carbon/green-power", body)
    assert created.status_code == 201, created.json()
    assert created.json()["certificates"] == ["GEC-1", "GEC-2"]
    again = api_as("park_staff").post("/api/v1/carbon/green-power", {**body, "quantity_mwh": 1,
                                      "certificates": ["GEC-2"]})  # fmt: skip
    assert again.status_code == 422
    assert again.json()["detail"][0]["loc"][-1] == "certificates"
    assert len(api_as("park_staff").get("/api/v1/carbon/green-power").json()) == 1
    assert api_as("ent_b_user").get("/api/v1/carbon/green-power").json() == []
    got = (
        api_as("ent_a_user")
        .get(f"/api/v1/carbon/scope2?enterprise_id={ent_a.pk}&period=2022-03")
        .json()
    )
    # (10,000 − 2,000) × 0.5617 = 4.4936 t
    assert round(got["market_scope2_co2_t"], 6) == 4.4936
    other = api_as("ent_b_user").get(
        f"/api/v1/carbon/scope2?enterprise_id={ent_a.pk}&period=2022-03"
    )
    assert other.status_code == 404
