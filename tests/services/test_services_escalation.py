"""Reminders and escalation by the SLA scan, timed by passing `now`; supervision cases and notes
(supervisors write only these), nothing deleted, every step audited."""

import datetime

import pytest

from parkpilot.services import selectors, services, tasks
from parkpilot.services.models import EventKind, ServiceEvent, ServiceRequest, SupervisionNote
from parkpilot.tenancy.errors import Forbidden, ValidationFailed
from parkpilot.tenancy.models import AuditLog

pytestmark = pytest.mark.django_db


def _events(req, kind):
    return list(
        ServiceEvent.objects.filter(request=req, kind=kind)
        .order_by("id")
        .values_list("text", flat=True)
    )


def test_reminder_on_the_last_day_then_escalation_once_it_has_passed(
    personas, raise_request, ent_a, at
):
    # Raised Friday 2026-11-20, normal: response due Tue 11-24, plan Fri 11-27, resolve Fri 12-18.
    req = raise_request(now=at("2026-11-20"))
    park = ent_a.park
    assert services.sla_scan(park=park, now=at("2026-11-23")) == {"reminded": 0, "escalated": 0}
    assert services.sla_scan(park=park, now=at("2026-11-24")) == {"reminded": 1, "escalated": 0}
    assert _events(req, EventKind.REMINDER) == [
        "首次响应今日到期（2026-11-24）/ response due today"
    ]
    # Same day again: nothing new.
    assert services.sla_scan(park=park, now=at("2026-11-24", 16)) == {"reminded": 0, "escalated": 0}
    assert services.sla_scan(park=park, now=at("2026-11-25")) == {"reminded": 0, "escalated": 1}
    req.refresh_from_db()
    assert req.escalated_at == at("2026-11-25")
    assert req.sla_flags == ["reminded:response", "escalated:response"]
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
    assert services.sla_scan(park=park, now=at("2026-11-27")) == {"reminded": 1, "escalated": 0}
    assert services.sla_scan(park=park, now=at("2026-11-30")) == {"reminded": 0, "escalated": 1}
    assert _events(req, EventKind.ESCALATED) == [
        "首次响应已超期（应于 2026-11-24）/ response overdue, escalated",
        "解决方案已超期（应于 2026-11-27）/ plan overdue, escalated",
    ]
    assert AuditLog.objects.filter(action="service_request.escalated").count() == 2


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
    assert req.escalated_at is not None


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
