"""Accounting golden numbers, by hand, from readings fed through energy intake and rollups.

Factors (tests/carbon/carbon_helpers.py cites each document):
  electricity CO2, 华东 2022   0.5617 kgCO2/kWh  《关于发布2022年电力二氧化碳排放因子的公告》
  electricity tce (当量值)     0.1229 kgce/kWh   GB/T 2589-2020
  natural gas CO2              21.62 tCO2/10⁴Nm³ GB/T 32150-2015 defaults (99% oxidation)
  natural gas tce              1.2143 kgce/m³    GB/T 2589-2020
  heat CO2                     0.11 tCO2/GJ      sector accounting guideline default
  heat tce                     0.03412 kgce/MJ   GB/T 2589-2020
The park (region code 330112) is in Zhejiang: with no Zhejiang factor entered, the East China
grid factor applies (carbon-reference.md: provincial, else regional, else national)."""

from datetime import date

import pytest
from carbon_helpers import feed, load_factors, ramp

from parkpilot.carbon import selectors, services
from parkpilot.carbon.factors import FactorMissing
from parkpilot.carbon.models import CarbonAccount
from parkpilot.carbon.periods import period
from parkpilot.tenancy.actors import system_actor
from parkpilot.tenancy.credit_code import make_demo_credit_code
from parkpilot.tenancy.errors import ValidationFailed
from parkpilot.tenancy.models import AuditLog, Enterprise

pytestmark = pytest.mark.django_db


@pytest.fixture
def metered(park, zone, ent_a, ent_b, make_point, factors):
    main = make_point("A-E1", owner=ent_a, zone=zone)
    make_point("A-E1-01", owner=ent_a, zone=zone, parent=main)  # sub-meter: not counted again
    make_point("A-GAS", owner=ent_a, zone=zone, kind="natural_gas", unit="m3")
    make_point("A-STM", owner=ent_a, zone=zone, kind="steam", unit="t", enthalpy=2.76)
    make_point("B-E1", owner=ent_b, zone=zone)
    make_point("B-PV", owner=ent_b, zone=zone, kind="pv_generation")
    make_point("B-GX", owner=ent_b, zone=zone, kind="grid_export")
    make_point("EV-1", zone=zone, kind="ev_charging")
    make_point("SL-1", zone=zone, kind="street_lighting")
    make_point("PV-1", zone=zone, kind="pv_generation")
    make_point("GX-1", zone=zone, kind="grid_export")
    make_point("ESS-C", zone=zone, kind="storage_charge")
    make_point("ESS-D", zone=zone, kind="storage_discharge")
    feed(
        park,
        {
            "A-E1": ramp(10000, start=500), "A-E1-01": ramp(4000), "A-GAS": ramp(1000),
            "A-STM": ramp(10), "B-E1": ramp(2000), "B-PV": ramp(500), "B-GX": ramp(100),
            "EV-1": ramp(300), "SL-1": ramp(200), "PV-1": ramp(1000), "GX-1": ramp(1200),
            "ESS-C": ramp(400), "ESS-D": ramp(350),
        },
    )  # fmt: skip
    return park


def march(park):
    return period("1mo", date(2022, 3, 1), park.timezone)


def accounts(park):
    return selectors.live_accounts(user=selectors.system_reader(park), park=park, per=march(park))


def r6(x):
    return round(x, 6)


def test_enterprise_with_gas_steam_and_a_sub_meter(metered, ent_a):
    a = accounts(metered).enterprise(ent_a.pk).figures()
    # Electricity: the main meter's 10,000 kWh; the sub-meter's 4,000 kWh are inside it.
    assert a["energy"] == {"grid_import": 10000.0, "natural_gas": 1000.0, "steam": 10.0}
    # 10,000 kWh × 0.5617 kg = 5.617 t; 1,000 m³ × 21.62 t/10⁴ m³ = 2.162 t;
    # 10 t steam × 2.76 GJ/t = 27.6 GJ × 0.11 t/GJ = 3.036 t.
    assert r6(a["sources"]["grid_electricity"]["co2_t"]) == 5.617
    assert r6(a["sources"]["natural_gas"]["co2_t"]) == 2.162
    assert r6(a["heat_gj"]) == 27.6
    assert r6(a["sources"]["steam"]["co2_t"]) == 3.036
    assert r6(a["scope1_co2_t"]) == 2.162
    assert r6(a["scope2_co2_t"]) == 8.653
    assert r6(a["co2_t"]) == 10.815
    # tce: 10,000 × 0.1229 kg = 1.229; 1,000 × 1.2143 kg = 1.2143; 27.6 GJ × 0.03412 = 0.941712.
    assert {k: r6(v) for k, v in a["tce_by_carrier"].items()} == {
        "electricity": 1.229, "natural_gas": 1.2143, "heat": 0.941712,
    }  # fmt: skip
    assert r6(a["tce"]) == 3.385012
    assert a["sources"]["grid_electricity"]["factor"]["region"] == "east_china"


def test_pv_consumed_on_site_is_zero_carbon_and_deducted(metered, ent_b):
    a = accounts(metered).enterprise(ent_b.pk).figures()
    e = a["electricity"]
    # Used on site: 2,000 grid + 500 PV − 100 export = 2,400 kWh; PV consumed on site
    # 500 − 100 = 400 kWh (zero carbon); grid electricity 2,400 − 400 = 2,000 kWh.
    assert (e["used_kwh"], e["pv_self_consumed_kwh"], e["grid_kwh"]) == (2400.0, 400.0, 2000.0)
    assert r6(a["co2_t"]) == 1.1234  # 2,000 × 0.5617 kg
    assert r6(a["tce"]) == 0.29496  # 2,400 × 0.1229 kg (all electricity used counts as energy)


def test_public_loads_export_and_storage_without_double_counting(metered):
    pub = accounts(metered).public_total().figures()
    e = pub["electricity"]
    # EV 300 + street lights 200 + PV 1,000 − export 1,200 = 300 kWh used; export above the PV
    # (200 kWh) came from storage, whose charge/discharge (400/350) are internal flows.
    assert e["used_kwh"] == 300.0
    assert e["pv_self_consumed_kwh"] == 0.0
    assert e["grid_kwh"] == 300.0
    assert (e["storage_charge_kwh"], e["storage_discharge_kwh"]) == (400.0, 350.0)
    # Round-trip loss 400 − 350 = 50 kWh: its own line, not added to the 300 kWh used.
    assert e["storage_loss_kwh"] == 50.0
    assert r6(pub["co2_t"]) == 0.16851  # 300 × 0.5617 kg
    assert r6(pub["tce"]) == 0.03687  # 300 × 0.1229 kg


def test_park_and_zone_are_the_sum_of_enterprises_and_public_loads(metered, zone):
    acc = accounts(metered)
    # 10.815 + 1.1234 + 0.16851 = 12.10691 tCO2; 3.385012 + 0.29496 + 0.03687 = 3.716842 tce.
    assert r6(acc.park().co2_t) == 12.10691
    assert r6(acc.park().tce) == 3.716842
    assert r6(acc.zone(zone.pk).co2_t) == 12.10691
    # The park's figures: each additive figure is the sum of its parts.
    park = acc.park().figures()
    parts = [a.figures() for a in [*acc.enterprises.values(), *acc.public.values()]]
    assert park["electricity"]["used_kwh"] == sum(p["electricity"]["used_kwh"] for p in parts)
    assert park["energy"]["grid_import"] == 12000.0  # 10,000 (A) + 2,000 (B); sub-meter not
    assert park["sources"]["natural_gas"]["quantity"] == 1000.0
    assert park["sources"]["steam"]["mass_t"] == 10.0
    assert set(park["factors"]) == {f"{c}.{q}" for c in ("electricity", "natural_gas", "heat")
                                    for q in ("co2", "tce")}  # fmt: skip


def test_missing_factor_names_kind_region_and_year(park, ent_a, make_point):
    load_factors(
        park, skip={("electricity", "co2", "east_china"), ("electricity", "co2", "national")}
    )
    make_point("A-E1", owner=ent_a)
    feed(park, {"A-E1": ramp(100)})
    with pytest.raises(FactorMissing) as err:
        accounts(park)
    assert err.value.errors[0].field == "factor"
    assert "electricity" in str(err.value)
    assert "zhejiang/east_china/national" in str(err.value)
    assert "2022" in str(err.value)


def test_provincial_factor_preferred_when_entered(metered, ent_a):
    services.factor_create(
        actor=system_actor(metered), via="test", park=metered, carrier="electricity",
        quantity="co2",
        region="zhejiang", year=2022, value="0.5", unit="kgCO2/kWh",
        document="测试：工作人员录入的浙江省因子", effective_from=date(2024, 12, 20),
    )  # fmt: skip
    a = accounts(metered).enterprise(ent_a.pk).figures()
    assert a["sources"]["grid_electricity"]["factor"]["region"] == "zhejiang"
    assert r6(a["sources"]["grid_electricity"]["co2_t"]) == 5.0  # 10,000 × 0.5 kg


def test_stored_account_reproduces_and_recompute_makes_a_new_version(metered, ent_a, personas):
    per = march(metered)
    services.account_close(actor=personas["park_staff"], via="test", park=metered, per=per)
    stored = CarbonAccount.objects.get(scope="enterprise", scope_id=ent_a.pk, level="1mo")
    assert r6(stored.co2_t) == 10.815 and stored.version == 1
    # A corrected East China factor arrives (a new version; the old one is kept).
    services.factor_create(
        actor=personas["park_staff"], via="test", park=metered, carrier="electricity",
        quantity="co2", region="east_china", year=2022, value="0.6", unit="kgCO2/kWh",
        document="测试：更正后的因子", effective_from=date(2025, 1, 1),
    )  # fmt: skip
    view = selectors.account_view(
        user=personas["ent_a_user"], park=metered, scope="enterprise", scope_id=ent_a.pk, per=per
    )
    assert view["stored"] is True and r6(view["figures"]["co2_t"]) == 10.815
    # Beside the snapshot, what the live data says now (here: the factor change alone).
    assert r6(view["since_closing"]["co2_t"]) == 0.383 and view["since_closing"]["readings"] == 0
    assert r6(services.reproduce(account=stored, park=metered)["co2_t"]) == 10.815
    result = services.account_recompute(
        actor=personas["park_staff"], via="test", park=metered, per=per, reason="因子更正"
    )
    assert (result["previous_version"], result["version"]) == (1, 2)
    mine = next(
        c for c in result["changes"] if c["scope"] == "enterprise" and c["scope_id"] == ent_a.pk
    )
    # 10,000 kWh × (0.6 − 0.5617) kg = 0.383 t more.
    assert r6(mine["co2_t_diff"]) == 0.383
    # Version 1 is kept as it was; version 2 is what every read now shows.
    stored.refresh_from_db()
    assert r6(stored.co2_t) == 10.815 and stored.version == 1
    v2 = CarbonAccount.objects.get(scope="enterprise", scope_id=ent_a.pk, level="1mo", version=2)
    assert r6(v2.co2_t) == 11.198
    view = selectors.account_view(
        user=personas["ent_a_user"], park=metered, scope="enterprise", scope_id=ent_a.pk, per=per
    )
    assert (view["version"], r6(view["figures"]["co2_t"])) == (2, 11.198)
    log = AuditLog.objects.get(action="carbon.account.recompute")
    # The park: 12.10691 t before; after, A's electricity 10,000 kWh and B's grid 2,000 kWh and
    # the public 300 kWh at 0.6 instead of 0.5617: + 12,300 × 0.0383 kg = +0.47109 t.
    assert r6(log.before["co2_t"]) == 12.10691 and r6(log.after["co2_t"]) == 12.578
    assert (log.before["version"], log.after["version"], log.after["reason"]) == (1, 2, "因子更正")


def test_drilldown_lists_the_rollups_and_factors(metered, ent_a, personas):
    d = selectors.drilldown(
        user=personas["ent_a_user"], park=metered, scope="enterprise", scope_id=ent_a.pk,
        per=march(metered),
    )  # fmt: skip
    points = {p["point_code"]: (p["energy"], p["sub_meter"]) for p in d["points"]}
    assert points == {
        "A-E1": (10000.0, False), "A-E1-01": (4000.0, True), "A-GAS": (1000.0, False),
        "A-STM": (10.0, False),
    }  # fmt: skip
    docs = {(f["carrier"], f["quantity"]): f["document"] for f in d["factor_rows"]}
    assert docs[("electricity", "co2")].startswith("《关于发布2022年电力二氧化碳排放因子的公告》")
    assert len(docs) == 6


def test_hour_day_and_year_levels(metered, ent_a):
    system = selectors.system_reader(metered)
    for level, start in (("1h", "2022-03-15T10"), ("1d", "2022-03-15"), ("1y", "2022")):
        from parkpilot.carbon.periods import parse

        per = parse(level, start, metered.timezone)
        a = (
            selectors.live_accounts(user=system, park=metered, per=per)
            .enterprise(ent_a.pk)
            .figures()
        )
        assert r6(a["co2_t"]) == 10.815, level


def test_steam_point_without_enthalpy_is_a_named_error(park, ent_a, make_point, factors):
    make_point("A-STM", owner=ent_a, kind="steam", unit="t")  # no enthalpy: heat unknown
    feed(park, {"A-STM": ramp(10)})
    with pytest.raises(ValidationFailed) as err:
        accounts(park)
    assert err.value.errors[0].field == "enthalpy_gj_per_t"


def test_enterprise_with_points_in_two_zones_has_one_account(park, ent_a, make_point, factors):
    from parkpilot.tenancy.models import Zone

    north = Zone.objects.create(park=park, code="N", name="北区")
    south = Zone.objects.create(park=park, code="S", name="南区")
    make_point("A-N", owner=ent_a, zone=north)
    make_point("A-S", owner=ent_a, zone=south)
    feed(park, {"A-N": ramp(1000), "A-S": ramp(3000)})
    a = accounts(park).enterprise(ent_a.pk).figures()
    assert a["energy"] == {"grid_import": 4000.0}
    assert r6(a["co2_t"]) == 2.2468  # 4,000 kWh × 0.5617 kg


def test_live_accounts_use_a_new_factor_version_at_once(metered, ent_a):
    """Live reads share the loaded catalogue; a new version must reach the next read."""
    before = accounts(metered).enterprise(ent_a.pk).figures()["sources"]["grid_electricity"]
    assert r6(before["co2_t"]) == 5.617  # 10,000 kWh × 0.5617 kg (华东 2022)
    services.factor_create(
        actor=system_actor(metered), via="test", park=metered, carrier="electricity",
        quantity="co2",
        region="east_china", year=2022, value="0.6", unit="kgCO2/kWh", document="修订 / revised",
        effective_from=date(2022, 1, 1),
    )  # fmt: skip
    after = accounts(metered).enterprise(ent_a.pk).figures()["sources"]["grid_electricity"]
    assert r6(after["co2_t"]) == 6.0  # 10,000 kWh × 0.6 kg
    assert after["factor"]["version"] == before["factor"]["version"] + 1


def test_every_enterprise_has_an_account_in_id_order_even_without_meters(metered, ent_a, ent_b):
    quiet = Enterprise.objects.create(
        park=metered, name="无计量企业有限公司", credit_code=make_demo_credit_code("无计量企业")
    )
    acc = accounts(metered)
    assert list(acc.enterprises) == sorted([ent_a.pk, ent_b.pk, quiet.pk])
    empty = acc.enterprise(quiet.pk).figures()
    assert (empty["co2_t"], empty["tce"], empty["energy"], empty["sources"]) == (0.0, 0.0, {}, {})
    assert acc.meta[quiet.pk].name == "无计量企业有限公司"
    # Energy by kind comes sorted and without zeros, as the stored figures keep it.
    assert list(acc.enterprise(ent_a.pk).energy) == ["grid_import", "natural_gas", "steam"]


def test_an_enterprise_user_gets_only_its_own_account(metered, ent_a, personas):
    mine = selectors.live_accounts(user=personas["ent_a_user"], park=metered, per=march(metered))
    assert list(mine.enterprises) == [ent_a.pk]
    assert list(mine.meta) == [ent_a.pk]
    assert mine.public == {}  # the park's public loads are not an enterprise's to read
    assert mine.enterprise(ent_a.pk).figures() == accounts(metered).enterprise(ent_a.pk).figures()
