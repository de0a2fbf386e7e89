"""碳效码 grade and level at their boundaries (DB33/T 1347-2023; thresholds per year), intensity
from economy's monthly value added, per-m² intensity without it, anonymised ranking."""

from datetime import date
from decimal import Decimal

import pytest
from carbon_helpers import feed, ramp

from parkpilot.carbon import grading, selectors, services
from parkpilot.carbon.periods import period
from parkpilot.economy.models import EnterpriseMonthly
from parkpilot.tenancy.actors import system_actor
from parkpilot.tenancy.errors import ValidationFailed

pytestmark = pytest.mark.django_db
BOUNDS = [0.6, 0.8, 1.2, 2.0]


@pytest.mark.parametrize(
    ("k", "grade"),
    [(0.0, 1), (0.6, 1), (0.6000001, 2), (0.8, 2), (0.8000001, 3), (1.2, 3), (1.2000001, 4),
     (2.0, 4), (2.0000001, 5), (10, 5)],
)  # fmt: skip
def test_grade_boundaries_are_inclusive_upper_bounds(k, grade):
    assert grading.grade_of(k, BOUNDS) == grade


@pytest.mark.parametrize(
    ("intensity", "level"),
    [(0.0, "low"), (0.6, "low"), (0.6000001, "medium"), (2.0, "medium"), (2.0000001, "high")],
)
def test_level_boundaries(intensity, level):
    assert grading.level_of(intensity, [0.6, 2.0]) == level


def test_thresholds_are_configured_per_year(park, personas):
    services.settings_upsert(actor=personas["park_staff"], via="test", park=park, year=2022)
    services.settings_upsert(
        actor=personas["park_staff"], via="test", park=park, year=2023,
        grade_bounds=[0.5, 0.8, 1.2, 2.0],
    )  # fmt: skip
    assert grading.settings_for(park, 2022).grade_bounds == BOUNDS
    assert grading.grade_of(0.55, grading.settings_for(park, 2023).grade_bounds) == 2
    with pytest.raises(ValidationFailed) as err:
        grading.settings_for(park, 2024)
    assert "2024" in str(err.value)
    with pytest.raises(ValidationFailed) as err:
        services.settings_upsert(
            actor=personas["park_staff"], via="test", park=park, year=2025,
            grade_bounds=[0.8, 0.6, 1.2, 2.0],
        )  # fmt: skip
    assert err.value.errors[0].field == "grade_bounds"


def test_grade_rank_and_per_m2(park, zone, ent_a, ent_b, make_point, factors, personas):
    ent_b.floor_area_m2 = 2000
    ent_b.save()
    third = ent_a.__class__.objects.create(
        park=park, zone=zone, name="第三家企业有限公司", credit_code="91330100MA27XXXX3X",
        industry_code="C34",
    )  # fmt: skip
    services.settings_upsert(actor=system_actor(park), via="test", park=park, year=2022)
    services.industry_average_upsert(
        actor=system_actor(park),
        via="test",
        park=park,
        industry_code="C34",
        year=2022,
        intensity="1.0",
    )
    for code, ent in (("A-E1", ent_a), ("B-E1", ent_b), ("C-E1", third)):
        make_point(code, owner=ent, zone=zone)
    # A: 10,000 kWh → 5.617 t; B: 2,000 kWh → 1.1234 t; C: 4,000 kWh → 2.2468 t.
    feed(park, {"A-E1": ramp(10000), "B-E1": ramp(2000), "C-E1": ramp(4000)})
    for ent, va in ((ent_a, "7.0"), (third, "1.0")):
        EnterpriseMonthly.objects.create(
            park=park, enterprise=ent, year=2022, month=3, value_added=Decimal(va)
        )
    per = period("1mo", date(2022, 3, 1), park.timezone)
    a = selectors.enterprise_grade(
        user=personas["ent_a_user"], park=park, enterprise=ent_a, per=per
    )
    # L = 5.617 / 7.0 = 0.802429 tCO2/万元 → medium; K = L / 1.0 → grade 3 (0.8 < K ≤ 1.2).
    assert round(a["indicators"]["carbon_intensity"], 6) == 0.802429
    assert (a["grade"]["grade"], a["grade"]["level"]) == (3, "medium")
    # C: L = 2.2468 → high, K = 2.2468 → grade 5. A ranks 1 of 2; C is anonymised.
    assert (a["grade"]["rank"], a["grade"]["rank_of"]) == (1, 2)
    assert [p["name"] for p in a["peers"]] == ["杭叉集团股份有限公司", "同行企业 A"]
    # B has no value added: no grade, a per-m² intensity instead (1.1234 t = 1,123.4 kg / 2,000 m²).
    b = selectors.enterprise_grade(
        user=personas["ent_b_user"], park=park, enterprise=ent_b, per=per
    )
    assert b["grade"]["grade"] is None and b["grade"]["why"] == "no_value_added"
    assert round(b["indicators"]["carbon_per_m2_kg"], 4) == 0.5617
