"""Ledger pages. Views load through selectors, write through services, and hold no rules."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkpilot.alerts.models import Alert, Step
from parkpilot.alerts.models import State as AlertState
from parkpilot.field_labels import error_text
from parkpilot.inputs import query_whole
from parkpilot.projects import rules, selectors, services, xlsx
from parkpilot.projects.models import APPROVAL_STAGES, ProgressUpdate, Project, Stage
from parkpilot.tenancy import access
from parkpilot.tenancy import selectors as tenancy
from parkpilot.tenancy.access import page
from parkpilot.tenancy.errors import ValidationFailed

PAGE_SIZE = 50


def _project_or_404(request, project_id: int) -> Project:
    return selectors.project_get(user=request.user, project_id=project_id)


def _safe_next(request, default: str):
    """Back to the page the form was on, but never to another site (no open redirect)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _filters(request) -> dict:
    delayed = request.GET.get("delayed", "")
    return {
        "stage": query_whole(request, "stage", None),
        "zone_id": query_whole(request, "zone", None),
        "tag": request.GET.get("tag", "").strip(),
        "delayed": True if delayed == "1" else False if delayed == "0" else None,
        "q": request.GET.get("q", "").strip(),
    }


@page(rules.LEDGER)
def ledger(request):
    user = request.user
    filters = _filters(request)
    page = Paginator(selectors.project_list(user=user, **filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "portfolio": selectors.portfolio_timeline(user=user, projects=page.object_list),
        "filters": filters,
        "query": request.GET.copy(),
        "stages": Stage.choices,
        "zones": tenancy.zone_list(user=user),
        "tags": selectors.tag_choices(user=user),
        "counts": selectors.ledger_counts(user=user),
        "gap": selectors.land_to_start(user=user),
        "funnel": selectors.stage_funnel(user=user),
        "by_year": [
            {"year": r["year"], "planned": float(r["planned"]), "actual": float(r["actual"])}
            for r in selectors.investment_by_year(user=user)
        ],
        "can_import": access.can(user, access.CREATE, Project),
    }
    template = "projects/ledger.html"
    if request.htmx:
        template += "#results"
    return TemplateResponse(request, template, context)


@login_required
def project_detail(request, project_id: int):
    user = request.user
    project = _project_or_404(request, project_id)
    stages = selectors.project_stages(user=user, project=project)
    context = {
        "project": project,
        "stages": stages,
        "timeline": selectors.project_timeline(user=user, project=project),
        "updates": selectors.project_updates(user=user, project=project),
        "investments": selectors.project_investments(user=user, project=project),
        "documents": _by_stage(selectors.project_documents(user=user, project=project)),
        "alerts": selectors.with_projects(
            user=user, alerts=selectors.alert_list(user=user, project_id=project.pk)
        ),
        "can_edit": access.can(user, access.CHANGE, project),
        "can_report": _can_report(user, project),
        "stage_choices": Stage.choices,
        "contacts": selectors.contact_choices(user=user),
        "today": timezone.localdate(),
        "approval_stages": {int(s) for s in APPROVAL_STAGES},
        **_alert_steps(user),
    }
    return TemplateResponse(request, "projects/project_detail.html", context)


def _by_stage(documents) -> dict:
    grouped: dict = {}
    for d in documents:
        grouped.setdefault(d.stage or 0, []).append(d)
    return grouped


def _can_report(user, project) -> bool:
    return access.can(user, access.CREATE, ProgressUpdate, enterprise_id=project.enterprise_id)


def _alert_steps(user) -> dict:
    """Which steps the user may take on the alerts listed (they are scoped to the user: what the
    user may do to one of them is what the role may do to any)."""
    return {
        "can_acknowledge": access.can(user, Step.ACKNOWLEDGE, Alert),
        "can_close": access.can(user, Step.CLOSE, Alert),
    }


def _back(request, project_id: int):
    return redirect("projects:project_detail", project_id=project_id)


def _run(request, fn, **kwargs) -> bool:
    """Call a service; turn its refusals into messages on the page it came from."""
    try:
        fn(actor=request.user, via="ui", **kwargs)
    except ValidationFailed as exc:
        for e in exc.errors:
            messages.error(request, error_text(e))
        return False
    return True


@login_required
@require_POST
def stage_update(request, project_id: int, stage: int):
    project = _project_or_404(request, project_id)
    fields = ("planned_on", "actual_on", "approving_body", "submitted_on", "approved_on", "note")
    changes = {f: request.POST[f] for f in fields if f in request.POST}
    _run(request, services.project_stage_update, project=project, stage=stage, changes=changes)
    return _back(request, project_id)


@login_required
@require_POST
def contact_update(request, project_id: int):
    project = _project_or_404(request, project_id)
    contact_id = request.POST.get("contact_id")
    _run(request, services.project_update, project=project, changes={"contact_id": contact_id})
    return _back(request, project_id)


@login_required
@require_POST
def progress_create(request, project_id: int):
    project = _project_or_404(request, project_id)
    _run(
        request,
        services.progress_update_create,
        project=project,
        text=request.POST.get("text", ""),
        stage=request.POST.get("stage"),
        photo=request.FILES.get("photo"),
    )
    return _back(request, project_id)


@login_required
@require_POST
def investment_record(request, project_id: int):
    project = _project_or_404(request, project_id)
    _run(
        request,
        services.investment_record,
        project=project,
        month=request.POST.get("month", ""),
        planned_100m_cny=request.POST.get("planned_100m_cny"),
        actual_100m_cny=request.POST.get("actual_100m_cny"),
    )
    return _back(request, project_id)


@login_required
@require_POST
def document_add(request, project_id: int):
    project = _project_or_404(request, project_id)
    _run(
        request,
        services.document_add,
        project=project,
        title=request.POST.get("title", ""),
        stage=request.POST.get("stage"),
        file=request.FILES.get("file"),
    )
    return _back(request, project_id)


@login_required
def document(request, document_id: int):
    doc = selectors.document_get(user=request.user, document_id=document_id)
    return FileResponse(
        doc.file.open("rb"), as_attachment=True, filename=doc.file.name.rsplit("/", 1)[-1]
    )


@login_required
def photo(request, update_id: int):
    update = access.get_for(request.user, ProgressUpdate, update_id)
    if not update.photo:
        raise Http404
    return FileResponse(update.photo.open("rb"))


@login_required
def alert_list(request):
    status = request.GET.get("status", "active")
    mine = request.GET.get("mine") == "1"
    alerts = selectors.alert_list(user=request.user, status=status[:20], mine=mine)[:300]
    context = {
        "alerts": selectors.with_projects(user=request.user, alerts=alerts),
        "status": status,
        "mine": mine,
        "statuses": AlertState.choices,
        **_alert_steps(request.user),
    }
    return TemplateResponse(request, "projects/alert_list.html", context)


@login_required
@require_POST
def alert_action(request, alert_id: int, action: str):
    alert = selectors.alert_get(user=request.user, alert_id=alert_id)
    if action == "acknowledge":
        _run(request, services.alert_acknowledge, alert=alert)
    elif action == "close":
        _run(request, services.alert_close, alert=alert, reason=request.POST.get("reason", ""))
    else:
        raise Http404
    return redirect(_safe_next(request, "projects:alert_list"))


@login_required
def approvals(request):
    context = selectors.approvals(user=request.user, today=timezone.localdate())
    return TemplateResponse(request, "projects/approvals.html", context)


@login_required
def ledger_export(request):
    projects = selectors.project_list(user=request.user, **_filters(request)).prefetch_related(
        selectors.stages_prefetch(request.user)
    )
    response = HttpResponse(
        xlsx.export_ledger(projects),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="ledger.xlsx"'
    return response


@login_required
def ledger_import(request):
    park = tenancy.park_of(request.user)
    if park is None or not (access.can(request.user, access.CREATE, Project)):
        raise PermissionDenied
    errors = []
    result = None
    if request.method == "POST" and request.FILES.get("file"):
        try:
            result = xlsx.import_ledger(
                actor=request.user, via="ui", park=park, file=request.FILES["file"]
            )
            messages.success(
                request,
                _("Imported: %(created)d new, %(updated)d updated.") % result,
            )
        except xlsx.ImportFailed as exc:
            errors = exc.problems
    return TemplateResponse(
        request, "projects/ledger_import.html", {"errors": errors, "result": result}
    )
