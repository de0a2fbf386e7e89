"""/api/v1/projects: the ledger, stages, progress, investment and delay alerts."""

from django.http import HttpRequest
from ninja import File, Form, Router
from ninja.files import UploadedFile
from ninja.pagination import paginate

from parkpilot.pagination import LimitOffsetPagination
from parkpilot.projects import selectors, services
from parkpilot.projects.schemas import (
    AlertCloseIn,
    AlertOut,
    DocumentOut,
    InvestmentIn,
    InvestmentOut,
    ProgressIn,
    ProgressOut,
    ProjectIn,
    ProjectOut,
    ProjectPatch,
    StageOut,
    StagePatch,
)
from parkpilot.tenancy import selectors as tenancy
from parkpilot.tenancy.auth import via_of
from parkpilot.tenancy.errors import NotFound

router = Router(tags=["projects"])


@router.get("", response=list[ProjectOut])
@paginate(LimitOffsetPagination)
def project_list(
    request: HttpRequest,
    stage: int | None = None,
    zone_id: int | None = None,
    tag: str = "",
    delayed: bool | None = None,
    q: str = "",
):
    return selectors.project_list(
        user=request.auth, stage=stage, zone_id=zone_id, tag=tag, delayed=delayed, q=q
    )


@router.post("", response={201: ProjectOut})
def project_create(request: HttpRequest, payload: ProjectIn):
    park = tenancy.park_of(request.auth)
    if park is None:
        raise NotFound
    project = services.project_create(
        actor=request.auth, via=via_of(request), park=park, data=payload.dict()
    )
    return 201, selectors.project_get(user=request.auth, project_id=project.pk)


@router.get("/alerts", response=list[AlertOut])
@paginate(LimitOffsetPagination)
def alert_list(request: HttpRequest, status: str = "", project_id: int | None = None):
    """The ledger's delay alerts; `status`: open, acknowledged, escalated, closed or active."""
    return selectors.alert_list(user=request.auth, status=status, project_id=project_id)


@router.post("/alerts/{alert_id}/acknowledge", response=AlertOut)
def alert_acknowledge(request: HttpRequest, alert_id: int):
    alert = selectors.alert_get(user=request.auth, alert_id=alert_id)
    return services.alert_acknowledge(actor=request.auth, via=via_of(request), alert=alert)


@router.post("/alerts/{alert_id}/close", response=AlertOut)
def alert_close(request: HttpRequest, alert_id: int, payload: AlertCloseIn):
    alert = selectors.alert_get(user=request.auth, alert_id=alert_id)
    return services.alert_close(
        actor=request.auth, via=via_of(request), alert=alert, reason=payload.reason
    )


@router.get("/{project_id}", response=ProjectOut)
def project_detail(request: HttpRequest, project_id: int):
    return selectors.project_get(user=request.auth, project_id=project_id)


@router.patch("/{project_id}", response=ProjectOut)
def project_update(request: HttpRequest, project_id: int, payload: ProjectPatch):
    project = selectors.project_get(user=request.auth, project_id=project_id)
    services.project_update(
        actor=request.auth,
        via=via_of(request),
        project=project,
        changes=payload.dict(exclude_unset=True),
    )
    return selectors.project_get(user=request.auth, project_id=project_id)


@router.get("/{project_id}/stages", response=list[StageOut])
def stage_list(request: HttpRequest, project_id: int):
    project = selectors.project_get(user=request.auth, project_id=project_id)
    return selectors.project_stages(user=request.auth, project=project)


@router.patch("/{project_id}/stages/{stage}", response=StageOut)
def stage_update(request: HttpRequest, project_id: int, stage: int, payload: StagePatch):
    project = selectors.project_get(user=request.auth, project_id=project_id)
    return services.project_stage_update(
        actor=request.auth,
        via=via_of(request),
        project=project,
        stage=stage,
        changes=payload.dict(exclude_unset=True),
    )


@router.get("/{project_id}/updates", response=list[ProgressOut])
def progress_list(request: HttpRequest, project_id: int):
    project = selectors.project_get(user=request.auth, project_id=project_id)
    return selectors.project_updates(user=request.auth, project=project)


@router.post("/{project_id}/updates", response={201: ProgressOut})
def progress_create(request: HttpRequest, project_id: int, payload: ProgressIn):
    project = selectors.project_get(user=request.auth, project_id=project_id)
    update = services.progress_update_create(
        actor=request.auth,
        via=via_of(request),
        project=project,
        text=payload.text,
        stage=payload.stage,
    )
    return 201, update


@router.get("/{project_id}/investment", response=list[InvestmentOut])
def investment_list(request: HttpRequest, project_id: int):
    project = selectors.project_get(user=request.auth, project_id=project_id)
    return selectors.project_investments(user=request.auth, project=project)


@router.post("/{project_id}/investment", response=InvestmentOut)
def investment_record(request: HttpRequest, project_id: int, payload: InvestmentIn):
    project = selectors.project_get(user=request.auth, project_id=project_id)
    return services.investment_record(
        actor=request.auth,
        via=via_of(request),
        project=project,
        month=payload.month,
        planned_100m_cny=payload.planned_100m_cny,
        actual_100m_cny=payload.actual_100m_cny,
    )


@router.get("/{project_id}/documents", response=list[DocumentOut])
def document_list(request: HttpRequest, project_id: int):
    project = selectors.project_get(user=request.auth, project_id=project_id)
    return selectors.project_documents(user=request.auth, project=project)


@router.post("/{project_id}/documents", response={201: DocumentOut})
def document_add(
    request: HttpRequest,
    project_id: int,
    title: str = Form(..., max_length=200),
    stage: int | None = Form(None),
    file: UploadedFile = File(...),  # noqa: B008 (ninja declares form parts this way)
):
    project = selectors.project_get(user=request.auth, project_id=project_id)
    doc = services.document_add(
        actor=request.auth,
        via=via_of(request),
        project=project,
        title=title,
        stage=stage,
        file=file,
    )
    return 201, doc
