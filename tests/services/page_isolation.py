"""Enterprise services' page routes that name an object (tests/tenancy/test_page_isolation.py)."""

from django.core.files.uploadedfile import SimpleUploadedFile

from helpers import PageCase, isolation_module
from parkpilot.services import services

api_cases = isolation_module("services")


def _request(personas, ent_a):
    request = api_cases._request(personas, ent_a)
    return {"request_id": request.pk}, request


def _urge(personas, ent_a):
    kwargs, request = _request(personas, ent_a)
    return kwargs | {"action": "urge"}, request


def _attachment(personas, ent_a):
    _kwargs, request = _request(personas, ent_a)
    upload = SimpleUploadedFile("notice.pdf", b"%PDF-1.4 x", content_type="application/pdf")
    attachment = services.attachment_add(
        actor=personas["ent_a_user"], via="test", request=request, file=upload
    )
    return {"attachment_id": attachment.pk}, attachment


def _case(personas, ent_a):
    case = api_cases._case(personas, ent_a)
    return {"case_id": case.pk}, case


def _case_close(personas, ent_a):
    kwargs, case = _case(personas, ent_a)
    return kwargs | {"action": "close"}, case


PAGE_CASES = {
    "services:request_detail": PageCase(_request),
    "services:request_action": PageCase(_urge),
    "services:attachment": PageCase(_attachment),
    "services:case_detail": PageCase(_case, owner="supervisor"),
    "services:case_action": PageCase(_case_close, owner="supervisor"),
}
