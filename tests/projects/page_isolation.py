"""The projects ledger's page routes that name an object (tests/tenancy/test_page_isolation.py)."""

from django.core.files.uploadedfile import SimpleUploadedFile

from helpers import PNG_1PX, PageCase, isolation_module
from parkpilot.projects import services
from parkpilot.projects.models import ProgressUpdate

api_cases = isolation_module("projects")


def _project(personas, ent_a):
    project = api_cases._project(personas, ent_a)
    return {"project_id": project.pk}, project


def _stage(personas, ent_a):
    kwargs, project = _project(personas, ent_a)
    return kwargs | {"stage": 2}, project


def _alert(personas, ent_a):
    alert = api_cases._alert(personas, ent_a)
    return {"alert_id": alert.pk, "action": "acknowledge"}, alert


def _photo(personas, ent_a):
    _kwargs, project = _project(personas, ent_a)
    photo = SimpleUploadedFile("site.png", PNG_1PX, content_type="image/png")
    update = ProgressUpdate.objects.create(
        project=project, author=personas["ent_a_user"], text="主体结构封顶", photo=photo
    )
    return {"update_id": update.pk}, update


def _document(personas, ent_a):
    _kwargs, project = _project(personas, ent_a)
    upload = SimpleUploadedFile("permit.pdf", b"%PDF-1.4 x", content_type="application/pdf")
    document = services.document_add(
        actor=personas["park_admin"], via="test", project=project, title="施工许可证", file=upload
    )
    return {"document_id": document.pk}, document


PAGE_CASES = {
    "projects:project_detail": PageCase(_project),
    "projects:stage_update": PageCase(_stage, owner="park_staff"),
    "projects:contact_update": PageCase(_project, owner="park_staff"),
    "projects:progress_create": PageCase(_project),
    "projects:investment_record": PageCase(_project),
    "projects:document_add": PageCase(_project, owner="park_staff"),
    "projects:document": PageCase(_document),
    "projects:photo": PageCase(_photo),
    "projects:alert_action": PageCase(_alert, owner="park_staff"),
}
