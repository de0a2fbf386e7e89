"""Tenant isolation of /api/v1/projects: ent_b's users and another park's admin neither see nor
change ent_a's project, its stages, updates, investment or alerts (404, nothing changed)."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from parkpilot.alerts.models import Alert
from parkpilot.projects import services
from parkpilot.projects.models import MonthlyInvestment, ProgressUpdate, Project, ProjectDocument

OUTSIDERS = ("ent_b_user", "other_park_admin")


def _project(personas, ent_a) -> Project:
    return services.project_create(
        actor=personas["park_admin"],
        via="test",
        park=ent_a.park,
        data={"name": "杭叉智能工厂", "enterprise_id": ent_a.pk, "investment_100m_cny": "12"},
    )


def _alert(personas, ent_a) -> Alert:
    project = _project(personas, ent_a)
    services.project_stage_update(
        actor=personas["park_admin"],
        via="test",
        project=project,
        stage=2,
        changes={"planned_on": datetime.date(2020, 1, 1)},
        now=timezone.now(),
    )
    services.alerts_scan(park=ent_a.park, now=timezone.now())
    return Alert.objects.get(subject=f"project:{project.pk}/stage:2")


def _list(api_as, personas, ent_a, ent_b):
    project = _project(personas, ent_a)
    for who in OUTSIDERS:
        ids = [p["id"] for p in api_as(who).get("/api/v1/projects").json()["items"]]
        assert project.pk not in ids
    assert [p["id"] for p in api_as("ent_a_user").get("/api/v1/projects").json()["items"]] == [
        project.pk
    ]


def _create(api_as, personas, ent_a, ent_b):
    before = Project.objects.filter(park=ent_a.park).count()
    payload = {"name": "越权项目"}
    assert api_as("ent_b_user").post("/api/v1/projects", payload).status_code == 403
    assert api_as("supervisor").post("/api/v1/projects", payload).status_code == 403
    assert api_as("other_park_admin").post("/api/v1/projects", payload).status_code == 201
    assert Project.objects.filter(park=ent_a.park).count() == before


def _detail(api_as, personas, ent_a, ent_b):
    project = _project(personas, ent_a)
    for who in OUTSIDERS:
        assert api_as(who).get(f"/api/v1/projects/{project.pk}").status_code == 404
    assert api_as("ent_a_user").get(f"/api/v1/projects/{project.pk}").status_code == 200


def _patch(api_as, personas, ent_a, ent_b):
    project = _project(personas, ent_a)
    for who in OUTSIDERS:
        response = api_as(who).patch(f"/api/v1/projects/{project.pk}", {"name": "改名"})
        assert response.status_code == 404
    assert (
        api_as("ent_a_admin").patch(f"/api/v1/projects/{project.pk}", {"name": "改名"}).status_code
        == 403
    )
    project.refresh_from_db()
    assert project.name == "杭叉智能工厂"


def _stages(api_as, personas, ent_a, ent_b):
    project = _project(personas, ent_a)
    for who in OUTSIDERS:
        assert api_as(who).get(f"/api/v1/projects/{project.pk}/stages").status_code == 404
    assert len(api_as("ent_a_user").get(f"/api/v1/projects/{project.pk}/stages").json()) == 9


def _stage_patch(api_as, personas, ent_a, ent_b):
    project = _project(personas, ent_a)
    url = f"/api/v1/projects/{project.pk}/stages/1"
    for who in OUTSIDERS:
        assert api_as(who).patch(url, {"actual_on": "2024-01-01"}).status_code == 404
    assert api_as("ent_a_admin").patch(url, {"actual_on": "2024-01-01"}).status_code == 403
    assert api_as("supervisor").patch(url, {"actual_on": "2024-01-01"}).status_code == 403
    assert project.stages.get(stage=1).actual_on is None


def _updates(api_as, personas, ent_a, ent_b):
    project = _project(personas, ent_a)
    for who in OUTSIDERS:
        assert api_as(who).get(f"/api/v1/projects/{project.pk}/updates").status_code == 404


def _update_create(api_as, personas, ent_a, ent_b):
    project = _project(personas, ent_a)
    url = f"/api/v1/projects/{project.pk}/updates"
    for who in OUTSIDERS:
        assert api_as(who).post(url, {"text": "越权填报"}).status_code == 404
    assert api_as("supervisor").post(url, {"text": "越权填报"}).status_code == 403
    assert not ProgressUpdate.objects.filter(project=project).exists()
    assert api_as("ent_a_user").post(url, {"text": "主体结构封顶"}).status_code == 201


def _investment(api_as, personas, ent_a, ent_b):
    project = _project(personas, ent_a)
    for who in OUTSIDERS:
        assert api_as(who).get(f"/api/v1/projects/{project.pk}/investment").status_code == 404


def _investment_create(api_as, personas, ent_a, ent_b):
    project = _project(personas, ent_a)
    url = f"/api/v1/projects/{project.pk}/investment"
    for who in OUTSIDERS:
        assert (
            api_as(who).post(url, {"month": "2024-01", "actual_100m_cny": "1"}).status_code == 404
        )
    assert not MonthlyInvestment.objects.filter(project=project).exists()


def _alerts(api_as, personas, ent_a, ent_b):
    alert = _alert(personas, ent_a)
    for who in OUTSIDERS:
        ids = [a["id"] for a in api_as(who).get("/api/v1/projects/alerts").json()["items"]]
        assert alert.pk not in ids
    ids = [a["id"] for a in api_as("supervisor").get("/api/v1/projects/alerts").json()["items"]]
    assert alert.pk in ids


def _alert_ack(api_as, personas, ent_a, ent_b):
    alert = _alert(personas, ent_a)
    for who in OUTSIDERS:
        assert (
            api_as(who).post(f"/api/v1/projects/alerts/{alert.pk}/acknowledge", {}).status_code
            == 404
        )
    assert (
        api_as("supervisor").post(f"/api/v1/projects/alerts/{alert.pk}/acknowledge", {}).status_code
        == 403
    )
    alert.refresh_from_db()
    assert alert.state == "open"


def _alert_close(api_as, personas, ent_a, ent_b):
    alert = _alert(personas, ent_a)
    for who in OUTSIDERS:
        response = api_as(who).post(f"/api/v1/projects/alerts/{alert.pk}/close", {"reason": "x"})
        assert response.status_code == 404
    alert.refresh_from_db()
    assert alert.state == "open"


def _documents(api_as, personas, ent_a, ent_b):
    project = _project(personas, ent_a)
    for who in OUTSIDERS:
        assert api_as(who).get(f"/api/v1/projects/{project.pk}/documents").status_code == 404
    assert api_as("ent_a_user").get(f"/api/v1/projects/{project.pk}/documents").json() == []


def _document_add(api_as, personas, ent_a, ent_b):
    project = _project(personas, ent_a)
    url = f"/api/v1/projects/{project.pk}/documents"
    for who in (*OUTSIDERS, "ent_a_admin", "supervisor"):
        upload = SimpleUploadedFile("permit.pdf", b"%PDF-1.4 x", content_type="application/pdf")
        response = api_as(who).client.post(url, {"title": "施工许可证", "file": upload})
        assert response.status_code == (404 if who in OUTSIDERS else 403), who
    assert not ProjectDocument.objects.exists()


CASES = {
    ("GET", "/api/v1/projects"): _list,
    ("POST", "/api/v1/projects"): _create,
    ("GET", "/api/v1/projects/{project_id}"): _detail,
    ("PATCH", "/api/v1/projects/{project_id}"): _patch,
    ("GET", "/api/v1/projects/{project_id}/stages"): _stages,
    ("PATCH", "/api/v1/projects/{project_id}/stages/{stage}"): _stage_patch,
    ("GET", "/api/v1/projects/{project_id}/updates"): _updates,
    ("POST", "/api/v1/projects/{project_id}/updates"): _update_create,
    ("GET", "/api/v1/projects/{project_id}/investment"): _investment,
    ("POST", "/api/v1/projects/{project_id}/investment"): _investment_create,
    ("GET", "/api/v1/projects/alerts"): _alerts,
    ("POST", "/api/v1/projects/alerts/{alert_id}/acknowledge"): _alert_ack,
    ("POST", "/api/v1/projects/alerts/{alert_id}/close"): _alert_close,
    ("GET", "/api/v1/projects/{project_id}/documents"): _documents,
    ("POST", "/api/v1/projects/{project_id}/documents"): _document_add,
}
