"""The requesting enterprise adds notes to and urges (催办) its own open request: both show in the
history and the audit log; urging is at most once a day; nobody else speaks for the enterprise."""

import datetime

import pytest
from django.test import Client

from parkpilot.services import services
from parkpilot.services.models import EventKind, ServiceEvent
from parkpilot.tenancy.errors import Forbidden, NotFound, ValidationFailed
from parkpilot.tenancy.models import AuditLog

pytestmark = pytest.mark.django_db


def test_the_enterprise_adds_a_note_both_sides_see(personas, raise_request, api_as):
    req = raise_request()
    response = api_as("ent_a_admin").post(
        f"/api/v1/services/requests/{req.pk}/comments", {"text": "补充：需在 12 月前完成"}
    )
    assert response.status_code == 200, response.content
    events = api_as("park_staff").get(f"/api/v1/services/requests/{req.pk}/events").json()
    assert [(e["kind"], e["text"]) for e in events][-1] == ("commented", "补充：需在 12 月前完成")
    assert AuditLog.objects.filter(action="service_request.comment", object_id=str(req.pk)).exists()


def test_urging_is_once_a_day(personas, raise_request, at):
    req = raise_request(now=at("2026-11-02"))
    user = personas["ent_a_user"]
    services.request_urge(actor=user, via="test", request=req, now=at("2026-11-03", 9))
    with pytest.raises(ValidationFailed) as refused:
        services.request_urge(actor=user, via="test", request=req, now=at("2026-11-03", 20))
    assert refused.value.errors[0].field == "urge" and "13 小时" in refused.value.errors[0].reason
    services.request_urge(actor=user, via="test", request=req, now=at("2026-11-04", 9))
    assert ServiceEvent.objects.filter(request=req, kind=EventKind.URGED).count() == 2


@pytest.mark.parametrize("who", ["ent_b_user", "park_staff", "supervisor", "resident"])
def test_only_the_requesting_enterprise_comments_or_urges(personas, raise_request, who):
    req = raise_request()
    events = ServiceEvent.objects.filter(request=req).count()
    for step in (services.request_comment, services.request_urge):
        with pytest.raises(Exception) as refused:
            step(actor=personas[who], via="test", request=req, text="x")
        assert isinstance(refused.value, Forbidden | NotFound)
    assert ServiceEvent.objects.filter(request=req).count() == events


def test_a_resolved_request_is_confirmed_or_reopened_not_urged(personas, raise_request):
    req = raise_request()
    services.request_assign(
        actor=personas["park_admin"], via="test", request=req, contact_id=personas["park_staff"].pk
    )
    services.request_plan(
        actor=personas["park_staff"],
        via="test",
        request=req,
        plan="协调",
        departments="",
        promised_on=datetime.date(2099, 1, 1),
    )
    services.request_resolve(actor=personas["park_staff"], via="test", request=req, resolution="好")
    with pytest.raises(ValidationFailed) as refused:
        services.request_urge(actor=personas["ent_a_user"], via="test", request=req)
    assert refused.value.errors[0].code == "resolved"


def test_the_request_page_offers_both_and_counts_the_urging(personas, raise_request):
    req = raise_request()
    client = Client()
    client.force_login(personas["ent_a_user"])
    client.post(f"/services/{req.pk}/urge/", {"text": "影响投产"})
    client.post(f"/services/{req.pk}/comment/", {"text": "已补充图纸"})
    staff = Client()
    staff.force_login(personas["park_staff"])
    html = staff.get(f"/services/{req.pk}/").content.decode()
    assert 'data-testid="urged"' in html and "影响投产" in html and "已补充图纸" in html
    assert 'data-testid="urge"' not in html  # staff do not urge on the enterprise's behalf
