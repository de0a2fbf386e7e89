"""The ledger's forms refuse nonsense by field, as its API does (parkpilot/inputs.py)."""

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from parkpilot.projects import services
from parkpilot.projects.models import MonthlyInvestment, ProgressUpdate, ProjectDocument, Stage
from parkpilot.tenancy.models import AuditLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(personas, ent_a):
    return services.project_create(
        actor=personas["park_admin"], via="test", park=ent_a.park, data={"name": "输入项目"}
    )


def _post(user, url, data):
    client = Client()
    client.force_login(user)
    response = client.post(url, data)
    return response, [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize(
    ("path", "data", "message"),
    [
        ("stages/3/", {"planned_on": "2026-13-45"}, "日期格式为 YYYY-MM-DD。"),
        ("contact/", {"contact_id": "abc"}, "须为整数。"),
        ("updates/", {"text": "进展", "stage": "1.5"}, "须为整数。"),
        ("investment/", {"month": "2026-01", "planned_100m_cny": "abc"}, "须为数字。"),
        ("investment/", {"month": "2026-01", "planned_100m_cny": "1.505"}, "最多 2 位小数。"),
        ("investment/", {"month": "2026-13", "planned_100m_cny": "1"}, "日期格式为 YYYY-MM-DD。"),
    ],
)
def test_a_form_posting_nonsense_is_refused_by_field(personas, project, path, data, message):
    audits = AuditLog.objects.count()
    response, shown = _post(personas["park_admin"], f"/projects/{project.pk}/{path}", data)
    assert response.status_code == 302
    assert len(shown) == 1 and shown[0].endswith(message), shown
    assert "：" in shown[0]  # the field is named by its label
    assert AuditLog.objects.count() == audits
    assert not ProgressUpdate.objects.exists() and not MonthlyInvestment.objects.exists()


def test_a_document_with_a_nonsense_stage_is_not_kept(personas, project):
    upload = SimpleUploadedFile("a.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response, shown = _post(
        personas["park_admin"],
        f"/projects/{project.pk}/documents/",
        {"title": "批文", "stage": "abc", "file": upload},
    )
    assert response.status_code == 302
    assert [m.endswith("须为整数。") for m in shown] == [True]
    assert not ProjectDocument.objects.exists()


def test_a_nonsense_list_filter_shows_the_whole_list(personas, project):
    client = Client()
    client.force_login(personas["park_admin"])
    response = client.get("/projects/?stage=abc&zone=1.5")
    assert response.status_code == 200
    assert response.context["filters"]["stage"] is None
    assert project.name in response.content.decode()


@pytest.mark.parametrize("bad", ["2026-13-45", "tomorrow"])
def test_the_page_and_the_api_refuse_a_stage_date_alike(personas, project, api_as, bad):
    _, shown = _post(
        personas["park_admin"], f"/projects/{project.pk}/stages/{Stage.LAND}/", {"planned_on": bad}
    )
    response = api_as("park_admin").patch(
        f"/api/v1/projects/{project.pk}/stages/{Stage.LAND}", {"planned_on": bad}
    )
    assert response.status_code == 422
    [item] = response.json()["detail"]
    assert item["code"] == "format"
    assert shown == [item["msg"]]
    assert item["msg"].endswith("：日期格式为 YYYY-MM-DD。")
