"""Delay alerts: raised by the scan for an overdue stage, investment behind plan or no update
for N days, as alerts of the framework (parkpilot.alerts) told to the contact person; escalated
after the rule's period (timed by `now`) to park leadership and the supervisors; acknowledged and
closed with a reason; cleared when the condition goes away; all audited."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parkpilot.alerts import services as alert_services
from parkpilot.alerts.models import Alert
from parkpilot.notifications.models import Notification
from parkpilot.projects import selectors, services, tasks
from parkpilot.projects.models import AlertRule, Project, Stage
from parkpilot.stored_text import shown
from parkpilot.tenancy.actors import system_actor
from parkpilot.tenancy.errors import Forbidden, NotFound, ValidationFailed
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


def _alerts(project):
    return Alert.objects.filter(subject__startswith=f"project:{project.pk}/")


def _keys(project):
    """(condition, escalated?) of the project's alerts not closed."""
    return sorted(
        (a.figure["key"], a.escalated_at is not None)
        for a in _alerts(project).exclude(state="closed")
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
    assert _keys(project) == [("stage:2", False)]
    project.refresh_from_db()
    assert project.is_delayed is True
    mine = selectors.alert_list(user=personas["park_staff"], mine=True)
    assert [(a.kind, a.subject) for a in mine] == [
        ("projects.stage_overdue", f"project:{project.pk}/stage:2")
    ]
    assert mine[0].title == "杭叉智能工厂" and mine[0].enterprise_id == ent_a.pk
    # 供地 planned 03-31, scanned 04-01: one day overdue.
    assert mine[0].detail == "供地：计划 2026-03-31，逾期 1 天"
    # The contact person was told under the bell; nobody else.
    told = Notification.objects.filter(kind="projects.stage_overdue")
    assert [n.recipient.username for n in told] == [personas["park_staff"].username]
    assert list(selectors.alert_list(user=personas["supervisor"], mine=True)) == []
    # Acknowledging does not stop the clock: escalation is at raised + 7 days = 04-08 08:00.
    services.alert_acknowledge(actor=personas["park_staff"], via="test", alert=mine[0])
    assert services.alerts_scan(park=park, now=at("2026-04-08", 7))["escalated"] == 0
    assert services.alerts_scan(park=park, now=at("2026-04-08", 8))["escalated"] == 1
    assert _keys(project) == [("stage:2", True)]
    assert [a.state for a in selectors.alert_list(user=personas["supervisor"], mine=True)] == [
        "escalated"
    ]
    # Escalation tells park leadership and the supervisors (ProjectsConfig.alert_kinds).
    told = [n for n in Notification.objects.filter(kind="projects.stage_overdue")
            if shown(n.title).startswith("已升级")]  # fmt: skip
    assert sorted(n.recipient.username for n in told) == sorted(
        [personas["park_admin"].username, personas["supervisor"].username]
    )
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
    alert = _alerts(project).get()
    assert (alert.state, alert.close_reason) == ("closed", "条件已消除")
    actions = list(
        AuditLog.objects.filter(object_type="alerts.alert", object_id=str(alert.pk))
        .order_by("id")
        .values_list("action", "actor_label")
    )
    assert actions == [
        ("alert.raise", "system"),
        ("alert.acknowledge", personas["park_staff"].username),
        ("alert.escalate", "system"),
        ("alert.close", "system"),
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
    assert _keys(project) == [("investment", False), ("no_update", True)]
    alert = _alerts(project).get(kind="projects.investment_behind")
    # Planned 2 (February, by the park), completed 1.5 (by the enterprise).
    assert alert.detail == "累计计划 2.00 亿元，完成 1.50 亿元"
    services.progress_update_create(
        actor=personas["ent_a_user"],
        via="test",
        project=project,
        text="设备进场",
        now=at("2026-03-02"),
    )
    assert _keys(project) == [("investment", False)]


def test_close_needs_a_reason_and_only_the_park_acts(personas, project, ent_a):
    services.project_stage_update(
        actor=personas["park_staff"],
        via="test",
        project=project,
        stage=Stage.SIGNED,
        changes={"planned_on": "2020-01-01"},
    )
    tasks.alerts_scan_park(ent_a.park.pk)  # huey immediate mode in tests
    alert = _alerts(project).get(subject=f"project:{project.pk}/stage:1")
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
    assert (alert.state, alert.close_reason, alert.closed_by) == (
        "closed",
        "延期已获批准",
        personas["park_staff"],
    )
    project.refresh_from_db()
    assert project.is_delayed is False  # closed by hand: no longer delayed
    with pytest.raises(ValidationFailed):
        services.alert_acknowledge(actor=personas["park_staff"], via="test", alert=alert)


def test_the_enterprise_sees_and_acknowledges_its_projects_alerts(personas, project, ent_a):
    services.project_stage_update(
        actor=personas["park_staff"], via="test", project=project, stage=Stage.SIGNED,
        changes={"planned_on": "2020-01-01"},
    )  # fmt: skip
    services.alerts_scan(park=ent_a.park, now=at("2026-03-01"))
    (alert,) = selectors.alert_list(user=personas["ent_a_user"], status="active")
    assert list(selectors.alert_list(user=personas["ent_b_user"])) == []
    acked = services.alert_acknowledge(actor=personas["ent_a_user"], via="test", alert=alert)
    assert acked.state == "acknowledged"
    # Another app's alert is not the ledger's to show.
    carbon, _ = alert_services.alert_raise(
        actor=system_actor(ent_a.park), park=ent_a.park, kind="carbon.budget_co2",
        subject="x", title="碳排放预计超出预算", enterprise_id=ent_a.pk,
    )  # fmt: skip
    with pytest.raises(NotFound):
        selectors.alert_get(user=personas["ent_a_user"], alert_id=carbon.pk)
    assert [a.pk for a in selectors.alert_list(user=personas["ent_a_user"])] == [alert.pk]


def test_the_scan_reads_nothing_per_project(personas, ent_a):
    """The scan's reads are the same few however many projects it alerts: each alert raised
    costs writes only (its row, its audit row, inside a savepoint)."""
    admin = personas["park_admin"]
    reads = {}
    for n in (3, 30):
        for i in range(n):
            services.project_create(
                actor=admin, via="test", park=ent_a.park, data={"name": f"P{n}-{i}"}
            )
        Project.objects.update(created_at=at("2026-01-01"))
        Alert.objects.update(state="closed")  # the previous round's: raise them all again
        with CaptureQueriesContext(connection) as queries:
            raised = services.alerts_scan(park=ent_a.park, now=at("2026-03-01"))["raised"]
        assert raised == Project.objects.count()
        reads[n] = sum(q["sql"].lstrip().upper().startswith("SELECT") for q in queries)
    assert reads[3] == reads[30]
