"""/api/v1/services: service requests (五个一) and supervision (督办)."""

from django.http import HttpRequest
from ninja import File, Router
from ninja.files import UploadedFile
from ninja.pagination import paginate

from parkpilot.pagination import LimitOffsetPagination
from parkpilot.services import selectors, services
from parkpilot.services.schemas import (
    AssignIn,
    AttachmentOut,
    CaseCloseIn,
    CaseIn,
    CaseNoteOut,
    CaseOut,
    ConfirmIn,
    EventOut,
    NoteIn,
    OverdueOut,
    PlanIn,
    ReopenIn,
    RequestIn,
    RequestOut,
    ResolveIn,
    UrgeIn,
)
from parkpilot.tenancy import selectors as tenancy
from parkpilot.tenancy.auth import via_of
from parkpilot.tenancy.errors import NotFound

router = Router(tags=["services"])


def _park(request):
    park = tenancy.park_of(request.auth)
    if park is None:
        raise NotFound
    return park


@router.get("/requests", response=list[RequestOut])
@paginate(LimitOffsetPagination)
def request_list(request: HttpRequest, status: str = "", category: str = "", overdue: bool = False):
    return selectors.request_list(
        user=request.auth, status=status, category=category, overdue=overdue
    )


@router.post("/requests", response={201: RequestOut})
def request_create(request: HttpRequest, payload: RequestIn):
    created = services.request_create(
        actor=request.auth, via=via_of(request), park=_park(request), data=payload.dict()
    )
    return 201, selectors.request_get(user=request.auth, request_id=created.pk)


@router.get("/requests/{request_id}", response=RequestOut)
def request_detail(request: HttpRequest, request_id: int):
    return selectors.request_get(user=request.auth, request_id=request_id)


@router.get("/requests/{request_id}/events", response=list[EventOut])
def request_events(request: HttpRequest, request_id: int):
    obj = selectors.request_get(user=request.auth, request_id=request_id)
    return selectors.request_events(user=request.auth, request=obj)


def _step(request: HttpRequest, request_id: int, fn, **kwargs):
    obj = selectors.request_get(user=request.auth, request_id=request_id)
    fn(actor=request.auth, via=via_of(request), request=obj, **kwargs)
    return selectors.request_get(user=request.auth, request_id=request_id)


@router.get("/requests/{request_id}/attachments", response=list[AttachmentOut])
def attachment_list(request: HttpRequest, request_id: int):
    obj = selectors.request_get(user=request.auth, request_id=request_id)
    return selectors.request_attachments(user=request.auth, request=obj)


@router.post("/requests/{request_id}/attachments", response={201: AttachmentOut})
def attachment_add(
    request: HttpRequest,
    request_id: int,
    file: UploadedFile = File(...),  # noqa: B008 (ninja declares form parts this way)
):
    obj = selectors.request_get(user=request.auth, request_id=request_id)
    return 201, services.attachment_add(
        actor=request.auth, via=via_of(request), request=obj, file=file
    )


@router.post("/requests/{request_id}/assign", response=RequestOut)
def request_assign(request: HttpRequest, request_id: int, payload: AssignIn):
    return _step(request, request_id, services.request_assign, contact_id=payload.contact_id)


@router.post("/requests/{request_id}/plan", response=RequestOut)
def request_plan(request: HttpRequest, request_id: int, payload: PlanIn):
    return _step(
        request,
        request_id,
        services.request_plan,
        plan=payload.plan,
        departments=payload.departments,
        promised_on=payload.promised_on,
    )


@router.post("/requests/{request_id}/notes", response=RequestOut)
def request_note(request: HttpRequest, request_id: int, payload: NoteIn):
    return _step(request, request_id, services.request_note, text=payload.text)


@router.post("/requests/{request_id}/comments", response=RequestOut)
def request_comment(request: HttpRequest, request_id: int, payload: NoteIn):
    """The requesting enterprise adds a note to its own open request."""
    return _step(request, request_id, services.request_comment, text=payload.text)


@router.post("/requests/{request_id}/urge", response=RequestOut)
def request_urge(request: HttpRequest, request_id: int, payload: UrgeIn):
    """催办: the requesting enterprise asks for its open request to be handled (once a day)."""
    return _step(request, request_id, services.request_urge, text=payload.text)


@router.post("/requests/{request_id}/resolve", response=RequestOut)
def request_resolve(request: HttpRequest, request_id: int, payload: ResolveIn):
    return _step(request, request_id, services.request_resolve, resolution=payload.resolution)


@router.post("/requests/{request_id}/confirm", response=RequestOut)
def request_confirm(request: HttpRequest, request_id: int, payload: ConfirmIn):
    return _step(
        request,
        request_id,
        services.request_confirm,
        rating=payload.rating,
        comment=payload.comment,
    )


@router.post("/requests/{request_id}/reopen", response=RequestOut)
def request_reopen(request: HttpRequest, request_id: int, payload: ReopenIn):
    return _step(request, request_id, services.request_reopen, reason=payload.reason)


@router.get("/supervision/overdue", response=list[OverdueOut])
@paginate(LimitOffsetPagination)
def supervision_overdue(request: HttpRequest):
    return selectors.supervision_overdue(user=request.auth)


@router.get("/supervision/cases", response=list[CaseOut])
@paginate(LimitOffsetPagination)
def case_list(request: HttpRequest, status: str = ""):
    return selectors.case_list(user=request.auth, status=status)


@router.post("/supervision/cases", response={201: CaseOut})
def case_open(request: HttpRequest, payload: CaseIn):
    case = services.case_open(
        actor=request.auth,
        via=via_of(request),
        park=_park(request),
        instruction=payload.instruction,
        service_request_id=payload.service_request_id,
        project_id=payload.project_id,
        deadline=payload.deadline,
    )
    return 201, selectors.case_get(user=request.auth, case_id=case.pk)


@router.get("/supervision/cases/{case_id}", response=CaseOut)
def case_detail(request: HttpRequest, case_id: int):
    return selectors.case_get(user=request.auth, case_id=case_id)


@router.get("/supervision/cases/{case_id}/notes", response=list[CaseNoteOut])
def case_notes(request: HttpRequest, case_id: int):
    case = selectors.case_get(user=request.auth, case_id=case_id)
    return selectors.case_notes(user=request.auth, case=case)


@router.post("/supervision/cases/{case_id}/notes", response={201: CaseNoteOut})
def case_note(request: HttpRequest, case_id: int, payload: NoteIn):
    case = selectors.case_get(user=request.auth, case_id=case_id)
    note = services.case_note(actor=request.auth, via=via_of(request), case=case, text=payload.text)
    return 201, note


@router.post("/supervision/cases/{case_id}/close", response=CaseOut)
def case_close(request: HttpRequest, case_id: int, payload: CaseCloseIn):
    case = selectors.case_get(user=request.auth, case_id=case_id)
    services.case_close(
        actor=request.auth, via=via_of(request), case=case, conclusion=payload.conclusion
    )
    return selectors.case_get(user=request.auth, case_id=case_id)
