"""Budgets and alerts (issue #5): an enterprise projected over its annual budget, or whose
carbon-efficiency grade worsens month on month, gets one in-app alert; left unacknowledged for
three days (CarbonConfig.alert_kinds) it is escalated to park staff once, by the alerts
framework (parkpilot.alerts), which keeps them. Golden numbers by hand.

Factors (tests/carbon/carbon_helpers.py cites each document):
  electricity CO2, 华东 2022  0.5617 kgCO2/kWh  《关于发布2022年电力二氧化碳排放因子的公告》
                                                 (生态环境部 国家统计局 2024-12-20)
  electricity tce (当量值)    0.1229 kgce/kWh   GB/T 2589-2020《综合能耗计算通则》
The park (330112) is in Zhejiang; no Zhejiang factor is entered, so the East China grid factor
applies (carbon-reference.md: provincial, else regional, else national).

Straight-line projection (docs/carbon.md) = used since 1 January ÷ elapsed share of the year.
After March 2022 the elapsed share is Jan 31 + Feb 28 + Mar 31 = 90 days of 365: 90/365."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from carbon_helpers import feed, ramp

from parkpilot.alerts import services as alert_services
from parkpilot.alerts.models import Alert
from parkpilot.carbon import selectors, services
from parkpilot.carbon.models import AlertKind
from parkpilot.carbon.periods import period
from parkpilot.economy.models import EnterpriseMonthly
from parkpilot.notifications.models import Notification
from parkpilot.stored_text import shown
from parkpilot.tenancy.actors import system_actor
from parkpilot.tenancy.models import AuditLog

pytestmark = pytest.mark.django_db


def month(park, m: int, year: int = 2022):
    return period("1mo", date(year, m, 1), park.timezone)


@pytest.fixture
def march_use(park, zone, ent_a, ent_b, make_point, factors):
    """March 2022: A 10,000 kWh, B 2,000 kWh of grid electricity.
    A: 10,000 × 0.5617 / 1000 = 5.617 tCO2;  10,000 × 0.1229 / 1000 = 1.229 tce.
    B:  2,000 × 0.5617 / 1000 = 1.1234 tCO2;  2,000 × 0.1229 / 1000 = 0.2458 tce."""
    make_point("A-E1", owner=ent_a, zone=zone)
    make_point("B-E1", owner=ent_b, zone=zone)
    feed(park, {"A-E1": ramp(10000), "B-E1": ramp(2000)}, day="2022-03-15")
    return park


def budget(park, ent, *, tce, co2, actor):
    return services.budget_upsert(
        actor=actor, via="test", park=park, year=2022, energy_tce=tce, co2_t=co2,
        enterprise_id=ent.pk if ent else None,
    )  # fmt: skip


def test_projected_over_budget_raises_one_alert(march_use, ent_a, ent_b, personas):
    park = march_use
    # A: projected CO2 = 5.617 ÷ (90/365) = 22.780056 t > budget 20 t → alert;
    #    projected energy = 1.229 ÷ (90/365) = 4.984278 tce ≤ budget 10 tce → none.
    budget(park, ent_a, tce=10, co2=20, actor=personas["park_staff"])
    # B: projected CO2 = 1.1234 ÷ (90/365) = 4.556011 t ≤ 20 t; energy 0.996856 tce ≤ 10 tce.
    budget(park, ent_b, tce=10, co2=20, actor=personas["park_staff"])
    made = services.alerts_evaluate(park=park, per=month(park, 3))
    assert [(a.enterprise_id, a.kind, a.figure["period"]) for a in made] == [
        (ent_a.pk, f"carbon.{AlertKind.BUDGET_CO2}", "2022")
    ]
    figure = made[0].figure
    assert round(figure["used"], 6) == 5.617
    assert round(figure["projected"], 6) == 22.780056
    assert figure["budget"] == 20.0
    assert "22.8 tCO2" in shown(made[0].title) and "20.0 tCO2" in shown(made[0].title)

    # Evaluating again (the monthly task re-run, or the next month) adds nothing.
    assert services.alerts_evaluate(park=park, per=month(park, 3)) == []
    mine = selectors.alert_list(user=personas["ent_a_user"], park_id=park.pk, open_only=True)
    assert [a.kind for a in mine] == [f"carbon.{AlertKind.BUDGET_CO2}"]
    assert not selectors.alert_list(user=personas["ent_b_user"], park_id=park.pk).exists()
    assert AuditLog.objects.filter(action="alert.raise").count() == 1
    # A's people (its admin and its user) were told once, under the bell; B's not.
    told = Notification.objects.filter(kind="carbon.budget_co2")
    assert sorted(n.recipient.username for n in told) == sorted(
        [personas["ent_a_admin"].username, personas["ent_a_user"].username]
    )


def test_within_budget_and_park_budget_raise_nothing(march_use, ent_a, personas):
    park = march_use
    # A: projected 22.780056 tCO2 ≤ 23 t and 4.984278 tce ≤ 5 tce: within, just.
    budget(park, ent_a, tce=5, co2=23, actor=personas["park_staff"])
    # The park's own budget is far exceeded (27.336 t projected) but alerts go to enterprises.
    budget(park, None, tce=1, co2=1, actor=personas["park_staff"])
    assert services.alerts_evaluate(park=park, per=month(park, 3)) == []
    assert not Alert.objects.exists()


def test_energy_budget_alert_names_tce(march_use, ent_a, personas):
    park = march_use
    # A: projected energy 4.984278 tce > 4.9 tce; CO2 22.780056 t ≤ 100 t.
    budget(park, ent_a, tce="4.9", co2=100, actor=personas["park_staff"])
    (alert,) = services.alerts_evaluate(park=park, per=month(park, 3))
    assert alert.kind == f"carbon.{AlertKind.BUDGET_ENERGY}"
    assert round(alert.figure["projected"], 6) == 4.984278
    assert "5.0 tce" in shown(alert.title) and "4.9 tce" in shown(alert.title)


@pytest.fixture
def two_months(park, zone, ent_a, ent_b, make_point, factors):
    """A's grade: February 1, March 3 (worse). Grade thresholds 0.6/0.8/1.2/2.0 (DB33/T
    1347-2023 as published), industry C34 average L = 1.0 tCO2/万元 (test value).
    Feb: 2,000 kWh → 1.1234 t; value added 2.0 万元 → L = 0.5617 → K = 0.5617 ≤ 0.6 → grade 1.
    Mar: 10,000 kWh → 5.617 t; value added 7.0 万元 → L = 0.802429 → K ∈ (0.8, 1.2] → grade 3.
    B has no value added: per-m² intensity only, no grade, so never a grade alert."""
    services.settings_upsert(actor=system_actor(park), via="test", park=park, year=2022)
    services.industry_average_upsert(
        actor=system_actor(park),
        via="test",
        park=park,
        industry_code="C34",
        year=2022,
        intensity="1.0",
    )
    make_point("A-E1", owner=ent_a, zone=zone)
    make_point("B-E1", owner=ent_b, zone=zone)
    feed(park, {"A-E1": ramp(2000), "B-E1": ramp(500)}, day="2022-02-15")
    feed(park, {"A-E1": ramp(10000, start=2000), "B-E1": ramp(500, start=500)}, day="2022-03-15")
    for m, va in ((2, "2.0"), (3, "7.0")):
        EnterpriseMonthly.objects.create(
            park=park, enterprise=ent_a, year=2022, month=m, value_added=Decimal(va)
        )
    return park


def test_grade_worsening_raises_one_alert(two_months, ent_a, personas):
    park = two_months
    # February against January: A had no grade in January (no value added) → nothing.
    assert services.alerts_evaluate(park=park, per=month(park, 2)) == []
    made = services.alerts_evaluate(park=park, per=month(park, 3))
    assert [(a.enterprise_id, a.kind, a.figure["period"]) for a in made] == [
        (ent_a.pk, f"carbon.{AlertKind.GRADE_WORSE}", "2022-03")
    ]
    figure = made[0].figure
    assert (figure["before"], figure["after"]) == (1, 3)
    assert round(figure["carbon_intensity"], 6) == 0.802429
    assert "由 1 级降为 3 级" in shown(made[0].title)
    assert services.alerts_evaluate(park=park, per=month(park, 3)) == []
    assert Alert.objects.count() == 1


def test_grade_improving_raises_nothing(two_months, ent_a):
    park = two_months
    # March value added 20.0 instead: L = 5.617 / 20 = 0.28085 → grade 1, as in February.
    EnterpriseMonthly.objects.filter(enterprise=ent_a, month=3).update(value_added=Decimal(20))
    assert services.alerts_evaluate(park=park, per=month(park, 3)) == []


def test_unacknowledged_alert_escalates_once(march_use, ent_a, ent_b, personas, api_as):
    park = march_use
    staff = personas["park_staff"]
    budget(park, ent_a, tce=100, co2=20, actor=staff)  # A: 22.780056 t projected > 20 t
    budget(park, ent_b, tce=100, co2=4, actor=staff)  # B: 4.556011 t projected > 4 t
    alert_a, alert_b = sorted(
        services.alerts_evaluate(park=park, per=month(park, 3)), key=lambda a: a.enterprise_id
    )
    assert (alert_a.enterprise_id, alert_b.enterprise_id) == (ent_a.pk, ent_b.pk)
    # B acknowledges through the API (its own alert); A does nothing.
    response = api_as("ent_b_user").post(f"/api/v1/carbon/alerts/{alert_b.pk}/acknowledge", {})
    assert response.status_code == 200
    assert response.json()["acknowledged_at"]

    created = alert_a.raised_at
    # Not yet: 3 days less one second after it was raised.
    assert alert_services.escalate_due(park=park, now=created + timedelta(days=3, seconds=-1)) == []
    at = created + timedelta(days=3)
    assert [a.pk for a in alert_services.escalate_due(park=park, now=at)] == [alert_a.pk]
    assert alert_services.escalate_due(park=park, now=at + timedelta(hours=1)) == []  # next run
    alert_a.refresh_from_db()
    alert_b.refresh_from_db()
    assert alert_a.escalated_at == at
    assert alert_b.escalated_at is None
    assert AuditLog.objects.filter(action="alert.escalate").count() == 1

    # Park staff see it escalated; the enterprise still sees it open.
    rows = {r["id"]: r for r in api_as("park_staff").get("/api/v1/carbon/alerts").json()}
    assert rows[alert_a.pk]["escalated_at"] and rows[alert_b.pk]["escalated_at"] is None
    open_a = api_as("ent_a_user").get("/api/v1/carbon/alerts?open_only=true").json()
    assert [r["id"] for r in open_a] == [alert_a.pk]


def test_other_enterprise_cannot_see_or_acknowledge(march_use, ent_a, personas, api_as):
    park = march_use
    budget(park, ent_a, tce=100, co2=20, actor=personas["park_staff"])
    (alert,) = services.alerts_evaluate(park=park, per=month(park, 3))
    b = api_as("ent_b_user")
    assert alert.pk not in [r["id"] for r in b.get("/api/v1/carbon/alerts").json()]
    assert b.post(f"/api/v1/carbon/alerts/{alert.pk}/acknowledge", {}).status_code == 404
    alert.refresh_from_db()
    assert alert.acknowledged_at is None
    a = api_as("ent_a_user")
    assert a.post(f"/api/v1/carbon/alerts/{alert.pk}/acknowledge", {}).status_code == 200
    alert.refresh_from_db()
    assert alert.acknowledged_at is not None
    # Acknowledged: never escalated, however late.
    assert alert_services.escalate_due(park=park, now=alert.raised_at + timedelta(days=30)) == []
