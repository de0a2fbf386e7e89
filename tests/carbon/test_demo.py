"""The demo loader: published factors as published, later years carried forward as demo,
settings and industry averages per year, budgets; loading twice changes nothing."""

from decimal import Decimal

import pytest

from parkpilot.carbon.models import Budget, EmissionFactor, IndustryAverage, YearSettings
from parkpilot.demo.services import demo_load

pytestmark = pytest.mark.django_db


def test_demo_catalogue_and_idempotence():
    demo_load()
    ec = EmissionFactor.objects.get(carrier="electricity", quantity="co2", region="east_china",
                                    year=2022)  # fmt: skip
    assert (ec.value, ec.unit, ec.is_demo) == (Decimal("0.561700"), "kgCO2/kWh", False)
    carried = EmissionFactor.objects.get(carrier="electricity", quantity="co2",
                                         region="east_china", year=2026)  # fmt: skip
    assert carried.is_demo and carried.value == Decimal("0.561700")
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
