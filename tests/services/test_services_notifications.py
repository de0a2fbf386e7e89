"""The people a service request's step concerns are told under their bell: the named contact,
the contact (or the park's admins) when the enterprise urges, the raiser when it is resolved."""

import datetime

import pytest

from parkpilot.notifications.models import Notification
from parkpilot.services import services
from parkpilot.stored_text import shown

pytestmark = pytest.mark.django_db


def _titles(user) -> list[str]:
    titles = Notification.objects.filter(recipient=user).values_list("title", flat=True)
    return [shown(title) for title in titles]


def _raised(personas, ent_a):
    data = {"title": "用电增容", "category": "energy", "description": "需增容"}
    return services.request_create(
        actor=personas["ent_a_user"], via="test", park=ent_a.park, data=data
    )


def test_urging_before_a_contact_tells_the_park_admins(personas, ent_a):
    request = _raised(personas, ent_a)
    services.request_urge(actor=personas["ent_a_user"], via="test", request=request, text="急")
    assert _titles(personas["park_admin"]) == [f"{ent_a.name} 催办：用电增容"]
    assert _titles(personas["park_staff"]) == []  # not yet anyone's contact


def test_the_contact_is_told_when_named_and_when_urged_and_the_raiser_when_resolved(
    personas, ent_a
):
    request = _raised(personas, ent_a)
    staff = personas["park_staff"]
    services.request_assign(
        actor=personas["park_admin"], via="test", request=request, contact_id=staff.pk
    )
    services.request_urge(actor=personas["ent_a_user"], via="test", request=request)
    assert _titles(staff) == ["您已被指定为诉求联系人：用电增容", f"{ent_a.name} 催办：用电增容"]
    services.request_plan(
        actor=staff, via="test", request=request, plan="更换变压器",
        promised_on=datetime.date(2099, 1, 1),
    )  # fmt: skip
    services.request_resolve(actor=staff, via="test", request=request, resolution="已增容")
    resolved = Notification.objects.get(recipient=personas["ent_a_user"])
    assert shown(resolved.title) == "诉求已办结：用电增容"
    assert resolved.body == "已增容"
    assert resolved.link == f"/services/{request.pk}/"
    assert _titles(personas["ent_b_user"]) == []
