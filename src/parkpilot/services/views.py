"""Service-request and supervision pages. Views load through selectors and write through the
same services as the API; they hold no rules."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from parkpilot.field_labels import error_text
from parkpilot.services import rules, selectors, services
from parkpilot.services.models import (
    Category,
    EventKind,
    ServiceAttachment,
    ServiceRequest,
    Status,
    SupervisionCase,
    Urgency,
)
from parkpilot.tenancy import access
from parkpilot.tenancy import selectors as tenancy
from parkpilot.tenancy.access import page
from parkpilot.tenancy.errors import ValidationFailed

PAGE_SIZE = 50


def _request_or_404(request, request_id: int) -> ServiceRequest:
    return selectors.request_get(user=request.user, request_id=request_id)


def _case_or_404(request, case_id: int) -> SupervisionCase:
    return selectors.case_get(user=request.user, case_id=case_id)


def _run(http, fn, /, **kwargs):
    """Call a service; a refusal becomes a message on the page, a forbidden step a 403."""
    try:
        return fn(actor=http.user, via="ui", **kwargs)
    except ValidationFailed as exc:
        for e in exc.errors:
            messages.error(http, error_text(e))
    return None


def _safe_next(request, default: str):
    """Back to the page the form was on, but never to another site (no open redirect)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@page(rules.REQUESTS)
def request_list(request):
    user = request.user
    status = request.GET.get("status", "")
    category = request.GET.get("category", "")
    overdue = request.GET.get("overdue") == "1"
    mine = request.GET.get("mine") == "1"
    qs = selectors.request_list(
        user=user, status=status, category=category, overdue=overdue, mine=mine
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "category": category,
        "overdue": overdue,
        "mine": mine,
        "statuses": Status.choices,
        "categories": Category.choices,
        "counts": selectors.status_counts(user=user),
        "can_raise": _can_raise(user),
        "today": timezone.localdate(),
    }
    return TemplateResponse(request, "services/request_list.html", context)


def _can_raise(user) -> bool:
    return access.can(user, access.CREATE, ServiceRequest, enterprise_id=user.enterprise_id)


@login_required
def request_new(request):
    user = request.user
    if not _can_raise(user):
        raise PermissionDenied
    values = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        park = tenancy.park_of(user)
        data = {
            "title": values.get("title", ""),
            "category": values.get("category", ""),
            "urgency": values.get("urgency", "normal"),
            "description": values.get("description", ""),
            "enterprise_id": values.get("enterprise_id"),
        }
        created = _run(
            request,
            services.request_create,
            park=park,
            data=data,
            files=request.FILES.getlist("files"),
        )
        if created is not None:
            return redirect("services:request_detail", request_id=created.pk)
    context = {
        "values": values,
        "categories": Category.choices,
        "urgencies": Urgency.choices,
        "enterprises": tenancy.enterprise_list(user=user) if user.is_park_role else None,
    }
    return TemplateResponse(request, "services/request_form.html", context)


@login_required
def request_detail(request, request_id: int):
    user = request.user
    obj = _request_or_404(request, request_id)
    is_handler = access.can(user, access.CHANGE, obj) and user.is_park_role
    cases = list(selectors.request_cases(user=user, request=obj)) if user.is_park_role else []
    events = list(selectors.request_events(user=user, request=obj))
    context = {
        "req": obj,
        "timers": selectors.timers(obj),
        "events": events,
        "urged": sum(1 for e in events if e.kind == EventKind.URGED),
        "own_enterprise": user.is_enterprise_role and user.enterprise_id == obj.enterprise_id,
        "attachments": selectors.request_attachments(user=user, request=obj),
        "can_attach": obj.status != "closed" and _can_attach(user, obj),
        "is_enterprise": user.is_enterprise_role,
        "is_handler": is_handler
        and (user.pk == obj.contact_id or access.can(user, "handle_any", obj)),
        "can_assign": is_handler,
        "contacts": selectors.contact_choices(user=user) if is_handler else [],
        "is_supervisor": access.can(user, "instruct", SupervisionCase),
        "cases": cases,
        "has_open_case": any(c.status == "open" for c in cases),
        "alerts": selectors.request_alerts(user=user, request=obj),
        "today": timezone.localdate(),
    }
    return TemplateResponse(request, "services/request_detail.html", context)


def _can_attach(user, obj) -> bool:
    return access.can(user, access.CREATE, ServiceAttachment, enterprise_id=obj.enterprise_id)


@login_required
def attachment(request, attachment_id: int):
    att = selectors.attachment_get(user=request.user, attachment_id=attachment_id)
    return FileResponse(att.file.open("rb"), as_attachment=True, filename=att.name)


@login_required
@require_POST
def request_action(request, request_id: int, action: str):
    obj = _request_or_404(request, request_id)
    post = request.POST
    steps = {
        "assign": lambda: _run(
            request, services.request_assign, request=obj, contact_id=post.get("contact_id")
        ),
        "plan": lambda: _run(
            request,
            services.request_plan,
            request=obj,
            plan=post.get("plan", ""),
            departments=post.get("departments", ""),
            promised_on=post.get("promised_on"),
        ),
        "note": lambda: _run(
            request, services.request_note, request=obj, text=post.get("text", "")
        ),
        "comment": lambda: _run(
            request, services.request_comment, request=obj, text=post.get("text", "")
        ),
        "urge": lambda: _run(
            request, services.request_urge, request=obj, text=post.get("text", "")
        ),
        "resolve": lambda: _run(
            request, services.request_resolve, request=obj, resolution=post.get("resolution", "")
        ),
        "confirm": lambda: _run(
            request,
            services.request_confirm,
            request=obj,
            rating=post.get("rating"),
            comment=post.get("comment", ""),
        ),
        "reopen": lambda: _run(
            request, services.request_reopen, request=obj, reason=post.get("reason", "")
        ),
        "attach": lambda: _run(
            request, services.attachment_add, request=obj, file=request.FILES.get("file")
        ),
    }
    if action not in steps:
        raise Http404
    steps[action]()
    return redirect("services:request_detail", request_id=request_id)


@page(rules.SUPERVISION_DESK)
def supervision(request):
    user = request.user
    overdue = selectors.supervision_overdue(user=user)
    cases = selectors.case_list(user=user, status="open")
    page = Paginator(overdue, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_open_cases(user=user, requests=page.object_list)
    context = {
        "page": page,
        "escalated_alerts": selectors.escalated_project_alerts(user=user),
        "cases": list(cases[:100]),
        "counts": selectors.status_counts(user=user),
        "can_open": access.can(user, access.CREATE, SupervisionCase),
        "today": timezone.localdate(),
    }
    return TemplateResponse(request, "services/supervision.html", context)


@login_required
@require_POST
def case_open(request):
    park = tenancy.park_of(request.user)
    if park is None:
        raise PermissionDenied
    case = _run(
        request,
        services.case_open,
        park=park,
        instruction=request.POST.get("instruction", ""),
        service_request_id=request.POST.get("service_request_id"),
        project_id=request.POST.get("project_id"),
        deadline=request.POST.get("deadline"),
    )
    if case is not None:
        return redirect("services:case_detail", case_id=case.pk)
    return redirect(_safe_next(request, "services:supervision"))


@login_required
def case_detail(request, case_id: int):
    user = request.user
    case = _case_or_404(request, case_id)
    context = {
        "case": case,
        "notes": selectors.case_notes(user=user, case=case),
        "can_note": access.can(user, "note", case),
        "can_close": access.can(user, access.CHANGE, case),
    }
    return TemplateResponse(request, "services/case_detail.html", context)


@login_required
@require_POST
def case_action(request, case_id: int, action: str):
    case = _case_or_404(request, case_id)
    if action == "note":
        _run(request, services.case_note, case=case, text=request.POST.get("text", ""))
    elif action == "close":
        _run(request, services.case_close, case=case, conclusion=request.POST.get("conclusion", ""))
    else:
        raise Http404
    return redirect("services:case_detail", case_id=case_id)
