"""The request's state machine: the full 五个一 path, every illegal step refused with a clear
reason and nothing written, the race between two people acting at once, and the audit trail."""

import datetime

import pytest
from django.utils import translation

from parkpilot.services import services
from parkpilot.services.models import EventKind, ServiceEvent, ServiceRequest, Status
from parkpilot.tenancy.errors import Forbidden, ValidationFailed
from parkpilot.tenancy.models import AuditLog

pytestmark = pytest.mark.django_db
FUTURE = datetime.date(2099, 1, 1)
# Each state as a refusal names it (services.STATE_NAMES, zh-Hans catalogue).
STATE_ZH = {
    "submitted": "已提交",
    "assigned": "已分派",
    "planned": "办理中",
    "resolved": "已办结待确认",
    "closed": "已关闭",
}


def _state(req):
    """Everything a refused step must leave as it was."""
    row = ServiceRequest.objects.get(pk=req.pk)
    return (
        row.status,
        row.contact_id,
        row.plan,
        row.resolution,
        row.rating,
        row.reopen_count,
        row.resolve_due_on,
        ServiceEvent.objects.filter(request=req).count(),
        AuditLog.objects.filter(object_type="services.servicerequest").count(),
    )


def _assign(personas, req):
    return services.request_assign(
        actor=personas["park_admin"], via="test", request=req, contact_id=personas["park_staff"].pk
    )


def _plan(personas, req, who="park_staff"):
    return services.request_plan(
        actor=personas[who],
        via="test",
        request=req,
        plan="协调供电公司加快审批",
        departments="经发局、供电公司",
        promised_on=FUTURE,
    )


def _resolve(personas, req, who="park_staff"):
    return services.request_resolve(
        actor=personas[who], via="test", request=req, resolution="已完成增容"
    )


def _confirm(personas, req, rating=5):
    return services.request_confirm(
        actor=personas["ent_a_user"], via="test", request=req, rating=rating, comment="满意"
    )


def test_the_whole_path_with_one_contact_and_every_step_audited(personas, raise_request):
    req = raise_request()
    assert req.status == Status.SUBMITTED and req.contact_id is None
    _assign(personas, req)
    assert (req.status, req.contact) == (Status.ASSIGNED, personas["park_staff"])
    _plan(personas, req)
    services.request_note(actor=personas["park_staff"], via="test", request=req, text="已现场勘察")
    _resolve(personas, req)
    _confirm(personas, req)
    req = ServiceRequest.objects.get(pk=req.pk)
    assert (req.status, req.rating, req.plan_departments) == (Status.CLOSED, 5, "经发局、供电公司")
    kinds = list(ServiceEvent.objects.filter(request=req).values_list("kind", flat=True))
    assert kinds == ["submitted", "assigned", "planned", "note", "resolved", "confirmed"]
    actions = list(
        AuditLog.objects.filter(object_id=str(req.pk), object_type="services.servicerequest")
        .order_by("id")
        .values_list("action", "actor_label")
    )
    assert actions == [
        ("service_request.submitted", "a-user"),
        ("service_request.assigned", "admin"),
        ("service_request.planned", "staff"),
        ("service_request.note", "staff"),
        ("service_request.resolved", "staff"),
        ("service_request.confirmed", "a-user"),
    ]
    confirmed = AuditLog.objects.get(action="service_request.confirmed")
    assert (confirmed.before, confirmed.after) == (
        {"status": "resolved"},
        {"status": "closed", "rating": 5},
    )


# (step, states it may not be taken from)
ILLEGAL = {
    "plan": [Status.SUBMITTED, Status.RESOLVED, Status.CLOSED],
    "resolve": [Status.SUBMITTED, Status.ASSIGNED, Status.RESOLVED, Status.CLOSED],
    "confirm": [Status.SUBMITTED, Status.ASSIGNED, Status.PLANNED, Status.CLOSED],
    "reopen": [Status.SUBMITTED, Status.ASSIGNED, Status.PLANNED],
    "assign": [Status.RESOLVED, Status.CLOSED],
}


def _bring_to(personas, req, status):
    path = [Status.ASSIGNED, Status.PLANNED, Status.RESOLVED, Status.CLOSED]
    steps = {
        Status.ASSIGNED: _assign,
        Status.PLANNED: _plan,
        Status.RESOLVED: _resolve,
        Status.CLOSED: _confirm,
    }
    for target in path[: path.index(status) + 1] if status != Status.SUBMITTED else []:
        steps[target](personas, req)
    return ServiceRequest.objects.get(pk=req.pk)


def _take(step, personas, req):
    # The park admin may do any park step, so only the state can refuse it.
    if step == "plan":
        _plan(personas, req, "park_admin")
    elif step == "resolve":
        _resolve(personas, req, "park_admin")
    elif step == "confirm":
        _confirm(personas, req)
    elif step == "reopen":
        services.request_reopen(actor=personas["ent_a_user"], via="test", request=req, reason="x")
    elif step == "assign":
        _assign(personas, req)


@pytest.mark.parametrize(("step", "status"), [(s, st) for s, sts in ILLEGAL.items() for st in sts])
def test_every_illegal_step_is_refused_with_the_reason_and_changes_nothing(
    step, status, personas, raise_request
):
    req = _bring_to(personas, raise_request(), status)
    before = _state(req)
    with pytest.raises(ValidationFailed) as refused:
        _take(step, personas, req)
    error = refused.value.errors[0]
    assert error.field == "status"
    assert error.code == "invalid_transition"
    # The reason names the state as the page does (zh-Hans): 当前状态为“…”.
    assert f"当前状态为“{STATE_ZH[status]}”" in error.reason
    assert _state(req) == before


def test_the_reason_is_in_the_readers_language(personas, raise_request):
    req = raise_request()
    with pytest.raises(ValidationFailed) as refused:
        _resolve(personas, _assign(personas, req))
    assert refused.value.errors[0].reason == "当前状态为“已分派”，不能办结"
    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        _resolve(personas, req)
    assert refused.value.errors[0].reason == "cannot resolve it while it is assigned"


def test_two_people_acting_at_once_only_one_wins(personas, raise_request):
    req = _bring_to(personas, raise_request(), Status.RESOLVED)
    first = ServiceRequest.objects.get(pk=req.pk)
    second = ServiceRequest.objects.get(pk=req.pk)  # read before the first one commits
    services.request_confirm(actor=personas["ent_a_user"], via="test", request=first, rating=4)
    before = _state(req)
    with pytest.raises(ValidationFailed) as refused:
        services.request_reopen(
            actor=personas["ent_a_admin"], via="test", request=second, reason="没解决"
        )
    assert refused.value.errors[0].code == "conflict"
    assert _state(req) == before
    assert ServiceRequest.objects.get(pk=req.pk).rating == 4


def test_only_the_enterprise_confirms_and_rating_is_1_to_5(personas, raise_request):
    req = _bring_to(personas, raise_request(), Status.RESOLVED)
    before = _state(req)
    with pytest.raises(Forbidden):
        services.request_confirm(actor=personas["park_admin"], via="test", request=req, rating=5)
    for bad in (0, 6, None):
        with pytest.raises(ValidationFailed) as refused:
            _confirm(personas, req, rating=bad)
        assert refused.value.errors[0].field == "rating"
    assert _state(req) == before


def test_only_the_contact_or_an_admin_plans(personas, raise_request, park):
    from parkpilot.tenancy.models import Role, User

    other_staff = User.objects.create_user(
        username="staff2", password="x", role=Role.PARK_STAFF, park=park
    )
    req = _bring_to(personas, raise_request(), Status.ASSIGNED)
    before = _state(req)
    with pytest.raises(Forbidden):
        services.request_plan(
            actor=other_staff, via="test", request=req, plan="x", promised_on=FUTURE
        )
    with pytest.raises(Forbidden):
        services.request_plan(
            actor=personas["supervisor"], via="test", request=req, plan="x", promised_on=FUTURE
        )
    assert _state(req) == before


def test_the_contact_is_one_park_staff_member_and_can_be_changed(personas, raise_request):
    req = raise_request()
    before = _state(req)
    for bad in (
        personas["ent_a_user"].pk,
        personas["supervisor"].pk,
        personas["other_park_admin"].pk,
    ):
        with pytest.raises(ValidationFailed) as refused:
            services.request_assign(
                actor=personas["park_admin"], via="test", request=req, contact_id=bad
            )
        assert refused.value.errors[0].field == "contact_id"
    assert _state(req) == before
    _assign(personas, req)
    services.request_assign(
        actor=personas["park_admin"], via="test", request=req, contact_id=personas["park_admin"].pk
    )
    req.refresh_from_db()
    assert (req.status, req.contact_id) == (Status.ASSIGNED, personas["park_admin"].pk)
    assert ServiceEvent.objects.filter(request=req, kind=EventKind.REASSIGNED).count() == 1


def test_reopen_needs_a_reason_and_restarts_the_resolution_clock(personas, raise_request, at):
    req = raise_request(now=at("2026-11-20"))
    req = _bring_to(personas, req, Status.CLOSED)
    with pytest.raises(ValidationFailed) as refused:
        services.request_reopen(actor=personas["ent_a_user"], via="test", request=req, reason=" ")
    assert refused.value.errors[0].field == "reason"
    # Reopened Wednesday 2026-09-30 (urgent? no: normal, 20 days): from 09-30, National Day
    # 10-01..07 off; 08, 09, Sat 10 (make-up), 12-16 (8), 19-23 (13), 26-30 (18), Nov 2, 3 (20).
    services.request_reopen(
        actor=personas["ent_a_user"],
        via="test",
        request=req,
        reason="仍未通电",
        now=at("2026-09-30"),
    )
    req.refresh_from_db()
    assert (req.status, req.reopen_count, req.rating) == (Status.PLANNED, 1, None)
    assert req.resolve_due_on == datetime.date(2026, 11, 3)
    event = ServiceEvent.objects.get(request=req, kind=EventKind.REOPENED)
    assert (event.from_status, event.to_status, event.text) == ("closed", "planned", "仍未通电")


def test_bad_input_names_the_field_and_writes_nothing(personas, ent_a):
    with pytest.raises(ValidationFailed) as refused:
        services.request_create(
            actor=personas["ent_a_user"],
            via="test",
            park=ent_a.park,
            data={"title": "", "category": "weather", "urgency": "now", "description": ""},
        )
    fields = sorted(e.field for e in refused.value.errors)
    assert fields == ["category", "description", "title", "urgency"]
    assert ServiceRequest.objects.count() == 0


def test_nothing_is_ever_deleted(personas, raise_request):
    req = raise_request()
    with pytest.raises(PermissionError):
        req.delete()
    with pytest.raises(PermissionError):
        ServiceEvent.objects.filter(request=req).first().delete()
    assert ServiceRequest.objects.filter(pk=req.pk).exists()


def test_status_cannot_be_assigned_directly(raise_request):
    req = raise_request()
    with pytest.raises(AttributeError):
        req.status = Status.CLOSED
