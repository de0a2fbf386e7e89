"""Writes for enterprise services and supervision. Keyword-only, atomic, audited.

Each step of a request is a state-machine transition (models.ServiceRequest). A step from the
wrong state is refused with the reason; a step that loses a race (someone else moved the request
after it was read) is refused as a conflict. Either way nothing is written: the transaction rolls
back with the error."""

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext_lazy
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from parkpilot import events
from parkpilot.alerts import services as alert_services
from parkpilot.alerts.models import Alert
from parkpilot.alerts.models import State as AlertState
from parkpilot.inputs import Fields
from parkpilot.notifications.services import notify
from parkpilot.services import sla
from parkpilot.services.errors import ErrorCode
from parkpilot.services.models import (
    OPEN_STATUSES,
    CaseStatus,
    Category,
    EventKind,
    NoteKind,
    ServiceAttachment,
    ServiceEvent,
    ServiceRequest,
    Status,
    SupervisionCase,
    SupervisionNote,
    Urgency,
)
from parkpilot.stored_text import stored
from parkpilot.tenancy import access
from parkpilot.tenancy.actors import system_actor
from parkpilot.tenancy.audit import _jsonable, audit_record
from parkpilot.tenancy.errors import Code, FieldError, Forbidden, ValidationFailed
from parkpilot.tenancy.models import Enterprise, Park, User
from parkpilot.tenancy.roles import PARK_OPERATORS, Role
from parkpilot.tenancy.selectors import role_holders
from parkpilot.uploads import check_file

STEP_NAMES = {
    "assign": pgettext_lazy("service step", "assign a contact to"),
    "record_plan": pgettext_lazy("service step", "record a solution plan for"),
    "resolve": pgettext_lazy("service step", "resolve"),
    "confirm": pgettext_lazy("service step", "confirm"),
    "reopen": pgettext_lazy("service step", "reopen"),
    "close": pgettext_lazy("service step", "close"),
}
# A state as a sentence names it ("cannot resolve it while it is assigned").
STATE_NAMES = {
    Status.SUBMITTED: pgettext_lazy("request state in a sentence", "submitted"),
    Status.ASSIGNED: pgettext_lazy("request state in a sentence", "assigned"),
    Status.PLANNED: pgettext_lazy("request state in a sentence", "being handled"),
    Status.RESOLVED: pgettext_lazy(
        "request state in a sentence", "resolved, awaiting confirmation"
    ),
    Status.CLOSED: pgettext_lazy("request state in a sentence", "closed"),
    CaseStatus.OPEN: pgettext_lazy("request state in a sentence", "under supervision"),
}


def _state_name(state: str) -> str:
    return str(STATE_NAMES.get(state, state))


def _text(value, field: str, errors: list[FieldError], *, max_length: int = 5000) -> str:
    text = (value or "").strip()
    if not text:
        errors.append(FieldError(field, _("must not be empty"), Code.REQUIRED))
    elif len(text) > max_length:
        reason = _("at most %(n)d characters") % {"n": max_length}
        errors.append(FieldError(field, reason, Code.TOO_LONG))
    return text


def _step(obj, step: str, *, changes: dict[str, Any]) -> str:
    """Run one transition and save it conditionally; returns the state it came from."""
    before = obj.status
    try:
        getattr(obj, step)()
    except TransitionNotAllowed:
        reason = _("cannot %(step)s it while it is %(state)s") % {
            "step": STEP_NAMES[step],
            "state": _state_name(before),
        }
        raise ValidationFailed.single("status", reason, Code.INVALID_TRANSITION) from None
    for name, value in changes.items():
        setattr(obj, name, value)
    try:
        obj.save()
    except ConcurrentTransition:
        raise ValidationFailed.single(
            "status",
            _("someone else changed it meanwhile: reload and retry"),
            Code.CONFLICT,
        ) from None
    return before


def _record(
    *,
    actor: User | None,
    via: str,
    request: ServiceRequest,
    kind: str,
    before: str,
    text: str = "",
    data: dict | None = None,
    now: datetime.datetime,
) -> None:
    ServiceEvent.objects.create(
        request=request,
        at=now,
        actor=actor,
        kind=kind,
        from_status=before,
        to_status=request.status,
        text=text,
    )
    audit_record(
        actor=actor,
        via=via,
        action=f"service_request.{kind}",
        obj=request,
        before={"status": before},
        after={"status": request.status, **{k: _jsonable(v) for k, v in (data or {}).items()}},
        park_id=request.park_id,
    )
    if before and before != request.status:
        _sla_settle(request, now)


def _require_handler(actor: User, request: ServiceRequest) -> None:
    """Planning, notes and resolution are the contact's (or a park administrator's) to record."""
    access.require(actor, access.CHANGE, request, fields={"status"})
    if actor.pk == request.contact_id or access.can(actor, "handle_any", request):
        return
    raise Forbidden(_("only the contact person or a park administrator may do this"))


# --- attachments ---------------------------------------------------------------------------

ATTACHMENT_TYPES = frozenset(
    {"pdf", "ofd", "doc", "docx", "xls", "xlsx", "jpg", "jpeg", "png", "webp", "txt"}
)
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024


def _check_files(files, errors: list[FieldError]) -> None:
    for f in files:
        errors += check_file(
            f, field="file", allowed=ATTACHMENT_TYPES, max_bytes=ATTACHMENT_MAX_BYTES
        )


def _attach(*, actor, via, request, file, now) -> ServiceAttachment:
    attachment = ServiceAttachment.objects.create(
        request=request,
        file=file,
        name=(getattr(file, "name", "") or "file")[:200],
        size=getattr(file, "size", 0) or 0,
        uploaded_by=actor,
        uploaded_at=now,
    )
    _record(
        actor=actor,
        via=via,
        request=request,
        kind=EventKind.ATTACHED,
        before=request.status,
        text=attachment.name,
        data={"attachment": attachment.name, "size": attachment.size},
        now=now,
    )
    return attachment


@transaction.atomic
def attachment_add(
    *,
    actor: User,
    via: str,
    request: ServiceRequest,
    file,
    now: datetime.datetime | None = None,
) -> ServiceAttachment:
    """The enterprise or park staff attach a file to an open request."""
    now = now or timezone.now()
    access.require(actor, access.CREATE, ServiceAttachment, enterprise_id=request.enterprise_id)
    errors: list[FieldError] = []
    if file is None:
        errors.append(FieldError("file", _("choose a file"), Code.REQUIRED))
    else:
        _check_files([file], errors)
    if request.status == Status.CLOSED:
        errors.append(FieldError("status", _("the request is closed"), Code.INVALID_TRANSITION))
    if errors:
        raise ValidationFailed(errors)
    return _attach(actor=actor, via=via, request=request, file=file, now=now)


# --- requests ------------------------------------------------------------------------------


@transaction.atomic
def request_create(
    *,
    actor: User,
    via: str,
    park: Park,
    data: dict[str, Any],
    files: list | None = None,
    now: datetime.datetime | None = None,
) -> ServiceRequest:
    """An enterprise raises a problem for itself; park staff may raise one on its behalf.
    Attachments given here are stored with it, in the same transaction."""
    now = now or timezone.now()
    fields = Fields()
    errors = fields.errors
    if access.can(actor, access.CREATE, ServiceRequest):
        enterprise_id = fields.whole("enterprise_id", data.get("enterprise_id"), low=1,
                                     required=False)  # fmt: skip
    else:  # only for its own enterprise
        enterprise_id = actor.enterprise_id
    access.require(actor, access.CREATE, ServiceRequest, enterprise_id=enterprise_id)
    enterprise = Enterprise.objects.filter(park=park, pk=enterprise_id).first()
    if enterprise is None and not errors:
        errors.append(
            FieldError("enterprise_id", _("no such enterprise in this park"), Code.UNKNOWN)
        )
    title = _text(data.get("title"), "title", errors, max_length=200)
    description = _text(data.get("description"), "description", errors)
    category = data.get("category")
    if category not in Category.values:
        errors.append(FieldError("category", _("unknown category"), Code.UNKNOWN))
    urgency = data.get("urgency") or Urgency.NORMAL
    if urgency not in Urgency.values:
        errors.append(FieldError("urgency", _("unknown urgency"), Code.UNKNOWN))
    _check_files(files or [], errors)
    if errors:
        raise ValidationFailed(errors)
    due = sla.deadlines(
        park_id=park.pk, category=category, urgency=urgency, start=timezone.localdate(now)
    )
    request = ServiceRequest.objects.create(
        park=park,
        enterprise=enterprise,
        title=title,
        description=description,
        category=category,
        urgency=urgency,
        raised_by=actor,
        raised_at=now,
        **due,
    )
    _record(
        actor=actor,
        via=via,
        request=request,
        kind=EventKind.SUBMITTED,
        before="",
        text=title,
        data={"category": category, "urgency": urgency, **due},
        now=now,
    )
    for file in files or []:
        _attach(actor=actor, via=via, request=request, file=file, now=now)
    return request


@transaction.atomic
def request_assign(
    *,
    actor: User,
    via: str,
    request: ServiceRequest,
    contact_id: int | None,
    now: datetime.datetime | None = None,
) -> ServiceRequest:
    """Triage: name the one contact person. Later calls change the contact (and say so)."""
    now = now or timezone.now()
    access.require(actor, access.CHANGE, request, fields={"contact"})
    fields = Fields()
    contact_id = fields.whole("contact_id", contact_id, low=1)
    fields.check()
    contact = role_holders(
        PARK_OPERATORS, pk=contact_id, park_id=request.park_id, is_active=True
    ).first()
    if contact is None:
        raise ValidationFailed.single(
            "contact_id",
            _("the contact must be park staff"),
            Code.NOT_PARK_STAFF,
        )
    if request.status == Status.SUBMITTED:
        before = _step(request, "assign", changes={"contact": contact, "assigned_at": now})
        kind = EventKind.ASSIGNED
    elif request.status in (Status.ASSIGNED, Status.PLANNED):
        if contact.pk == request.contact_id:
            return request
        before = request.status
        locked = ServiceRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != before:
            reason = _("someone else changed it meanwhile: reload and retry")
            raise ValidationFailed.single("status", reason, Code.CONFLICT)
        ServiceRequest.objects.filter(pk=request.pk).update(contact=contact)
        request.contact = contact
        kind = EventKind.REASSIGNED
    else:
        reason = _("cannot change the contact while it is %(state)s") % {
            "state": _state_name(request.status)
        }
        raise ValidationFailed.single("status", reason, Code.INVALID_TRANSITION)
    _record(
        actor=actor,
        via=via,
        request=request,
        kind=kind,
        before=before,
        text=str(contact),
        data={"contact": contact.username},
        now=now,
    )
    title = gettext_noop("You are the contact for: %(title)s")
    _tell(request, [contact], "services.assigned", title, "")
    return request


def _tell(request: ServiceRequest, recipients, kind: str, title: str, body: str) -> None:
    """The people a step concerns see it under their bell (and in the senders' copies), in
    their language: `title` is a msgid (gettext_noop) over the request's enterprise and title."""
    notify(
        park=request.park,
        recipients=[r for r in recipients if r is not None],
        kind=kind,
        title=stored(title, enterprise=request.enterprise.name, title=request.title),
        body=body,
        link=reverse("services:request_detail", args=[request.pk]),
    )


def _park_admins(request: ServiceRequest):
    return role_holders(frozenset({Role.PARK_ADMIN}), park_id=request.park_id, is_active=True)


@transaction.atomic
def request_plan(
    *,
    actor: User,
    via: str,
    request: ServiceRequest,
    plan: str,
    departments: str = "",
    promised_on: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> ServiceRequest:
    now = now or timezone.now()
    _require_handler(actor, request)
    fields = Fields()
    errors = fields.errors
    plan = _text(plan, "plan", errors)
    promised_on = fields.date("promised_on", promised_on)
    if promised_on is not None and promised_on < timezone.localdate(now):
        errors.append(FieldError("promised_on", _("cannot be in the past"), Code.OUT_OF_RANGE))
    if errors:
        raise ValidationFailed(errors)
    changes = {
        "plan": plan,
        "plan_departments": (departments or "").strip()[:300],
        "plan_promised_on": promised_on,
        "planned_at": now,
    }
    before = _step(request, "record_plan", changes=changes)
    _record(
        actor=actor,
        via=via,
        request=request,
        kind=EventKind.PLANNED,
        before=before,
        text=plan,
        data={"departments": changes["plan_departments"], "promised_on": promised_on},
        now=now,
    )
    return request


@transaction.atomic
def request_note(
    *,
    actor: User,
    via: str,
    request: ServiceRequest,
    text: str,
    now: datetime.datetime | None = None,
) -> ServiceEvent:
    _require_handler(actor, request)
    return _text_event(
        actor=actor, via=via, request=request, text=text, kind=EventKind.NOTE, now=now
    )


def _text_event(*, actor, via, request, text, kind, now) -> ServiceEvent:
    """A note or comment on an open request: its event and audit row (action `note`/`comment`)."""
    errors: list[FieldError] = []
    text = _text(text, "text", errors)
    if errors:
        raise ValidationFailed(errors)
    _refuse_closed(request)
    event = ServiceEvent.objects.create(
        request=request, at=now or timezone.now(), actor=actor, kind=kind, text=text
    )
    name = "note" if kind == EventKind.NOTE else "comment"
    audit_record(
        actor=actor,
        via=via,
        action=f"service_request.{name}",
        obj=request,
        before=None,
        after={name: text[:500]},
        park_id=request.park_id,
    )
    return event


def _require_own_enterprise(actor: User, request: ServiceRequest) -> None:
    """Comments and urging are the requesting enterprise's own voice."""
    access.require(actor, access.CHANGE, request)
    if not access.can(actor, "speak", request):
        raise Forbidden(_("only the requesting enterprise may do this"))


def _refuse_closed(request: ServiceRequest) -> None:
    if request.status == Status.CLOSED:
        raise ValidationFailed.single("status", _("the request is closed"), Code.INVALID_TRANSITION)


@transaction.atomic
def request_comment(
    *,
    actor: User,
    via: str,
    request: ServiceRequest,
    text: str,
    now: datetime.datetime | None = None,
) -> ServiceEvent:
    """The enterprise adds a note to its own open request (more detail, an answer to the
    contact); it shows in the request's history for both sides."""
    _require_own_enterprise(actor, request)
    return _text_event(
        actor=actor, via=via, request=request, text=text, kind=EventKind.COMMENTED, now=now
    )


URGE_INTERVAL = datetime.timedelta(hours=24)  # once a day: urging is a signal, not a stream


@transaction.atomic
def request_urge(
    *,
    actor: User,
    via: str,
    request: ServiceRequest,
    text: str = "",
    now: datetime.datetime | None = None,
) -> ServiceEvent:
    """催办: the enterprise asks for its open request to be handled, at most once a day. The
    contact (or, before one is named, the park's admins) sees it on the request and its list."""
    now = now or timezone.now()
    _require_own_enterprise(actor, request)
    _refuse_closed(request)
    if request.status == Status.RESOLVED:
        raise ValidationFailed.single(
            "status",
            _("it is resolved: confirm or reopen it"),
            ErrorCode.RESOLVED,
        )
    locked = ServiceRequest.objects.select_for_update().get(pk=request.pk)
    last = (
        ServiceEvent.objects.filter(request=locked, kind=EventKind.URGED)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    if last is not None and now - last < URGE_INTERVAL:
        hours = max(1, round((last + URGE_INTERVAL - now).total_seconds() / 3600))
        reason = _("already urged today: again in %(hours)d h") % {"hours": hours}
        raise ValidationFailed.single("urge", reason, ErrorCode.TOO_SOON)
    errors: list[FieldError] = []
    text = _text(text, "text", errors, max_length=500) if text else ""
    if errors:
        raise ValidationFailed(errors)
    event = ServiceEvent.objects.create(
        request=locked, at=now, actor=actor, kind=EventKind.URGED, text=text
    )
    audit_record(
        actor=actor,
        via=via,
        action="service_request.urge",
        obj=locked,
        before=None,
        after={"text": text},
        park_id=locked.park_id,
    )
    _tell(
        locked,
        [locked.contact] if locked.contact_id else _park_admins(locked),
        "services.urged",
        gettext_noop("%(enterprise)s urged: %(title)s"),
        text,
    )
    return event


@transaction.atomic
def request_resolve(
    *,
    actor: User,
    via: str,
    request: ServiceRequest,
    resolution: str,
    now: datetime.datetime | None = None,
) -> ServiceRequest:
    now = now or timezone.now()
    _require_handler(actor, request)
    errors: list[FieldError] = []
    resolution = _text(resolution, "resolution", errors)
    if errors:
        raise ValidationFailed(errors)
    before = _step(request, "resolve", changes={"resolution": resolution, "resolved_at": now})
    _record(
        actor=actor,
        via=via,
        request=request,
        kind=EventKind.RESOLVED,
        before=before,
        text=resolution,
        now=now,
    )
    resolved = gettext_noop("Resolved: %(title)s")
    _tell(request, [request.raised_by], "services.resolved", resolved, resolution)
    return request


@transaction.atomic
def request_confirm(
    *,
    actor: User,
    via: str,
    request: ServiceRequest,
    rating: int | None,
    comment: str = "",
    now: datetime.datetime | None = None,
) -> ServiceRequest:
    """Only the enterprise closes its request, by confirming the resolution and rating it."""
    now = now or timezone.now()
    access.require(actor, access.CHANGE, request, fields={"confirmation"})
    if not access.can(actor, "speak", request):
        raise Forbidden(_("only the requesting enterprise confirms"))
    fields = Fields()
    rating = fields.whole("rating", rating, low=1, high=5)  # stars
    fields.check()
    comment = (comment or "").strip()[:500]
    before = _step(
        request,
        "confirm",
        changes={"rating": rating, "confirmation_comment": comment, "confirmed_at": now},
    )
    _record(
        actor=actor,
        via=via,
        request=request,
        kind=EventKind.CONFIRMED,
        before=before,
        text=comment,
        data={"rating": rating},
        now=now,
    )
    # Other apps may react (e.g. points for an enterprise that rates its closed request).
    events.emit(
        "services.request_confirmed",
        request_id=request.pk,
        park_id=request.park_id,
        enterprise_id=request.enterprise_id,
        confirmed_by_id=actor.pk,
        rating=rating,
    )
    return request


@transaction.atomic
def request_reopen(
    *,
    actor: User,
    via: str,
    request: ServiceRequest,
    reason: str,
    now: datetime.datetime | None = None,
) -> ServiceRequest:
    """Back to work with the reason; the resolution clock starts again from today."""
    now = now or timezone.now()
    access.require(
        actor, access.CHANGE, request, fields={"confirmation"}
    )  # supervisors write none of it
    errors: list[FieldError] = []
    reason = _text(reason, "reason", errors, max_length=1000)
    if errors:
        raise ValidationFailed(errors)
    due, estimated = sla.resolve_deadline(
        park_id=request.park_id,
        category=request.category,
        urgency=request.urgency,
        start=timezone.localdate(now),
    )
    changes = {
        "reopen_count": request.reopen_count + 1,
        "resolve_due_on": due,
        "calendar_estimated": request.calendar_estimated or estimated,
        "rating": None,
        "confirmed_at": None,
    }
    before = _step(request, "reopen", changes=changes)
    _record(
        actor=actor,
        via=via,
        request=request,
        kind=EventKind.REOPENED,
        before=before,
        text=reason,
        data={"reason": reason, "resolve_due_on": due},
        now=now,
    )
    return request


# --- SLA ---------------------------------------------------------------------------------------
# The service clock stays here (sla.py, on the shared working calendar); what it finds goes to the
# alerts framework: one alert per request, timer and deadline ("request:<id>/<timer>/<due>"),
# raised to the contact person on the timer's last working day, escalated to the supervisors once
# that day has passed, closed when the step is taken or the deadline moves (a reopened request).

TIMER_NAMES = {
    "response": pgettext_lazy("sla timer", "first response"),
    "plan": pgettext_lazy("sla timer", "solution plan"),
    "resolve": pgettext_lazy("sla timer", "resolution"),
}
SLA_KINDS = {timer: f"services.{timer}_due" for timer in sla.TIMERS}
SLA_DUE = {  # an SLA alert's detail, stored as its msgid (shown in each reader's language)
    "response": gettext_noop("First response due by %(due)s"),
    "plan": gettext_noop("Solution plan due by %(due)s"),
    "resolve": gettext_noop("Resolution due by %(due)s"),
}


def pending_timers(request: ServiceRequest) -> list[str]:
    """The timers still running for a request in its current state."""
    if request.status == Status.SUBMITTED:
        return ["response", "plan", "resolve"]
    if request.status == Status.ASSIGNED:
        return ["plan", "resolve"]
    if request.status == Status.PLANNED:
        return ["resolve"]
    return []


def sla_subject(request_id: int, timer: str, due: datetime.date) -> str:
    return f"request:{request_id}/{timer}/{due.isoformat()}"


def _due_timers(request: ServiceRequest, today: datetime.date) -> dict[str, tuple[str, object]]:
    """subject -> (timer, due) of the request's running timers whose last day has come."""
    due_timers = {}
    for timer in pending_timers(request):
        due = getattr(request, f"{timer}_due_on")
        if due <= today:
            due_timers[sla_subject(request.pk, timer, due)] = (timer, due)
    return due_timers


def _sla_alerts(system, subjects=None, *, request_ids=None):
    qs = access.scoped(system, Alert).filter(kind__in=SLA_KINDS.values())
    if subjects is not None:
        qs = qs.filter(subject__in=subjects)
    if request_ids is not None:
        qs = qs.filter(figure__request_id__in=request_ids)
    return qs


@transaction.atomic
def sla_scan(*, park: Park, now: datetime.datetime, via: str = "system") -> dict[str, int]:
    """On a timer's last day raise its alert to the contact; once the day has passed escalate it
    to the supervisors; close the alerts of timers that stopped. Each timer and deadline reminds
    and escalates at most once; idempotent for a given `now`."""
    today = timezone.localdate(now)
    system = system_actor(park, "services.sla")
    counts = {"reminded": 0, "escalated": 0}
    wanted: set[str] = set()
    candidates = ServiceRequest.objects.filter(
        park=park, status__in=OPEN_STATUSES, response_due_on__lte=today
    ).select_related("contact", "park")
    chunk: list[ServiceRequest] = []
    for request in candidates.iterator(chunk_size=500):
        chunk.append(request)
        if len(chunk) == 500:
            wanted |= _sla_chunk(system, chunk, today, now, via, counts)
            chunk = []
    if chunk:
        wanted |= _sla_chunk(system, chunk, today, now, via, counts)
    stale = [
        alert
        for alert in _sla_alerts(system).exclude(state=AlertState.CLOSED)
        if alert.subject not in wanted
    ]
    for alert in stale:
        alert_services.alert_close(
            actor=system, via=via, alert=alert, reason=_("the step was taken"), now=now
        )
    return counts


def _sla_chunk(system, requests, today, now, via, counts) -> set[str]:
    due = {request.pk: _due_timers(request, today) for request in requests}
    subjects = [subject for timers in due.values() for subject in timers]
    known: dict[str, list[Alert]] = {}
    for alert in _sla_alerts(system, subjects):
        known.setdefault(alert.subject, []).append(alert)
    for request in requests:
        for subject, (timer, due_on) in due[request.pk].items():
            alerts = known.get(subject, [])
            if due_on == today and not alerts:
                _sla_raise(system, request, timer, due_on, now)
                counts["reminded"] += 1
                _sla_event(request, EventKind.REMINDER, timer, due_on, now, via)
            elif due_on < today and not any(a.escalated_at for a in alerts):
                # Raised now if the scan missed its last day, or its alert was closed by hand.
                open_ = [a for a in alerts if a.state != AlertState.CLOSED]
                alert = open_[0] if open_ else _sla_raise(system, request, timer, due_on, now)
                alert_services.alert_escalate(actor=system, via=via, alert=alert, now=now)
                counts["escalated"] += 1
                _sla_event(request, EventKind.ESCALATED, timer, due_on, now, via)
    return set(subjects)


def _sla_raise(system, request: ServiceRequest, timer: str, due: datetime.date, now) -> Alert:
    people = [request.contact] if request.contact_id else list(_park_admins(request))
    alert, _created = alert_services.alert_raise(
        actor=system, park=request.park, kind=SLA_KINDS[timer],
        subject=sla_subject(request.pk, timer, due), title=str(request)[:200],
        detail=stored(SLA_DUE[timer], due=due.isoformat()),
        link=reverse("services:request_detail", args=[request.pk]),
        figure={"request_id": request.pk, "timer": timer, "due_on": due.isoformat()},
        recipients=people, now=now,
    )  # fmt: skip
    return alert


def _sla_settle(request: ServiceRequest, now: datetime.datetime) -> None:
    """After a step: close the request's alerts whose timer stopped or whose deadline moved."""
    system = system_actor(request.park, "services.sla")
    wanted = _due_timers(request, timezone.localdate(now))
    stale = (
        _sla_alerts(system, request_ids=[request.pk])
        .exclude(state=AlertState.CLOSED)
        .exclude(subject__in=list(wanted))
    )
    for alert in stale:
        alert_services.alert_close(
            actor=system, via="system", alert=alert, reason=_("the step was taken"), now=now
        )


def _sla_event(request, kind, timer, due, now, via) -> None:
    words = {"timer": TIMER_NAMES[timer], "due": f"{due:%Y-%m-%d}"}
    if kind == EventKind.REMINDER:
        text = _("%(timer)s due today (%(due)s)") % words
    else:
        text = _("%(timer)s overdue (due %(due)s), escalated to the supervisors") % words
    ServiceEvent.objects.create(
        request=request,
        at=now,
        actor=None,
        kind=kind,
        from_status=request.status,
        to_status=request.status,
        text=text,
    )
    audit_record(
        actor=None,
        via=via,
        action=f"service_request.{kind}",
        obj=request,
        before=None,
        after={"timer": timer, "due_on": due.isoformat()},
        park_id=request.park_id,
    )


# --- supervision ------------------------------------------------------------------------------


@transaction.atomic
def case_open(
    *,
    actor: User,
    via: str,
    park: Park,
    instruction: str,
    service_request_id: int | None = None,
    project_id: int | None = None,
    deadline: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> SupervisionCase:
    from parkpilot.projects import selectors as projects

    now = now or timezone.now()
    access.require(actor, access.CREATE, SupervisionCase)
    fields = Fields()
    errors = fields.errors
    instruction = _text(instruction, "instruction", errors)
    service_request_id = fields.whole("service_request_id", service_request_id, low=1,
                                      required=False)  # fmt: skip
    project_id = fields.whole("project_id", project_id, low=1, required=False)
    deadline = fields.date("deadline", deadline, required=False)
    request = project = None
    if service_request_id is not None:
        request = ServiceRequest.objects.filter(park=park, pk=service_request_id).first()
        if request is None:
            errors.append(FieldError("service_request_id", _("no such request"), Code.UNKNOWN))
    if project_id is not None:
        try:
            project = projects.project_get(user=actor, project_id=project_id)
        except Exception:  # NotFound: reported on the field like any bad reference
            errors.append(FieldError("project_id", _("no such project"), Code.UNKNOWN))
    named = {e.field for e in errors} & {"service_request_id", "project_id"}
    if service_request_id is None and project_id is None and not named:
        errors.append(
            FieldError(
                "service_request_id",
                _("name a request or a project"),
                Code.REQUIRED,
            )
        )
    if deadline is not None and deadline < timezone.localdate(now):
        errors.append(FieldError("deadline", _("cannot be in the past"), Code.OUT_OF_RANGE))
    if errors:
        raise ValidationFailed(errors)
    title = str(request or project)[:200]
    try:
        with transaction.atomic():
            case = SupervisionCase.objects.create(
                park=park,
                service_request=request,
                project=project,
                title=title,
                instruction=instruction,
                deadline=deadline,
                opened_by=actor,
                opened_at=now,
            )
    except IntegrityError:
        raise ValidationFailed.single(
            "service_request_id", _("already under supervision"), Code.TAKEN
        ) from None
    SupervisionNote.objects.create(
        case=case, author=actor, at=now, kind=NoteKind.INSTRUCTION, text=instruction
    )
    audit_record(
        actor=actor,
        via=via,
        action="supervision.open",
        obj=case,
        before=None,
        after={
            "service_request": request.pk if request else None,
            "project": project.pk if project else None,
            "instruction": instruction[:500],
            "deadline": _jsonable(deadline),
        },
        park_id=park.pk,
    )
    return case


@transaction.atomic
def case_note(
    *,
    actor: User,
    via: str,
    case: SupervisionCase,
    text: str,
    now: datetime.datetime | None = None,
) -> SupervisionNote:
    """Supervisors write instructions; park staff reply. Nothing is added to a closed case."""
    now = now or timezone.now()
    access.require(actor, access.CREATE, SupervisionNote)
    errors: list[FieldError] = []
    text = _text(text, "text", errors)
    if errors:
        raise ValidationFailed(errors)
    if case.status != CaseStatus.OPEN:
        raise ValidationFailed.single("status", _("the case is closed"), Code.INVALID_TRANSITION)
    kind = NoteKind.INSTRUCTION if access.can(actor, "instruct", case) else NoteKind.REPLY
    note = SupervisionNote.objects.create(case=case, author=actor, at=now, kind=kind, text=text)
    audit_record(
        actor=actor,
        via=via,
        action=f"supervision.{kind}",
        obj=case,
        before=None,
        after={"note": note.pk, "kind": kind, "text": text[:500]},
        park_id=case.park_id,
    )
    return note


@transaction.atomic
def case_close(
    *,
    actor: User,
    via: str,
    case: SupervisionCase,
    conclusion: str,
    now: datetime.datetime | None = None,
) -> SupervisionCase:
    now = now or timezone.now()
    access.require(actor, access.CHANGE, case, fields={"status"})
    errors: list[FieldError] = []
    conclusion = _text(conclusion, "conclusion", errors)
    if errors:
        raise ValidationFailed(errors)
    before = _step(
        case, "close", changes={"conclusion": conclusion, "closed_by": actor, "closed_at": now}
    )
    audit_record(
        actor=actor,
        via=via,
        action="supervision.close",
        obj=case,
        before={"status": before},
        after={"status": case.status, "conclusion": conclusion[:500]},
        park_id=case.park_id,
    )
    return case
