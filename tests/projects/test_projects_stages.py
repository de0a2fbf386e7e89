"""Stages with planned and actual dates, the 拿地即开工 gap, progress and monthly investment."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from parkpilot.projects import selectors, services
from parkpilot.projects.models import Project, ProjectStage, Stage
from parkpilot.tenancy.errors import Forbidden, ValidationFailed
from parkpilot.tenancy.models import AuditLog

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def project(personas, ent_a, zone):
    return services.project_create(
        actor=personas["park_admin"],
        via="test",
        park=ent_a.park,
        data={
            "name": "杭叉智能工厂",
            "enterprise_id": ent_a.pk,
            "zone_id": zone.pk,
            "contact_id": personas["park_staff"].pk,
            "investment_100m_cny": "12.5",
            "tags": ["152", "省重点"],
        },
    )


def _stage(personas, project, stage, **changes):
    return services.project_stage_update(
        actor=personas["park_staff"], via="test", project=project, stage=stage, changes=changes
    )


def test_a_new_project_has_nine_stages_in_order(project):
    assert list(project.stages.values_list("stage", flat=True)) == list(range(1, 10))
    assert project.current_stage == 0
    assert project.tags_text == "|152|省重点|"


def test_actual_dates_move_the_stage_and_measure_land_to_start(personas, project):
    _stage(personas, project, Stage.SIGNED, actual_on="2024-03-01")
    _stage(personas, project, Stage.LAND, actual_on="2024-06-10")
    _stage(personas, project, Stage.STARTED, actual_on="2024-06-10")  # 拿地即开工: same day
    project.refresh_from_db()
    assert (project.current_stage, project.land_to_start_days) == (Stage.STARTED, 0)
    assert (project.signed_on, project.started_on) == (D(2024, 3, 1), D(2024, 6, 10))
    _stage(personas, project, Stage.STARTED, actual_on="2024-07-25")  # corrected: 45 days
    project.refresh_from_db()
    assert project.land_to_start_days == 45
    assert selectors.land_to_start(user=personas["park_admin"]) == {
        "projects": 1,
        "median_days": 45,
        "mean_days": 45.0,
        "same_day": 0,
    }


def test_approval_stage_records_how_long_the_approval_took(personas, project):
    row = _stage(
        personas,
        project,
        Stage.CONSTRUCTION_PERMIT,
        approving_body="临安区住建局",
        submitted_on="2024-05-06",
        approved_on="2024-05-20",
    )
    assert (row.approving_body, row.approval_days) == ("临安区住建局", 14)


def test_bad_stage_input_names_the_field_and_writes_nothing(personas, project):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    audits = AuditLog.objects.count()
    cases = [
        (Stage.SIGNED, {"actual_on": tomorrow}, "actual_on"),
        (Stage.SIGNED, {"planned_on": "2024-13-01"}, "planned_on"),
        (Stage.LAND, {"submitted_on": "2024-05-06", "approved_on": "2024-05-01"}, "approved_on"),
        (Stage.STARTED, {"approving_body": "住建局"}, "approving_body"),
        (99, {"actual_on": "2024-01-01"}, "stage"),
    ]
    for stage, changes, field in cases:
        with pytest.raises(ValidationFailed) as refused:
            _stage(personas, project, stage, **changes)
        assert [e.field for e in refused.value.errors] == [field]
    assert (
        not ProjectStage.objects.filter(project=project)
        .exclude(
            planned_on=None, actual_on=None, submitted_on=None, approved_on=None, approving_body=""
        )
        .exists()
    )
    assert AuditLog.objects.count() == audits


def test_enterprise_reports_progress_and_completion_but_not_the_plan(personas, project):
    user = personas["ent_a_user"]
    services.progress_update_create(actor=user, via="test", project=project, text="主体结构封顶")
    services.investment_record(
        actor=personas["park_staff"],
        via="test",
        project=project,
        month="2024-01",
        planned_100m_cny="1.5",
    )
    services.investment_record(
        actor=user, via="test", project=project, month="2024-01", actual_100m_cny="1.2"
    )
    services.investment_record(
        actor=user, via="test", project=project, month="2024-02-15", actual_100m_cny="0.8"
    )
    with pytest.raises(Forbidden):
        services.investment_record(
            actor=user, via="test", project=project, month="2024-03", planned_100m_cny="9"
        )
    with pytest.raises(Forbidden):
        services.progress_update_create(
            actor=personas["ent_b_user"], via="test", project=project, text="越权"
        )
    project.refresh_from_db()
    assert project.completed_investment_100m_cny == Decimal("2.00")  # 1.2 + 0.8
    assert project.last_update_at is not None
    assert selectors.investment_by_year(user=personas["supervisor"]) == [
        {"year": 2024, "planned": Decimal("1.50"), "actual": Decimal("2.00")}
    ]


def test_project_fields_are_validated_together(personas, ent_a):
    with pytest.raises(ValidationFailed) as refused:
        services.project_create(
            actor=personas["park_admin"],
            via="test",
            park=ent_a.park,
            data={
                "name": " ",
                "investment_100m_cny": "-1",
                "contact_id": personas["ent_a_user"].pk,
                "zone_id": 999999,
            },
        )
    assert sorted(e.field for e in refused.value.errors) == [
        "contact_id",
        "investment_100m_cny",
        "name",
        "zone_id",
    ]
    assert Project.objects.count() == 0


def test_filters_and_funnel(personas, project, ent_b):
    other = services.project_create(
        actor=personas["park_admin"],
        via="test",
        park=ent_b.park,
        data={"name": "南都二期", "enterprise_id": ent_b.pk, "tags": ["省重点"]},
    )
    _stage(personas, project, Stage.STARTED, actual_on="2024-06-10")
    admin = personas["park_admin"]
    assert [p.pk for p in selectors.project_list(user=admin, tag="152")] == [project.pk]
    assert [p.pk for p in selectors.project_list(user=admin, tag="省重点")] == [
        project.pk,
        other.pk,
    ]
    assert [p.pk for p in selectors.project_list(user=admin, stage=Stage.STARTED)] == [project.pk]
    assert [p.pk for p in selectors.project_list(user=admin, stage=0)] == [other.pk]
    funnel = {f["stage"]: (f["at"], f["reached"]) for f in selectors.stage_funnel(user=admin)}
    assert funnel[Stage.SIGNED] == (0, 1)
    assert funnel[Stage.STARTED] == (1, 1)
    assert funnel[Stage.COMPLETED] == (0, 0)
    assert [p.pk for p in selectors.project_list(user=personas["ent_b_user"])] == [other.pk]
    with pytest.raises(PermissionError):
        project.delete()


def test_approval_zone_times_each_approval(personas, project, ent_a, django_assert_num_queries):
    other = services.project_create(
        actor=personas["park_admin"], via="test", park=ent_a.park, data={"name": "二号项目"}
    )
    body = "临安区住建局"
    # 14 and 20 days at the same body; one still waiting since 2024-06-01.
    _stage(
        personas,
        project,
        Stage.CONSTRUCTION_PERMIT,
        approving_body=body,
        submitted_on="2024-05-06",
        approved_on="2024-05-20",
    )
    _stage(
        personas,
        other,
        Stage.CONSTRUCTION_PERMIT,
        approving_body=body,
        submitted_on="2024-03-01",
        approved_on="2024-03-21",
    )
    _stage(
        personas, other, Stage.PLANNING_PERMIT, approving_body="规划分局", submitted_on="2024-06-01"
    )
    zone = selectors.approvals(user=personas["supervisor"], today=D(2024, 6, 11))
    assert zone["table"] == [
        {
            "stage": "施工许可",
            "body": body,
            "count": 2,
            "mean_days": 17.0,
            "median_days": 17.0,
            "max_days": 20,
        },
    ]
    assert [(w["row"].project.name, w["days"]) for w in zone["waiting"]] == [("二号项目", 10)]
    client = Client()
    client.force_login(personas["supervisor"])
    client.get("/projects/approvals/")
    with django_assert_num_queries(4):
        assert client.get("/projects/approvals/").status_code == 200
