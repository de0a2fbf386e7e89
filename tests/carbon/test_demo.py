"""The demo loader: published factors as published (later years carry the latest published
one forward when read, marked), settings and industry averages per year, budgets; loading
twice changes nothing."""

from decimal import Decimal

import pytest
from django.utils import timezone

from parkpilot.carbon.demo import through_this_year
from parkpilot.carbon.factors import FactorSet
from parkpilot.carbon.models import Budget, EmissionFactor, IndustryAverage, YearSettings
from parkpilot.demo.services import demo_load

pytestmark = pytest.mark.django_db


def test_demo_catalogue_and_idempotence():
    demo_load()
    ec = EmissionFactor.objects.get(carrier="electricity", quantity="co2", region="east_china",
                                    year=2022)  # fmt: skip
    assert (ec.value, ec.unit, ec.is_demo) == (Decimal("0.561700"), "kgCO2/kWh", False)
    # 《关于发布2023年电力二氧化碳排放因子的公告》: 华东 0.5500 kgCO2/kWh; no row for 2024-2026.
    ec23 = EmissionFactor.objects.get(carrier="electricity", quantity="co2",
                                      region="east_china", year=2023)  # fmt: skip
    assert (ec23.value, ec23.is_demo) == (Decimal("0.550000"), False)
    assert "2023年电力二氧化碳排放因子" in ec23.document
    assert not EmissionFactor.objects.filter(year=2026).exists()
    market = EmissionFactor.objects.get(purpose="power_sector_market")
    assert (market.value, market.unit) == (Decimal("0.570300"), "tCO2/MWh")
    assert YearSettings.objects.get(year=2026).grade_bounds == [0.6, 0.8, 1.2, 2.0]
    assert IndustryAverage.objects.filter(year=2026).count() == 10
    assert Budget.objects.filter(enterprise__isnull=True).count() == 1
    counts = [m.objects.count() for m in (EmissionFactor, YearSettings, IndustryAverage, Budget)]
    report = demo_load()
    assert [m.objects.count() for m in (EmissionFactor, YearSettings, IndustryAverage, Budget)] == (
        counts
    )
    assert not report.created.get("emission_factor")


def test_demo_years_run_through_this_year():
    listed = [2022, 2023, 2024, 2025, 2026]
    assert through_this_year(listed, 2026) == listed
    assert through_this_year(listed, 2025) == listed  # nothing dropped
    assert through_this_year(listed, 2028) == [*listed, 2027, 2028]
    assert through_this_year([], 2028) == []


def test_the_demo_park_can_account_for_this_year():
    """Every carrier resolves for the current year (the latest published factor, marked
    carried forward), and settings and budgets reach it, or the carbon pages fail on 1
    January with a missing factor."""
    demo_load()
    year = timezone.localdate().year
    park = EmissionFactor.objects.first().park
    factors = FactorSet(park=park, year=year)
    for carrier in ("electricity", "natural_gas", "heat"):
        for quantity in ("co2", "tce"):
            found = factors.get(carrier, quantity)
            assert found.year < year and found.carried_forward, (carrier, quantity)
    assert factors.get("electricity", "co2").year == 2023
    assert YearSettings.objects.filter(year=year).exists()
    assert Budget.objects.filter(enterprise__isnull=True, year=year).exists()
