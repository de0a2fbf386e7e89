"""Documents attached to a project's stages: park staff attach, the project's enterprise and the
supervisors read, files live under the data directory and are served only through access
checks; bad files are refused naming the field, nothing written."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from parkpilot.projects import services
from parkpilot.projects.models import ProjectDocument, Stage
from parkpilot.tenancy.errors import Forbidden, ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


@pytest.fixture
def project(personas, ent_a):
    return services.project_create(
        actor=personas["park_admin"],
        via="test",
        park=ent_a.park,
        data={"name": "杭叉智能工厂", "enterprise_id": ent_a.pk},
    )


def _pdf(name="permit.pdf", body=b"%PDF-1.4 permit"):
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def test_staff_attach_and_readers_download(personas, project, tmp_path):
    doc = services.document_add(
        actor=personas["park_staff"],
        via="test",
        project=project,
        title="施工许可证",
        stage=Stage.CONSTRUCTION_PERMIT,
        file=_pdf(),
    )
    assert (doc.stage, doc.size) == (Stage.CONSTRUCTION_PERMIT, 15)
    assert (tmp_path / "media" / doc.file.name).read_bytes() == b"%PDF-1.4 permit"
    for who, status in (("ent_a_user", 200), ("supervisor", 200), ("ent_b_user", 404)):
        client = Client()
        client.force_login(personas[who])
        response = client.get(f"/projects/documents/{doc.pk}/")
        assert response.status_code == status, who
        if status == 200:
            assert b"".join(response.streaming_content) == b"%PDF-1.4 permit"
    api = Client()
    api.force_login(personas["ent_a_user"])
    listed = api.get(f"/api/v1/projects/{project.pk}/documents").json()
    assert [(d["title"], d["stage"], d["uploaded_by"]) for d in listed] == [
        ("施工许可证", 5, "staff")
    ]
    with pytest.raises(PermissionError):
        doc.delete()


def test_bad_files_and_roles_are_refused(personas, project):
    with pytest.raises(ValidationFailed) as refused:
        services.document_add(
            actor=personas["park_staff"],
            via="test",
            project=project,
            title="",
            stage=42,
            file=_pdf("run.exe", b"MZ"),
        )
    assert sorted(e.field for e in refused.value.errors) == ["file", "stage", "title"]
    for who in ("ent_a_admin", "supervisor"):
        with pytest.raises(Forbidden):
            services.document_add(
                actor=personas[who], via="test", project=project, title="x", file=_pdf()
            )
    assert not ProjectDocument.objects.exists()


def test_upload_through_the_api(api_as, project):
    response = api_as("park_staff").client.post(
        f"/api/v1/projects/{project.pk}/documents",
        {"title": "竣工验收备案表", "stage": "7", "file": _pdf("acceptance.pdf")},
    )
    assert response.status_code == 201
    assert response.json()["stage"] == 7
    assert ProjectDocument.objects.get().title == "竣工验收备案表"
