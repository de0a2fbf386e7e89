"""Attachments on requests: raised with the request in one transaction, added later by the
enterprise or the park, read through access checks; bad files refused, nothing written."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from helpers import PNG_1PX, docx_bytes
from parkpilot.services import services
from parkpilot.services.models import EventKind, ServiceAttachment, ServiceEvent, ServiceRequest
from parkpilot.tenancy.errors import Forbidden, ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def _file(name="drawing.pdf", body=b"%PDF-1.4 drawing"):
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def _data():
    return {"title": "用电增容", "category": "energy", "description": "见附件"}


def test_raised_with_attachments_and_read_by_the_right_people(personas, ent_a, tmp_path):
    req = services.request_create(
        actor=personas["ent_a_user"],
        via="test",
        park=ent_a.park,
        data=_data(),
        files=[_file(), _file("site.png", PNG_1PX)],
    )
    names = list(ServiceAttachment.objects.filter(request=req).values_list("name", flat=True))
    assert names == ["drawing.pdf", "site.png"]
    att = ServiceAttachment.objects.get(name="drawing.pdf")
    assert (tmp_path / "media" / att.file.name).read_bytes() == b"%PDF-1.4 drawing"
    assert ServiceEvent.objects.filter(request=req, kind=EventKind.ATTACHED).count() == 2
    for who, status in (("ent_a_admin", 200), ("supervisor", 200), ("ent_b_user", 404)):
        client = Client()
        client.force_login(personas[who])
        assert client.get(f"/services/attachments/{att.pk}/").status_code == status, who


def test_a_bad_attachment_stops_the_whole_request(personas, ent_a):
    with pytest.raises(ValidationFailed) as refused:
        services.request_create(
            actor=personas["ent_a_user"],
            via="test",
            park=ent_a.park,
            data=_data(),
            files=[_file(), _file("virus.exe", b"MZ")],
        )
    assert [e.field for e in refused.value.errors] == ["file"]
    assert ServiceRequest.objects.count() == 0
    assert ServiceAttachment.objects.count() == 0


def test_added_later_by_enterprise_or_staff_not_by_supervisor(personas, ent_a):
    req = services.request_create(
        actor=personas["ent_a_user"], via="test", park=ent_a.park, data=_data()
    )
    services.attachment_add(actor=personas["ent_a_admin"], via="test", request=req, file=_file())
    services.attachment_add(
        actor=personas["park_staff"],
        via="test",
        request=req,
        file=_file("reply.docx", docx_bytes()),
    )
    with pytest.raises(Forbidden):
        services.attachment_add(actor=personas["supervisor"], via="test", request=req, file=_file())
    with pytest.raises(Forbidden):
        services.attachment_add(actor=personas["ent_b_user"], via="test", request=req, file=_file())
    assert ServiceAttachment.objects.filter(request=req).count() == 2


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("notice.pdf", b"<html><script>alert(1)</script></html>"),  # a web page renamed .pdf
        ("report.docx", b"MZ\x90\x00" + b"\x00" * 200),  # a Windows program renamed .docx
        ("photo.png", b"%PDF-1.4 not a picture"),
    ],
)
def test_a_file_whose_content_is_not_its_type_is_refused(personas, ent_a, name, body):
    req = services.request_create(
        actor=personas["ent_a_user"], via="test", park=ent_a.park, data=_data()
    )
    with pytest.raises(ValidationFailed) as refused:
        services.attachment_add(
            actor=personas["ent_a_user"], via="test", request=req, file=_file(name, body)
        )
    assert refused.value.errors[0].field == "file" and refused.value.errors[0].code == "unreadable"
    assert not ServiceAttachment.objects.exists()
