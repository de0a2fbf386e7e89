"""Reads for enterprise services and supervision; everything starts from access.scoped()."""

import datetime

from django.db.models import CharField, Count, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkpilot import workcalendar
from parkpilot.alerts import selectors as alert_selectors
from parkpilot.plugins import MyItem
from parkpilot.services.models import (
    OPEN_STATUSES,
    CaseStatus,
    ServiceAttachment,
    ServiceEvent,
    ServiceRequest,
    Status,
    SupervisionCase,
    SupervisionNote,
)
from parkpilot.tenancy import access
from parkpilot.tenancy import selectors as tenancy_selectors


def overdue_q(today: datetime.date) -> Q:
    """A request is overdue when the step it waits for has passed its last working day. (The
    deadlines run response <= plan <= resolution, so the step it waits for is the one that
    breaches first.)"""
    return Q(next_due_on__lt=today)


def escalated_at(user) -> Subquery:
    """When the request's service-level alerts were last escalated, as the user may see them
    (the park's alerts: an enterprise reads its request's escalations in its history instead)."""
    of_request = Concat(Value("request:"), Cast(OuterRef("pk"), CharField()), Value("/"))
    alerts = alert_selectors.alert_list(user=user, source="services").filter(
        subject__startswith=of_request, escalated_at__isnull=False
    )
    return Subquery(alerts.order_by("-escalated_at").values("escalated_at")[:1])


def request_alerts(*, user, request: ServiceRequest) -> list:
    """The request's service-level alerts (parkpilot.alerts) the user may see, oldest first,
    each with its kind's label as `kind_label`."""
    rows = list(
        alert_selectors.alert_list(user=user, source="services")
        .filter(subject__startswith=f"request:{request.pk}/")
        .order_by("raised_at", "id")
    )
    for a in rows:
        a.kind_label = alert_selectors.kind_label(a.kind)
    return rows


def request_list(
    *,
    user,
    status: str = "",
    category: str = "",
    overdue: bool = False,
    enterprise_id: int | None = None,
    mine: bool = False,
    today: datetime.date | None = None,
) -> QuerySet:
    qs = (
        access.scoped(user, ServiceRequest)
        .select_related("enterprise", "contact")
        .annotate(escalated_at=escalated_at(user))
    )
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    if enterprise_id is not None:
        qs = qs.filter(enterprise_id=enterprise_id)
    if overdue:
        qs = qs.filter(overdue_q(today or timezone.localdate()))
    if mine:
        qs = qs.filter(contact=user)
    return qs.order_by("-raised_at", "-id")


def my_open_requests(user) -> list:
    """ServicesConfig.my_items: the open requests of the person's enterprise that they raised or
    are the contact for (the residents' front door lists them under 我的事项)."""
    qs = request_list(user=user, status="open").filter(Q(raised_by=user) | Q(contact=user))
    return [
        MyItem(
            title=r.title,
            status=r.get_status_display(),
            link=reverse("services:request_detail", args=[r.pk]),
            when=r.raised_at,
            source=_("Enterprise services"),
        )
        for r in qs[:20]
    ]


def request_get(*, user, request_id: int) -> ServiceRequest:
    qs = ServiceRequest.objects.select_related(
        "enterprise", "contact", "raised_by", "park"
    ).annotate(escalated_at=escalated_at(user))
    return access.get_for(user, qs, request_id)


def request_events(*, user, request: ServiceRequest) -> QuerySet:
    return (
        access.scoped(user, ServiceEvent)
        .filter(request=request)
        .select_related("actor")
        .order_by("at", "id")
    )


def request_attachments(*, user, request: ServiceRequest) -> QuerySet:
    return (
        access.scoped(user, ServiceAttachment)
        .filter(request=request)
        .select_related("uploaded_by")
        .order_by("id")
    )


def attachment_get(*, user, attachment_id: int) -> ServiceAttachment:
    return access.get_for(user, ServiceAttachment, attachment_id)


def timers(request: ServiceRequest, today: datetime.date | None = None) -> list[dict]:
    """The three service-level timers as the page shows them: due date, met when, late by."""
    today = today or timezone.localdate()
    met = {
        "response": request.assigned_at,
        "plan": request.planned_at,
        "resolve": request.resolved_at
        if request.status in (Status.RESOLVED, Status.CLOSED)
        else None,
    }
    rows = []
    for name in ("response", "plan", "resolve"):
        due = getattr(request, f"{name}_due_on")
        done = met[name]
        if done is not None:
            done_on = timezone.localdate(done)
            state = "met" if done_on <= due else "late"
            late = workcalendar.working_days_late(due, done_on)
        else:
            state = "overdue" if due < today else "running"
            late = workcalendar.working_days_late(due, today)
        rows.append({"name": name, "due_on": due, "done_at": done, "state": state, "late": late})
    return rows


def status_counts(*, user) -> dict[str, int]:
    rows = access.scoped(user, ServiceRequest).values("status").annotate(n=Count("id"))
    counts = {s: 0 for s in Status.values}
    counts.update({r["status"]: r["n"] for r in rows})
    return counts


def supervision_overdue(*, user, today: datetime.date | None = None) -> QuerySet:
    """Every overdue request the user may read, the longest overdue first."""
    access.require(user, access.READ, SupervisionCase)
    today = today or timezone.localdate()
    return (
        access.scoped(user, ServiceRequest)
        .filter(overdue_q(today))
        .select_related("enterprise", "contact")
        .annotate(escalated_at=escalated_at(user))
        .order_by("next_due_on", "id")
    )


def with_open_cases(*, user, requests) -> list[ServiceRequest]:
    """Mark each request of a page with whether a supervision case is open on it: one query for
    the page, not a join over every overdue request."""
    rows = list(requests)
    open_ids = set(
        access.scoped(user, SupervisionCase)
        .filter(service_request__in=[r.pk for r in rows], status=CaseStatus.OPEN)
        .values_list("service_request_id", flat=True)
    )
    for r in rows:
        r.open_cases = 1 if r.pk in open_ids else 0
    return rows


def overdue_count(*, user, today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    return access.scoped(user, ServiceRequest).filter(overdue_q(today)).count()


def escalated_project_alerts(*, user, limit: int = 50) -> list:
    """Delay alerts of the ledger that reached park leadership and the supervisors, each with its
    project and marked with whether a supervision case is open on it (read through the ledger's
    selectors)."""
    from parkpilot.projects import selectors as projects

    alerts = projects.alert_list(user=user, status="active", escalated=True)[:limit]
    alerts = [a for a in projects.with_projects(user=user, alerts=alerts) if a.project]
    supervised = set()
    if alerts:
        supervised = set(
            access.scoped(user, SupervisionCase)
            .filter(project__in={a.project.pk for a in alerts}, status=CaseStatus.OPEN)
            .values_list("project_id", flat=True)
        )
    for a in alerts:
        a.under_supervision = a.project.pk in supervised
    return alerts


def case_list(*, user, status: str = "") -> QuerySet:
    access.require(user, access.READ, SupervisionCase)
    qs = access.scoped(user, SupervisionCase).select_related(
        "service_request", "service_request__enterprise", "project", "opened_by"
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-opened_at", "-id")


def case_get(*, user, case_id: int) -> SupervisionCase:
    qs = SupervisionCase.objects.select_related(
        "service_request", "project", "opened_by", "closed_by", "park"
    )
    return access.get_for(user, qs, case_id)


def request_cases(*, user, request: ServiceRequest) -> QuerySet:
    return access.scoped(user, SupervisionCase).filter(service_request=request).order_by("id")


def case_notes(*, user, case: SupervisionCase) -> QuerySet:
    return (
        access.scoped(user, SupervisionNote)
        .filter(case=case)
        .select_related("author")
        .order_by("at", "id")
    )


def open_case_count(*, user) -> int:
    return access.scoped(user, SupervisionCase).filter(status=CaseStatus.OPEN).count()


def contact_choices(*, user) -> QuerySet:
    return tenancy_selectors.contact_choices(user=user)
