"""Delay alerts: raised by the scan for an overdue stage, investment behind plan or no update
for N days; escalated after the rule's period (timed by `now`); acknowledged and closed with a
reason; cleared when the condition goes away; all audited."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from parkpilot.projects import selectors, services, tasks
from parkpilot.projects.models import AlertRule, Project, ProjectAlert, Stage
from parkpilot.tenancy.errors import Forbidden, ValidationFailed
from parkpilot.tenancy.models import AuditLog

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 8) -> datetime.datetime:
    return datetime.datetime.combine(
        datetime.date.fromisoformat(day), datetime.time(hour), tzinfo=TZ
    )


@pytest.fixture
def project(personas, ent_a):
    return services.project_create(
        actor=personas["park_admin"],
        via="test",
        park=ent_a.park,
        data={
            "name": "杭叉智能工厂",
            "enterprise_id": ent_a.pk,
            "contact_id": personas["park_staff"].pk,
        },
    )


def _keys(project):
    return sorted(
        ProjectAlert.objects.filter(project=project)
        .exclude(status="closed")
        .values_list("key", "level")
    )


def test_overdue_stage_alerts_the_contact_then_escalates(personas, project, ent_a):
    AlertRule.objects.create(park=ent_a.park, no_update_days=365, escalate_after_days=7)
    Project.objects.filter(pk=project.pk).update(
        created_at=at("2026-01-01"), last_update_at=at("2026-03-01")
    )
    services.project_stage_update(
        actor=personas["park_staff"],
        via="test",
        project=project,
        stage=Stage.LAND,
        changes={"planned_on": "2026-03-31"},
        now=at("2026-03-01"),
    )
    park = ent_a.park
    assert services.alerts_scan(park=park, now=at("2026-03-31")) == {
        "raised": 0,
        "cleared": 0,
        "escalated": 0,
    }
    # 04-01: planned 03-31 passed without an actual date.
    assert services.alerts_scan(park=park, now=at("2026-04-01")) == {
        "raised": 1,
        "cleared": 0,
        "escalated": 0,
    }
    assert _keys(project) == [("stage:2", 0)]
    project.refresh_from_db()
    assert project.is_delayed is True
    mine = selectors.alert_list(user=personas["park_staff"], mine=True)
    assert [a.key for a in mine] == ["stage:2"]
    assert list(selectors.alert_list(user=personas["supervisor"], mine=True)) == []
    # Acknowledging does not stop the clock: escalation is at raised + 7 days = 04-08 08:00.
    services.alert_acknowledge(actor=personas["park_staff"], via="test", alert=mine[0])
    assert services.alerts_scan(park=park, now=at("2026-04-08", 7))["escalated"] == 0
    assert services.alerts_scan(park=park, now=at("2026-04-08", 8))["escalated"] == 1
    assert _keys(project) == [("stage:2", 1)]
    assert [a.key for a in selectors.alert_list(user=personas["supervisor"], mine=True)] == [
        "stage:2"
    ]
    assert services.alerts_scan(park=park, now=at("2026-04-20"))["escalated"] == 0  # once only
    # Recording the actual date clears the alert and the delayed flag.
    services.project_stage_update(
        actor=personas["park_staff"],
        via="test",
        project=project,
        stage=Stage.LAND,
        changes={"actual_on": "2026-04-21"},
        now=at("2026-04-21"),
    )
    project.refresh_from_db()
    assert (_keys(project), project.is_delayed) == ([], False)
    alert = ProjectAlert.objects.get(project=project)
    assert (alert.status, alert.close_reason) == ("closed", "条件已消除 / condition cleared")
    actions = list(
        AuditLog.objects.filter(object_type="projects.projectalert")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "project.alert.raise",
        "project.alert.acknowledge",
        "project.alert.escalate",
        "project.alert.clear",
    ]


def test_no_update_and_investment_behind_plan(personas, project, ent_a):
    Project.objects.filter(pk=project.pk).update(created_at=at("2026-01-01"))
    services.investment_record(
        actor=personas["park_staff"],
        via="test",
        project=project,
        month="2026-02",
        planned_100m_cny="2",
        now=at("2026-02-01"),
    )
    services.investment_record(
        actor=personas["ent_a_user"],
        via="test",
        project=project,
        month="2026-02",
        actual_100m_cny="1.5",
        now=at("2026-03-01"),
    )
    # Default rule: 30 days without an update. Created 01-01, never updated: 01-31 is not yet
    # past (strictly older than 30 days), 02-01 is; February's plan is only judged from March.
    assert services.alerts_scan(park=ent_a.park, now=at("2026-01-31", 7))["raised"] == 0
    assert services.alerts_scan(park=ent_a.park, now=at("2026-02-01", 9))["raised"] == 1
    assert services.alerts_scan(park=ent_a.park, now=at("2026-03-01"))["raised"] == 1
    # no_update was raised 02-01 09:00, so by 03-01 (over 7 days) it went up to leadership.
    assert _keys(project) == [("investment", 0), ("no_update", 1)]
    alert = ProjectAlert.objects.get(project=project, key="investment")
    assert alert.detail == "累计计划 2.00 亿元，完成 1.50 亿元 / behind plan"
    services.progress_update_create(
        actor=personas["ent_a_user"],
        via="test",
        project=project,
        text="设备进场",
        now=at("2026-03-02"),
    )
    assert _keys(project) == [("investment", 0)]


def test_close_needs_a_reason_and_only_the_park_acts(personas, project, ent_a):
    services.project_stage_update(
        actor=personas["park_staff"],
        via="test",
        project=project,
        stage=Stage.SIGNED,
        changes={"planned_on": "2020-01-01"},
    )
    tasks.alerts_scan_park(ent_a.park.pk)  # huey immediate mode in tests
    alert = ProjectAlert.objects.get(project=project, key="stage:1")
    for who in ("supervisor", "ent_a_admin"):
        with pytest.raises(Forbidden):
            services.alert_close(actor=personas[who], via="test", alert=alert, reason="x")
    with pytest.raises(ValidationFailed) as refused:
        services.alert_close(actor=personas["park_staff"], via="test", alert=alert, reason="  ")
    assert refused.value.errors[0].field == "reason"
    services.alert_close(
        actor=personas["park_staff"], via="test", alert=alert, reason="延期已获批准"
    )
    alert.refresh_from_db()
    assert (alert.status, alert.close_reason, alert.closed_by) == (
        "closed",
        "延期已获批准",
        personas["park_staff"],
    )
    with pytest.raises(ValidationFailed):
        services.alert_acknowledge(actor=personas["park_staff"], via="test", alert=alert)


@pytest.mark.parametrize("n", [3, 30])
def test_the_scan_reads_nothing_per_project(personas, ent_a, n, django_assert_num_queries):
    admin = personas["park_admin"]
    for i in range(n):
        services.project_create(actor=admin, via="test", park=ent_a.park, data={"name": f"P{i}"})
    Project.objects.update(created_at=at("2026-01-01"))
    # n alerts in one INSERT, n audit rows (one INSERT each), and 10 fixed queries: no read
    # per alert.
    with django_assert_num_queries(10 + n):
        assert services.alerts_scan(park=ent_a.park, now=at("2026-03-01"))["raised"] == n
