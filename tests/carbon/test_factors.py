"""Which factor a period uses: its own year's, else the latest earlier published one, marked
carried forward (never an earlier value relabelled as the period's year).

Factors and their documents (carbon-reference.md):
  华东 2022 0.5617 kgCO2/kWh  《关于发布2022年电力二氧化碳排放因子的公告》
      (生态环境部 国家统计局 2024-12-20)
  华东 2023 0.5500 kgCO2/kWh  《关于发布2023年电力二氧化碳排放因子的公告》
      (生态环境部 国家统计局 2026-01)
  全国 2023 0.5306 kgCO2/kWh  same notice
  electricity 当量值 0.1229 kgce/kWh  GB/T 2589-2020 (entered for 2022, carried forward)"""

from datetime import date

import pytest
from carbon_helpers import feed, ramp

from parkpilot.carbon import selectors, services
from parkpilot.carbon.factors import FactorSet
from parkpilot.carbon.periods import period
from parkpilot.tenancy.actors import system_actor

pytestmark = pytest.mark.django_db

NOTICE_2023 = "《关于发布2023年电力二氧化碳排放因子的公告》生态环境部 国家统计局 2026-01"


def _add_2023(park):
    for region, value in (("east_china", "0.5500"), ("national", "0.5306")):
        services.factor_create(
            actor=system_actor(park), via="test", park=park, carrier="electricity", quantity="co2",
            region=region, year=2023, value=value, unit="kgCO2/kWh", document=NOTICE_2023,
            effective_from=date(2026, 1, 15),
        )  # fmt: skip


def test_a_year_without_its_own_factor_carries_the_latest_forward(park, factors):
    _add_2023(park)
    f2024 = FactorSet(park=park, year=2024)
    co2 = f2024.get("electricity", "co2")
    assert (co2.region, co2.year, co2.value, co2.document) == (
        "east_china",
        2023,
        0.55,
        NOTICE_2023,
    )
    assert co2.carried_forward and co2.as_dict["applied_year"] == 2024
    tce = f2024.get("electricity", "tce")
    assert (tce.year, tce.value, tce.carried_forward) == (2022, 0.1229, True)
    own = FactorSet(park=park, year=2023).get("electricity", "co2")
    assert (own.year, own.carried_forward) == (2023, False)


def test_an_earlier_year_never_uses_a_later_factor(park, factors):
    _add_2023(park)
    assert FactorSet(park=park, year=2022).get("electricity", "co2").value == 0.5617


def test_golden_2026_month_uses_the_2023_factor_marked_carried_forward(
    park, zone, ent_a, make_point, factors
):
    _add_2023(park)
    make_point("A-E1", owner=ent_a, zone=zone)
    feed(park, {"A-E1": ramp(10000)}, day="2026-03-15")
    per = period("1mo", date(2026, 3, 1), park.timezone)
    acc = selectors.live_accounts(user=selectors.system_reader(park), park=park, per=per)
    a = acc.enterprise(ent_a.pk).figures()
    # 10,000 kWh × 0.5500 kgCO2/kWh (华东 2023) = 5.5 t, not 5.617 t at the 2022 value;
    # 10,000 kWh × 0.1229 kgce/kWh = 1.229 tce.
    assert round(a["co2_t"], 6) == 5.5
    assert round(a["tce"], 6) == 1.229
    factor = a["sources"]["grid_electricity"]["factor"]
    assert (factor["year"], factor["applied_year"], factor["carried_forward"]) == (2023, 2026, True)
    assert factor["document"] == NOTICE_2023 and factor["version"] == 1


def test_a_new_factor_for_the_year_replaces_the_carried_one_at_once(park, factors):
    _add_2023(park)
    assert FactorSet.current(park=park, year=2024).get("electricity", "co2").year == 2023
    services.factor_create(
        actor=system_actor(park), via="test", park=park, carrier="electricity", quantity="co2",
        region="east_china", year=2024, value="0.5400", unit="kgCO2/kWh",
        document="2024 notice", effective_from=date(2027, 1, 1),
    )  # fmt: skip
    now = FactorSet.current(park=park, year=2024).get("electricity", "co2")
    assert (now.year, now.value, now.carried_forward) == (2024, 0.54, False)
