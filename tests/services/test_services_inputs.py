"""The service desk's forms refuse nonsense by field (parkpilot/inputs.py), never guess it."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from parkpilot.services import services
from parkpilot.services.models import ServiceRequest, SupervisionCase
from parkpilot.tenancy.models import AuditLog

pytestmark = pytest.mark.django_db


def _post(user, url, data):
    client = Client()
    client.force_login(user)
    response = client.post(url, data)
    return response, [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize(
    ("who", "action", "data", "reason"),
    [
        ("park_staff", "assign", {"contact_id": "abc"}, "须为整数。"),
        ("park_staff", "plan", {"plan": "现场查看", "promised_on": "2026-13-45"},
         "日期格式为 YYYY-MM-DD。"),
        ("ent_a_user", "confirm", {"rating": "1.5"}, "须为整数。"),
        ("ent_a_user", "confirm", {"rating": "6"}, "不能大于 5。"),
    ],
)  # fmt: skip
def test_a_step_posting_nonsense_is_refused_by_field(
    personas, raise_request, who, action, data, reason
):
    request = raise_request()
    if action == "plan":  # the contact person plans
        services.request_assign(
            actor=personas["park_admin"], via="test", request=request,
            contact_id=personas["park_staff"].pk,
        )  # fmt: skip
    contact = ServiceRequest.objects.get(pk=request.pk).contact_id
    audits = AuditLog.objects.count()
    response, shown = _post(personas[who], f"/services/{request.pk}/{action}/", data)
    assert response.status_code == 302
    assert len(shown) == 1 and shown[0].endswith("：" + reason), shown
    assert AuditLog.objects.count() == audits
    request.refresh_from_db()
    assert (request.contact_id, request.plan_promised_on, request.rating) == (contact, None, None)


def test_a_request_for_a_nonsense_enterprise_names_it(personas):
    response, shown = _post(
        personas["park_staff"],
        "/services/new/",
        {"title": "用电", "category": "energy", "description": "增容", "enterprise_id": "abc"},
    )
    assert response.status_code == 200
    assert [m.endswith("：须为整数。") for m in shown] == [True]
    assert not ServiceRequest.objects.exists()


def test_a_case_for_a_nonsense_request_names_it(personas):
    response, shown = _post(
        personas["supervisor"],
        "/services/supervision/cases/new/",
        {"instruction": "限期办结", "service_request_id": "abc", "deadline": "2026-02-30"},
    )
    assert response.status_code == 302
    assert sorted(m.rsplit("：", 1)[1] for m in shown) == ["日期格式为 YYYY-MM-DD。", "须为整数。"]
    assert not SupervisionCase.objects.exists()
