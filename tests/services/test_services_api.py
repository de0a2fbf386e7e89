"""The API drives the same services: the 五个一 path over HTTP, and refusals in the one error
shape (422 naming the field, 403, 404)."""

import pytest

from parkpilot.services.models import ServiceRequest

pytestmark = pytest.mark.django_db


def test_the_path_over_http(api_as, personas):
    ent = api_as("ent_a_user")
    created = ent.post(
        "/api/v1/services/requests",
        {"title": "人才公寓", "category": "talent", "urgency": "urgent", "description": "12 人"},
    )
    assert created.status_code == 201
    rid = created.json()["id"]
    base = f"/api/v1/services/requests/{rid}"
    admin = api_as("park_admin")
    assigned = admin.post(f"{base}/assign", {"contact_id": personas["park_staff"].pk})
    assert (assigned.json()["status"], assigned.json()["contact_id"]) == (
        "assigned",
        personas["park_staff"].pk,
    )
    staff = api_as("park_staff")
    assert (
        staff.post(
            f"{base}/plan", {"plan": "协调人才公寓", "promised_on": "2099-01-01"}
        ).status_code
        == 200
    )
    assert staff.post(f"{base}/resolve", {"resolution": "已安排"}).status_code == 200
    confirmed = ent.post(f"{base}/confirm", {"rating": 4, "comment": "好"})
    assert (confirmed.json()["status"], confirmed.json()["rating"]) == ("closed", 4)
    kinds = [e["kind"] for e in ent.get(f"{base}/events").json()]
    assert kinds == ["submitted", "assigned", "planned", "resolved", "confirmed"]


def test_refusals_in_one_shape(api_as, personas):
    ent = api_as("ent_a_user")
    rid = ent.post(
        "/api/v1/services/requests", {"title": "x", "category": "other", "description": "y"}
    ).json()["id"]
    base = f"/api/v1/services/requests/{rid}"
    illegal = api_as("park_admin").post(f"{base}/resolve", {"resolution": "z"})
    assert illegal.status_code == 422
    assert illegal.json() == {
        "detail": [
            {
                "loc": ["body", "status"],
                "msg": "状态：当前状态为“已提交”，不能办结",  # the field by its label
                "type": "invalid_transition",
                "code": "invalid_transition",
            }
        ],
        "code": "invalid",
    }
    assert ent.post(f"{base}/confirm", {"rating": 5}).status_code == 422
    assert api_as("park_staff").post(f"{base}/confirm", {"rating": 5}).status_code == 403
    assert api_as("ent_b_user").post(f"{base}/confirm", {"rating": 5}).status_code == 404
    assert ent.request("DELETE", base).status_code == 405
    assert ServiceRequest.objects.get(pk=rid).status == "submitted"
