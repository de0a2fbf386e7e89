"""A period's intensity uses only the months that have both energy and value added, and says
which: a year with value added entered for November alone has November's intensity, not the
whole year's CO2 divided by November's value added.

Factor: 华东 2022 0.5617 kgCO2/kWh, 《关于发布2022年电力二氧化碳排放因子的公告》 (生态环境部
国家统计局 2024-12-20); 当量值 0.1229 kgce/kWh, GB/T 2589-2020 (carbon_helpers.py)."""

from datetime import date
from decimal import Decimal

import pytest
from carbon_helpers import feed, ramp

from parkpilot.carbon import selectors, services
from parkpilot.carbon.periods import period
from parkpilot.economy.models import EnterpriseMonthly
from parkpilot.tenancy.actors import system_actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_months(park, zone, ent_a, make_point, factors):
    services.settings_upsert(actor=system_actor(park), via="test", park=park, year=2022)
    services.industry_average_upsert(
        actor=system_actor(park), via="test", park=park, industry_code=ent_a.industry_code or "C34",
        year=2022, intensity="1.0",
    )  # fmt: skip
    make_point("A-E1", owner=ent_a, zone=zone)
    # 10,000 kWh in March, 30,000 kWh in November.
    feed(park, {"A-E1": ramp(10000)}, day="2022-03-15")
    feed(park, {"A-E1": ramp(30000, start=10000)}, day="2022-11-15")
    # Value added for November only (March not reported), and for a month without energy.
    for month, va in ((11, "20.0"), (6, "5.0")):
        EnterpriseMonthly.objects.create(
            park=park, enterprise=ent_a, year=2022, month=month, value_added=Decimal(va)
        )
    return park


def test_the_year_uses_only_the_months_with_energy_and_value_added(two_months, ent_a):
    park = two_months
    year = period("1y", date(2022, 1, 1), park.timezone)
    econ = selectors.economics(user=selectors.system_reader(park), park=park, per=year)[ent_a.pk]
    # June has value added but no energy; March energy but no value added.
    assert econ["months"] == [11]
    assert econ["months_without_value_added"] == [3]
    acc = selectors.live_accounts(user=selectors.system_reader(park), park=park, per=year)
    a = acc.enterprise(ent_a.pk)
    ints = selectors.intensities(a.tce, a.co2_t, econ, None)
    # The year's totals stay whole: 40,000 kWh × 0.5617 kg = 22.468 t; × 0.1229 kg = 4.916 tce.
    assert round(ints["co2_t"], 6) == 22.468
    # The intensity: November's 30,000 kWh × 0.5617 = 16.851 t ÷ 20 万元 = 0.84255 tCO2/万元
    # (not 22.468 ÷ 20 = 1.1234); energy 30,000 × 0.1229 kg = 3.687 tce ÷ 20 = 0.18435.
    assert round(ints["carbon_intensity"], 6) == 0.84255
    assert round(ints["energy_intensity"], 6) == 0.18435
    assert ints["basis_months"] == [11] and ints["value_added"] == 20.0
    assert ints["carbon_per_m2_kg"] is None


def test_the_year_grade_equals_novembers_when_only_november_has_value_added(two_months, ent_a):
    park = two_months
    staff = selectors.system_reader(park)
    nov = selectors.grade_table(user=staff, park=park, per=period("1mo", date(2022, 11, 1),
                                                                   park.timezone))  # fmt: skip
    year = selectors.grade_table(user=staff, park=park, per=period("1y", date(2022, 1, 1),
                                                                    park.timezone))  # fmt: skip
    mine = {r["enterprise_id"]: r for r in nov}[ent_a.pk]
    whole = {r["enterprise_id"]: r for r in year}[ent_a.pk]
    # K = 0.84255 ÷ 1.0 → grade 3 (0.8 < K ≤ 1.2) in both.
    assert mine["carbon_intensity"] == pytest.approx(whole["carbon_intensity"])
    assert (mine["grade"], whole["grade"]) == (3, 3)
