"""The demo park's invented monthly rows reproduce the published figures exactly."""

from decimal import Decimal

import pytest
from django.utils import timezone

from parkpilot.demo.services import demo_load
from parkpilot.economy import selectors
from parkpilot.economy.models import EconomyProfile, EnterpriseMonthly
from parkpilot.tenancy.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    demo_load()
    return User.objects.get(username="staff")


def _ind(staff, year, month):
    result = selectors.park_indicators(user=staff, park_id=staff.park_id, year=year, month=month)
    return {i.code: i for i in result["indicators"]}


def test_2020_as_published(staff):
    ind = _ind(staff, 2020, 12)
    # 001: 规上工业增加值 85.6 亿元 +17.1%; 高新技术产业增加值 73.6 +21.3%, share 86%;
    # 高端装备制造业增加值 48.1 +33.3%.
    va = ind["above_scale_industrial_added_value"]
    assert (va.value_10k_cny, va.growth_pct) == (Decimal("856000.00"), Decimal("17.1"))
    ht = ind["high_tech_added_value"]
    assert (ht.value_10k_cny, ht.growth_pct) == (Decimal("736000.00"), Decimal("21.3"))
    assert ht.share_pct == Decimal("86.0")
    he = ind["high_end_equipment_added_value"]
    assert (he.value_10k_cny, he.growth_pct) == (Decimal("481000.00"), Decimal("33.3"))
    # One entrant of 2020 counts in the total but not in the growth.
    assert (va.enterprises, va.comparable) == (18, 17)


def test_2022_jan_aug_as_published(staff):
    ind = _ind(staff, 2022, 8)
    # 000: 规上工业总产值 454.4 亿元 +8.5%; 规上工业增加值 90.8 亿元 +35.3%.
    out = ind["above_scale_industrial_output"]
    assert (out.value_10k_cny, out.growth_pct) == (Decimal("4544000.00"), Decimal("8.5"))
    va = ind["above_scale_industrial_added_value"]
    assert (va.value_10k_cny, va.growth_pct) == (Decimal("908000.00"), Decimal("35.3"))


def test_every_demo_row_is_marked_and_reload_changes_nothing(staff):
    # 868 rows for 2019 to 2022-08, then 20 enterprises a month from 2022-09 to this month.
    today = timezone.localdate()
    later = (today.year - 2022) * 12 + today.month - 8
    assert EnterpriseMonthly.objects.count() == 868 + 20 * later
    assert not EnterpriseMonthly.objects.filter(is_demo=False).exists()
    assert not EconomyProfile.objects.filter(is_demo=False).exists()
    # No month has more value added than output.
    for row in EnterpriseMonthly.objects.exclude(value_added=None):
        assert row.value_added <= row.output_value
    assert demo_load().changed is False


def test_reload_keeps_a_month_a_person_corrected(staff):
    row = EnterpriseMonthly.objects.filter(year=2022, month=8).first()
    row.value_added, row.is_demo, row.source = Decimal("1.00"), False, "form"
    row.save()
    demo_load()
    row.refresh_from_db()
    assert row.value_added == Decimal("1.00")


def test_every_metered_month_has_value_added_but_for_the_firm_without_production(staff):
    """The demo's meters run up to now: each month since 2022-09 carries value added for every
    enterprise except 浙江众合科技股份有限公司 (software, not 规上 industry), which reports none
    (so its carbon page shows the per-m² figure and says why)."""
    today = timezone.localdate()
    rows = EnterpriseMonthly.objects.filter(year=today.year, month=today.month)
    missing = sorted(r.enterprise.name for r in rows if r.value_added is None)
    assert rows.count() == 20 and missing == ["浙江众合科技股份有限公司"]
    hangcha = EnterpriseMonthly.objects.get(
        enterprise__name="杭叉集团股份有限公司", year=2026, month=11
    )
    aug = EnterpriseMonthly.objects.get(enterprise__name="杭叉集团股份有限公司", year=2022, month=8)
    # November 2026: the 2022 run rate × season (110 vs August's 95) × 1.05⁴, so between
    # August 2022's figure and twice it.
    assert aug.value_added < hangcha.value_added < 2 * aug.value_added
