"""Reminders and escalation by the SLA scan, timed by passing `now`, as alerts of the framework
(parkpilot.alerts): raised to the contact on a timer's last day, escalated to the supervisors
once it has passed, closed when the step is taken; supervision cases and notes (supervisors write
only these), nothing deleted, every step audited."""

import datetime

import pytest

from parkpilot.alerts.models import Alert
from parkpilot.notifications.models import Notification
from parkpilot.services import selectors, services, tasks
from parkpilot.services.models import EventKind, ServiceEvent, ServiceRequest, SupervisionNote
from parkpilot.stored_text import shown
from parkpilot.tenancy.errors import Forbidden, ValidationFailed
from parkpilot.tenancy.models import AuditLog

pytestmark = pytest.mark.django_db


def _events(req, kind):
    return list(
        ServiceEvent.objects.filter(request=req, kind=kind)
        .order_by("id")
        .values_list("text", flat=True)
    )


def _alerts(req):
    """(kind, due, state) of the request's alerts, oldest first."""
    return [
        (a.kind, a.figure["due_on"], a.state)
        for a in Alert.objects.filter(figure__request_id=req.pk).order_by("raised_at", "id")
    ]


def test_reminder_on_the_last_day_then_escalation_once_it_has_passed(
    personas, raise_request, ent_a, at
):
    # Raised Friday 2026-11-20, normal: response due Tue 11-24, plan Fri 11-27, resolve Fri 12-18.
    req = raise_request(now=at("2026-11-20"))
    park = ent_a.park
    assert services.sla_scan(park=park, now=at("2026-11-23")) == {"reminded": 0, "escalated": 0}
    assert services.sla_scan(park=park, now=at("2026-11-24")) == {"reminded": 1, "escalated": 0}
    assert _events(req, EventKind.REMINDER) == ["首次响应今日到期（2026-11-24）"]
    assert _alerts(req) == [("services.response_due", "2026-11-24", "open")]
    # No contact yet: the park's administrators are told under the bell.
    told = Notification.objects.filter(kind="services.response_due")
    assert [n.recipient.username for n in told] == [personas["park_admin"].username]
    # Same day again: nothing new.
    assert services.sla_scan(park=park, now=at("2026-11-24", 16)) == {"reminded": 0, "escalated": 0}
    assert services.sla_scan(park=park, now=at("2026-11-25")) == {"reminded": 0, "escalated": 1}
    assert _alerts(req) == [("services.response_due", "2026-11-24", "escalated")]
    assert selectors.request_get(user=personas["supervisor"], request_id=req.pk).escalated_at == (
        at("2026-11-25")
    )
    # The supervisors are told; the enterprise reads the escalation in its request's history.
    told = [n for n in Notification.objects.filter(kind="services.response_due")
            if shown(n.title).startswith("已升级")]  # fmt: skip
    assert [n.recipient.username for n in told] == [personas["supervisor"].username]
    assert (
        selectors.request_get(user=personas["ent_a_user"], request_id=req.pk).escalated_at is None
    )
    assert [
        r.pk
        for r in selectors.supervision_overdue(
            user=personas["supervisor"], today=datetime.date(2026, 11, 25)
        )
    ] == [req.pk]
    # The contact is assigned late; the plan timer still runs and escalates on its own day.
    services.request_assign(
        actor=personas["park_admin"],
        via="test",
        request=req,
        contact_id=personas["park_staff"].pk,
        now=at("2026-11-25"),
    )
    # Assigned: the response timer stopped, its alert is closed.
    assert _alerts(req) == [("services.response_due", "2026-11-24", "closed")]
    assert services.sla_scan(park=park, now=at("2026-11-27")) == {"reminded": 1, "escalated": 0}
    # The plan's reminder goes to the contact now named.
    told = Notification.objects.filter(kind="services.plan_due")
    assert [n.recipient.username for n in told] == [personas["park_staff"].username]
    assert services.sla_scan(park=park, now=at("2026-11-30")) == {"reminded": 0, "escalated": 1}
    assert services.sla_scan(park=park, now=at("2026-12-01")) == {"reminded": 0, "escalated": 0}
    assert _events(req, EventKind.ESCALATED) == [
        "首次响应已超期（应于 2026-11-24），已升级至纪工委",
        "解决方案已超期（应于 2026-11-27），已升级至纪工委",
    ]
    assert _alerts(req) == [
        ("services.response_due", "2026-11-24", "closed"),
        ("services.plan_due", "2026-11-27", "escalated"),
    ]
    assert AuditLog.objects.filter(action="service_request.escalated").count() == 2
    assert AuditLog.objects.filter(action="alert.escalate").count() == 2


def test_a_reopened_request_gets_a_new_resolution_clock(personas, raise_request, ent_a, at):
    """Reopening restarts the resolution timer: the old deadline's alert is closed, the new
    deadline reminds and escalates again on its own days."""
    req = raise_request(now=at("2026-11-20"))
    staff = personas["park_staff"]
    services.request_assign(actor=personas["park_admin"], via="test", request=req,
                            contact_id=staff.pk, now=at("2026-11-20"))  # fmt: skip
    services.request_plan(actor=staff, via="test", request=req, plan="方案",
                          promised_on=datetime.date(2026, 12, 18),
                          now=at("2026-11-23"))  # fmt: skip
    # Resolution due Fri 12-18 (20 working days from 11-20); escalated on Mon 12-21.
    assert services.sla_scan(park=ent_a.park, now=at("2026-12-21"))["escalated"] == 1
    services.request_resolve(actor=staff, via="test", request=req, resolution="已办",
                             now=at("2026-12-21"))  # fmt: skip
    assert _alerts(req) == [("services.resolve_due", "2026-12-18", "closed")]
    services.request_reopen(actor=personas["ent_a_user"], via="test", request=req,
                            reason="未解决", now=at("2026-12-22"))  # fmt: skip
    req.refresh_from_db()
    # 20 working days from Tue 12-22 (sla.py; the calendar's tests count such deadlines by
    # hand): the new deadline is the one the scan keys on.
    due = req.resolve_due_on
    assert services.sla_scan(park=ent_a.park, now=at(due.isoformat()))["reminded"] == 1
    assert _alerts(req)[-1] == ("services.resolve_due", due.isoformat(), "open")


def test_a_timer_met_on_time_never_escalates(personas, raise_request, ent_a, at):
    req = raise_request(now=at("2026-11-20"))
    services.request_assign(
        actor=personas["park_admin"],
        via="test",
        request=req,
        contact_id=personas["park_staff"].pk,
        now=at("2026-11-23"),
    )
    services.request_plan(
        actor=personas["park_staff"],
        via="test",
        request=req,
        plan="方案",
        promised_on=datetime.date(2026, 12, 18),
        now=at("2026-11-24"),
    )
    assert services.sla_scan(park=ent_a.park, now=at("2026-12-01")) == {
        "reminded": 0,
        "escalated": 0,
    }
    timers = {t["name"]: t["state"] for t in selectors.timers(req, datetime.date(2026, 12, 1))}
    assert timers == {"response": "met", "plan": "met", "resolve": "running"}


def test_the_periodic_task_calls_the_scan(raise_request, ent_a, at):
    raise_request(now=at("2020-01-02"))
    tasks.sla_scan_park(ent_a.park.pk)  # huey immediate mode in tests
    req = ServiceRequest.objects.get()
    # Raised in 2020: all three timers have long passed, each escalated.
    assert [(kind, state) for kind, _due, state in _alerts(req)] == [
        ("services.response_due", "escalated"),
        ("services.plan_due", "escalated"),
        ("services.resolve_due", "escalated"),
    ]


def test_supervisor_opens_a_case_writes_instructions_and_closes_it(personas, raise_request, ent_a):
    req = raise_request()
    sup = personas["supervisor"]
    case = services.case_open(
        actor=sup, via="test", park=ent_a.park, service_request_id=req.pk, instruction="三日内答复"
    )
    with pytest.raises(ValidationFailed) as refused:
        services.case_open(
            actor=sup, via="test", park=ent_a.park, service_request_id=req.pk, instruction="再督办"
        )
    assert refused.value.errors[0].code == "taken"
    services.case_note(actor=personas["park_staff"], via="test", case=case, text="已联系供电公司")
    services.case_note(actor=sup, via="test", case=case, text="请周五前书面报告")
    kinds = list(SupervisionNote.objects.filter(case=case).values_list("kind", "author__username"))
    assert kinds == [
        ("instruction", "supervisor"),
        ("reply", "staff"),
        ("instruction", "supervisor"),
    ]
    with pytest.raises(Forbidden):
        services.case_close(actor=personas["park_staff"], via="test", case=case, conclusion="x")
    services.case_close(actor=sup, via="test", case=case, conclusion="已按期办结")
    with pytest.raises(ValidationFailed) as refused:
        services.case_close(actor=sup, via="test", case=case, conclusion="again")
    assert refused.value.errors[0].code == "invalid_transition"
    with pytest.raises(ValidationFailed):
        services.case_note(actor=sup, via="test", case=case, text="结案后")
    actions = list(
        AuditLog.objects.filter(object_type="services.supervisioncase")
        .order_by("id")
        .values_list("action", "actor_label")
    )
    assert actions == [
        ("supervision.open", "supervisor"),
        ("supervision.reply", "staff"),
        ("supervision.instruction", "supervisor"),
        ("supervision.close", "supervisor"),
    ]
    with pytest.raises(PermissionError):
        case.delete()


def test_supervisor_reads_everything_but_writes_no_request(personas, raise_request, ent_a, ent_b):
    mine = raise_request()
    theirs = raise_request(who="ent_b_user")
    sup = personas["supervisor"]
    assert {r.pk for r in selectors.request_list(user=sup)} == {mine.pk, theirs.pk}
    assert [r.pk for r in selectors.request_list(user=personas["ent_b_user"])] == [theirs.pk]
    with pytest.raises(Forbidden):
        services.request_assign(
            actor=sup, via="test", request=mine, contact_id=personas["park_staff"].pk
        )
    with pytest.raises(Forbidden):
        services.request_create(
            actor=sup,
            via="test",
            park=ent_a.park,
            data={"title": "x", "category": "other", "description": "x", "enterprise_id": ent_a.pk},
        )
    with pytest.raises(Forbidden):
        selectors.case_list(user=personas["ent_a_admin"])
