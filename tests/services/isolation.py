"""Tenant isolation of /api/v1/services: ent_b's users and another park's admin neither see nor
change ent_a's requests or their supervision (404, nothing changed); enterprises never see
supervision at all (403)."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from parkpilot.services import services
from parkpilot.services.models import (
    ServiceAttachment,
    ServiceEvent,
    ServiceRequest,
    SupervisionCase,
    SupervisionNote,
)

OUTSIDERS = ("ent_b_user", "other_park_admin")


def _request(personas, ent_a, *, status="submitted", now=None) -> ServiceRequest:
    req = services.request_create(
        actor=personas["ent_a_user"],
        via="test",
        park=ent_a.park,
        data={"title": "用电增容", "category": "energy", "description": "需增容"},
        now=now,
    )
    if status == "submitted":
        return req
    services.request_assign(
        actor=personas["park_admin"], via="test", request=req, contact_id=personas["park_staff"].pk
    )
    return req


def _case(personas, ent_a) -> SupervisionCase:
    req = _request(personas, ent_a)
    return services.case_open(
        actor=personas["supervisor"],
        via="test",
        park=ent_a.park,
        service_request_id=req.pk,
        instruction="三日内答复",
    )


def _snapshot(req):
    req.refresh_from_db()
    return (req.status, req.contact_id, req.plan, req.resolution, req.rating, req.reopen_count)


def _list(api_as, personas, ent_a, ent_b):
    req = _request(personas, ent_a)
    for who in OUTSIDERS:
        ids = [r["id"] for r in api_as(who).get("/api/v1/services/requests").json()["items"]]
        assert req.pk not in ids
    ids = [r["id"] for r in api_as("supervisor").get("/api/v1/services/requests").json()["items"]]
    assert ids == [req.pk]


def _create(api_as, personas, ent_a, ent_b):
    payload = {
        "title": "冒名诉求",
        "category": "other",
        "description": "x",
        "enterprise_id": ent_a.pk,
    }
    # An enterprise user always raises for its own enterprise, whatever the payload says.
    response = api_as("ent_b_user").post("/api/v1/services/requests", payload)
    assert response.status_code == 201
    assert response.json()["enterprise_id"] == ent_b.pk
    assert api_as("supervisor").post("/api/v1/services/requests", payload).status_code == 403
    assert api_as("other_park_admin").post("/api/v1/services/requests", payload).status_code == 422
    assert not ServiceRequest.objects.filter(enterprise=ent_a).exists()


def _detail(api_as, personas, ent_a, ent_b):
    req = _request(personas, ent_a)
    for who in OUTSIDERS:
        assert api_as(who).get(f"/api/v1/services/requests/{req.pk}").status_code == 404


def _events(api_as, personas, ent_a, ent_b):
    req = _request(personas, ent_a)
    for who in OUTSIDERS:
        assert api_as(who).get(f"/api/v1/services/requests/{req.pk}/events").status_code == 404


def _step_case(step: str, payload: dict, status: str):
    def case(api_as, personas, ent_a, ent_b):
        req = _request(personas, ent_a, status=status)
        before = _snapshot(req)
        events = ServiceEvent.objects.filter(request=req).count()
        for who in OUTSIDERS:
            response = api_as(who).post(f"/api/v1/services/requests/{req.pk}/{step}", payload)
            assert response.status_code == 404
        response = api_as("supervisor").post(f"/api/v1/services/requests/{req.pk}/{step}", payload)
        assert response.status_code == 403
        assert _snapshot(req) == before
        assert ServiceEvent.objects.filter(request=req).count() == events

    return case


def _overdue(api_as, personas, ent_a, ent_b):
    # Raised 60 days ago and never acknowledged: overdue by any SLA, so the park's own
    # supervisor lists it (the case is not vacuous) and another park's admin does not.
    long_ago = timezone.now() - datetime.timedelta(days=60)
    req = _request(personas, ent_a, now=long_ago)
    overdue = "/api/v1/services/supervision/overdue"
    assert req.pk in [r["id"] for r in api_as("supervisor").get(overdue).json()["items"]]
    assert api_as("ent_a_user").get(overdue).status_code == 403
    items = api_as("other_park_admin").get(overdue).json()["items"]
    assert req.pk not in [r["id"] for r in items]


def _cases(api_as, personas, ent_a, ent_b):
    case = _case(personas, ent_a)
    assert api_as("ent_a_admin").get("/api/v1/services/supervision/cases").status_code == 403
    items = api_as("other_park_admin").get("/api/v1/services/supervision/cases").json()["items"]
    assert case.pk not in [c["id"] for c in items]


def _case_open(api_as, personas, ent_a, ent_b):
    req = _request(personas, ent_a)
    payload = {"service_request_id": req.pk, "instruction": "越权督办"}
    assert (
        api_as("ent_a_admin").post("/api/v1/services/supervision/cases", payload).status_code == 403
    )
    assert (
        api_as("park_staff").post("/api/v1/services/supervision/cases", payload).status_code == 403
    )
    response = api_as("other_park_admin").post("/api/v1/services/supervision/cases", payload)
    assert response.status_code == 422
    assert not SupervisionCase.objects.exists()


def _case_detail(api_as, personas, ent_a, ent_b):
    case = _case(personas, ent_a)
    for who in (*OUTSIDERS, "ent_a_admin"):
        assert api_as(who).get(f"/api/v1/services/supervision/cases/{case.pk}").status_code == 404


def _case_notes(api_as, personas, ent_a, ent_b):
    case = _case(personas, ent_a)
    for who in (*OUTSIDERS, "ent_a_admin"):
        url = f"/api/v1/services/supervision/cases/{case.pk}/notes"
        assert api_as(who).get(url).status_code == 404


def _case_note(api_as, personas, ent_a, ent_b):
    case = _case(personas, ent_a)
    url = f"/api/v1/services/supervision/cases/{case.pk}/notes"
    for who in (*OUTSIDERS, "ent_a_admin"):
        assert api_as(who).post(url, {"text": "越权"}).status_code == 404
    assert SupervisionNote.objects.filter(case=case).count() == 1


def _case_close(api_as, personas, ent_a, ent_b):
    case = _case(personas, ent_a)
    url = f"/api/v1/services/supervision/cases/{case.pk}/close"
    for who in OUTSIDERS:
        assert api_as(who).post(url, {"conclusion": "越权"}).status_code == 404
    assert api_as("park_staff").post(url, {"conclusion": "越权"}).status_code == 403
    case.refresh_from_db()
    assert case.status == "open"


def _attachments(api_as, personas, ent_a, ent_b):
    req = _request(personas, ent_a)
    for who in OUTSIDERS:
        assert api_as(who).get(f"/api/v1/services/requests/{req.pk}/attachments").status_code == 404


def _attachment_add(api_as, personas, ent_a, ent_b):
    req = _request(personas, ent_a)
    url = f"/api/v1/services/requests/{req.pk}/attachments"
    for who, status in (("ent_b_user", 404), ("other_park_admin", 404), ("supervisor", 403)):
        upload = SimpleUploadedFile("notice.pdf", b"%PDF-1.4", content_type="application/pdf")
        assert api_as(who).client.post(url, {"file": upload}).status_code == status, who
    assert not ServiceAttachment.objects.exists()


BASE = "/api/v1/services/requests/{request_id}"
CASES = {
    ("GET", "/api/v1/services/requests"): _list,
    ("POST", "/api/v1/services/requests"): _create,
    ("GET", BASE): _detail,
    ("GET", BASE + "/events"): _events,
    ("GET", BASE + "/attachments"): _attachments,
    ("POST", BASE + "/attachments"): _attachment_add,
    ("POST", BASE + "/assign"): _step_case("assign", {"contact_id": 1}, "submitted"),
    ("POST", BASE + "/plan"): _step_case(
        "plan", {"plan": "x", "promised_on": "2099-01-01"}, "assigned"
    ),
    ("POST", BASE + "/notes"): _step_case("notes", {"text": "x"}, "assigned"),
    ("POST", BASE + "/comments"): _step_case("comments", {"text": "x"}, "assigned"),
    ("POST", BASE + "/urge"): _step_case("urge", {"text": "x"}, "assigned"),
    ("POST", BASE + "/resolve"): _step_case("resolve", {"resolution": "x"}, "assigned"),
    ("POST", BASE + "/confirm"): _step_case("confirm", {"rating": 5}, "assigned"),
    ("POST", BASE + "/reopen"): _step_case("reopen", {"reason": "x"}, "assigned"),
    ("GET", "/api/v1/services/supervision/overdue"): _overdue,
    ("GET", "/api/v1/services/supervision/cases"): _cases,
    ("POST", "/api/v1/services/supervision/cases"): _case_open,
    ("GET", "/api/v1/services/supervision/cases/{case_id}"): _case_detail,
    ("GET", "/api/v1/services/supervision/cases/{case_id}/notes"): _case_notes,
    ("POST", "/api/v1/services/supervision/cases/{case_id}/notes"): _case_note,
    ("POST", "/api/v1/services/supervision/cases/{case_id}/close"): _case_close,
}
