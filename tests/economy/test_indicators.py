"""Park indicators against hand calculations: comparable-basis growth, YTD sums, shares."""

from decimal import Decimal

import pytest
from economy_helpers import month, profile

from parkpilot.economy import selectors
from parkpilot.tenancy.errors import Forbidden
from parkpilot.tenancy.models import Enterprise

pytestmark = pytest.mark.django_db


@pytest.fixture
def firms(park, zone, ent_a, ent_b):
    """ent_a: 规上 C34, high-tech and high-end; ent_b: 规上 C38, high-tech only;
    c: 规上, new this year (no prior rows); d: software (I65), e: below scale — never counted."""
    for e in (ent_a, ent_b):
        e.above_scale = True
        e.save()
    c = Enterprise.objects.create(
        park=park,
        zone=zone,
        name="新进企业",
        credit_code="91330100MA2XXXXX1B",
        industry_code="C35",
        above_scale=True,
    )
    d = Enterprise.objects.create(
        park=park,
        name="软件企业",
        credit_code="91330100MA2XXXXX2B",
        industry_code="I65",
        above_scale=True,
    )
    e = Enterprise.objects.create(
        park=park,
        name="小微企业",
        credit_code="91330100MA2XXXXX3B",
        industry_code="C34",
        above_scale=False,
    )
    profile(ent_a, high_tech=True, high_end_equipment=True)
    profile(ent_b, high_tech=True)
    # 万元. Prior year (2021), Jan and Feb.
    month(ent_a, 2021, 1, 1000, 200)
    month(ent_a, 2021, 2, 1000, 200)
    month(ent_b, 2021, 1, 500, 100)
    month(ent_b, 2021, 2, 500, 100)
    # This year (2022), Jan and Feb; c is new; d and e must never count.
    month(ent_a, 2022, 1, 1200, 260)
    month(ent_a, 2022, 2, 1300, 280)
    month(ent_b, 2022, 1, 450, 90)
    month(ent_b, 2022, 2, 550, 120)
    month(c, 2022, 1, 300, 60)
    month(c, 2022, 2, 300, 60)
    month(d, 2022, 1, 9999, 999)
    month(e, 2022, 1, 9999, 999)
    month(d, 2021, 1, 1, 1)
    return {"c": c, "d": d, "e": e}


def _by_code(result):
    return {i.code: i for i in result["indicators"]}


def test_ytd_sums_comparable_growth_and_share(firms, personas, park):
    result = selectors.park_indicators(
        user=personas["park_staff"], park_id=park.pk, year=2022, month=2, mode="ytd"
    )
    assert result["label"] == "2022年1-2月"
    ind = _by_code(result)
    out = ind["above_scale_industrial_output"]
    # Total: a 1200+1300, b 450+550, c 300+300 = 4100 万元 = 0.41 亿元 -> 0.4.
    assert out.value_10k_cny == Decimal("4100")
    assert out.value_100m_cny == Decimal("0.4")
    # Comparable (a, b only): 3500 now vs 3000 a year ago = +16.666..% -> 16.7.
    assert (out.current_comparable_10k_cny, out.prior_comparable_10k_cny) == (3500, 3000)
    assert out.growth_pct == Decimal("16.7")
    assert (out.enterprises, out.comparable) == (3, 2)
    va = ind["above_scale_industrial_added_value"]
    # 260+280+90+120+60+60 = 870; comparable 750 vs 600 = +25.0%.
    assert va.value_10k_cny == Decimal("870")
    assert va.growth_pct == Decimal("25.0")
    ht = ind["high_tech_added_value"]
    # a + b = 750; vs 600 -> +25.0%; share 750 / 870 = 86.206..% -> 86.2.
    assert ht.value_10k_cny == Decimal("750")
    assert ht.growth_pct == Decimal("25.0")
    assert ht.share_pct == Decimal("86.2")
    he = ind["high_end_equipment_added_value"]
    # a only: 540 vs 400 = +35.0%.
    assert he.value_10k_cny == Decimal("540")
    assert he.growth_pct == Decimal("35.0")
    assert he.share_pct is None


def test_single_month(firms, personas, park):
    ind = _by_code(
        selectors.park_indicators(
            user=personas["park_admin"], park_id=park.pk, year=2022, month=2, mode="month"
        )
    )
    va = ind["above_scale_industrial_added_value"]
    # February: a 280 + b 120 + c 60 = 460; comparable 400 vs 300 = +33.3%.
    assert va.value_10k_cny == Decimal("460")
    assert va.growth_pct == Decimal("33.3")


def test_growth_is_none_without_a_prior_period(firms, personas, park):
    ind = _by_code(
        selectors.park_indicators(
            user=personas["supervisor"], park_id=park.pk, year=2021, month=2, mode="ytd"
        )
    )
    assert ind["above_scale_industrial_output"].growth_pct is None
    assert ind["above_scale_industrial_output"].value_10k_cny == Decimal("3000")


def test_only_park_roles_get_indicators(firms, personas, park):
    for name in ("ent_a_admin", "ent_a_user", "resident", "gateway"):
        with pytest.raises(Forbidden):
            selectors.park_indicators(user=personas[name], park_id=park.pk, year=2022, month=2)


def test_another_parks_admin_sees_none_of_this_park(firms, personas, park):
    ind = _by_code(
        selectors.park_indicators(
            user=personas["other_park_admin"], park_id=park.pk, year=2022, month=2
        )
    )
    assert ind["above_scale_industrial_output"].value_10k_cny == 0
    assert ind["above_scale_industrial_output"].enterprises == 0


def test_indicator_query_is_one_query(firms, personas, park, django_assert_num_queries):
    with django_assert_num_queries(1):
        selectors.park_indicators(user=personas["park_staff"], park_id=park.pk, year=2022, month=2)
