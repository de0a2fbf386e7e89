"""The carbon tiles of the data cockpit (emissions, grades, budget) and the budget projection,
golden numbers by hand. "This month" is pinned to a month of 2022 (the factor year loaded).

Factors (tests/carbon/carbon_helpers.py cites each document):
  electricity CO2, 华东 2022  0.5617 kgCO2/kWh  《关于发布2022年电力二氧化碳排放因子的公告》
  electricity tce (当量值)    0.1229 kgce/kWh   GB/T 2589-2020《综合能耗计算通则》
March 2022: A 10,000 kWh → 5.617 tCO2, 1.229 tce; B 2,000 kWh → 1.1234 tCO2, 0.2458 tce;
the park = A + B = 6.7404 tCO2, 1.4748 tce, all scope 2 (purchased electricity).
Straight-line projection = used since 1 January ÷ elapsed share of the year (docs/carbon.md)."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from carbon_helpers import feed, ramp
from django.utils import translation

from parkpilot.carbon import cockpit, selectors, services
from parkpilot.carbon.periods import period
from parkpilot.economy.models import EnterpriseMonthly
from parkpilot.tenancy.actors import system_actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def march(park, zone, ent_a, ent_b, make_point, factors):
    make_point("A-E1", owner=ent_a, zone=zone)
    make_point("B-E1", owner=ent_b, zone=zone)
    feed(park, {"A-E1": ramp(10000), "B-E1": ramp(2000)}, day="2022-03-15")
    return park


def pin_month(monkeypatch, park, m: int):
    monkeypatch.setattr(
        cockpit, "this_month", lambda _park: period("1mo", date(2022, m, 1), park.timezone)
    )


def test_emissions_tile(march, personas, monkeypatch):
    pin_month(monkeypatch, march, 3)
    with translation.override("en"):
        tile = cockpit.emissions_tile(personas["park_staff"], march)
    # 6.7404 t → 6.7; tce 1.4748 → 1.5; scope 1 none; scope 2 6.7404 → 6.7.
    assert (tile.value, tile.unit) == (6.7, "tCO2")
    assert tile.caption == "this month: 1.5 tce, scope 1 0.0 t, scope 2 6.7 t"
    assert tile.link == "/carbon/" and not tile.demo
    with translation.override("zh-hans"):
        tile = cockpit.emissions_tile(personas["park_staff"], march)
    assert tile.caption == "本月能耗 1.5 tce，范围一 0.0 t，范围二 6.7 t"


def test_grades_tile(march, ent_a, ent_b, personas, monkeypatch):
    # "This month" April → the tile grades March, the last whole month.
    pin_month(monkeypatch, march, 4)
    # Before the year's grading thresholds are set, the tile says so and links to the
    # settings, instead of showing an error.
    unset = cockpit.grades_tile(personas["park_staff"], march)
    assert (unset.value, unset.status, unset.link) == ("—", "warn", "/carbon/settings/")
    assert "2022" in unset.caption
    services.settings_upsert(
        actor=system_actor(march), via="test", park=march, year=2022
    )  # 0.6/0.8/1.2/2.0
    services.industry_average_upsert(
        actor=system_actor(march),
        via="test",
        park=march,
        industry_code="C34",
        year=2022,
        intensity="1.0",
    )
    # A: L = 5.617 / 7.0 = 0.802429 → K = 0.802429 (average 1.0) ∈ (0.8, 1.2] → grade 3.
    EnterpriseMonthly.objects.create(
        park=march, enterprise=ent_a, year=2022, month=3, value_added=Decimal("7.0")
    )
    # B has no value added yet: no grade.
    tile = cockpit.grades_tile(personas["park_staff"], march)
    assert (tile.value, tile.as_of, tile.status) == (1, "2022-03", "ok")
    assert tile.chart["series"][0]["data"] == [0, 0, 1, 0, 0]
    # B: L = 1.1234 / 0.7 = 1.604857 → K ∈ (1.2, 2.0] → grade 4: the tile warns.
    EnterpriseMonthly.objects.create(
        park=march, enterprise=ent_b, year=2022, month=3, value_added=Decimal("0.7")
    )
    tile = cockpit.grades_tile(personas["park_staff"], march)
    assert (tile.value, tile.status) == (2, "warn")
    assert tile.chart["series"][0]["data"] == [0, 0, 1, 1, 0]


def test_budget_tile(march, ent_a, ent_b, personas, monkeypatch):
    pin_month(monkeypatch, march, 3)
    staff = personas["park_staff"]
    for ent, co2 in ((None, 30), (ent_a, 20), (ent_b, 20)):
        services.budget_upsert(
            actor=staff, via="test", park=march, year=2022, energy_tce=100, co2_t=co2,
            enterprise_id=ent.pk if ent else None,
        )  # fmt: skip
    # Elapsed after March: 90 of 365 days. Park: 6.7404 ÷ (90/365) = 27.336067 t of 30 t
    # → 91.12%. A: 5.617 ÷ (90/365) = 22.780056 t of 20 t → 114%, over; B: 4.556 t of 20 t.
    tile = cockpit.budget_tile(staff, march)
    assert (tile.value, tile.unit, tile.status, tile.as_of) == (91.1, "%", "warn", "2022-03")
    assert [a["text"] for a in tile.extra["alerts"]] == ["杭叉集团股份有限公司: 114%"]
    # Park budget 25 t: 27.336067 / 25 = 109.34% → the park itself is projected over.
    services.budget_upsert(actor=staff, via="test", park=march, year=2022, energy_tce=100, co2_t=25)
    tile = cockpit.budget_tile(staff, march)
    assert (tile.value, tile.status) == (109.3, "alert")


def test_budget_tile_without_budgets(march, personas, monkeypatch):
    pin_month(monkeypatch, march, 3)
    tile = cockpit.budget_tile(personas["park_staff"], march)
    assert (tile.value, tile.status, tile.extra["alerts"]) == ("—", "ok", [])


def test_projection_counts_a_running_month_only_as_far_as_it_has_run(march, ent_a, personas):
    services.budget_upsert(
        actor=personas["park_staff"], via="test", park=march, year=2022, energy_tce=100,
        co2_t=20, enterprise_id=ent_a.pk,
    )  # fmt: skip
    user = personas["ent_a_user"]
    (closed,) = selectors.budget_status(user=user, park=march, year=2022, month=3)
    assert round(closed["co2"]["projected"], 6) == 22.780056  # 5.617 ÷ (90/365)
    # On 16 March 00:00 the year has run Jan 31 + Feb 28 + 15 days = 74 days:
    # 5.617 ÷ (74/365) = 27.705473 t. (Counting all of March as elapsed would show 22.78 t.)
    now = datetime(2022, 3, 16, tzinfo=ZoneInfo("Asia/Shanghai"))
    (running,) = selectors.budget_status(user=user, park=march, year=2022, month=3, now=now)
    assert round(running["co2"]["projected"], 6) == 27.705473
    # The year's status asked mid-year (month 12 is the API's default) projects the same way.
    (year,) = selectors.budget_status(user=user, park=march, year=2022, now=now)
    assert round(year["co2"]["projected"], 6) == 27.705473
    # Before the year starts nothing has elapsed: nothing is projected.
    early = datetime(2021, 12, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
    (ahead,) = selectors.budget_status(user=user, park=march, year=2022, now=early)
    assert (ahead["co2"]["projected"], ahead["co2"]["over"]) == (0.0, False)
