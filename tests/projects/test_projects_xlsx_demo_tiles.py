"""XLSX round trip and bad rows (sheet/row/column/reason, nothing written); the demo projects
with their real dates; the cockpit tiles' numbers; the pages with pinned query counts."""

import datetime
import io
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import Workbook, load_workbook

from parkpilot.demo.services import demo_load
from parkpilot.projects import selectors, services, tiles, xlsx
from parkpilot.projects.models import Project, ProjectStage, Stage
from parkpilot.tenancy.models import AuditLog, Park, User

pytestmark = pytest.mark.django_db


def _book(rows: list[list]) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.title = xlsx.SHEET
    sheet.append(xlsx.HEADERS)
    for row in rows:
        sheet.append(row + [None] * (len(xlsx.HEADERS) - len(row)))
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def _row(**by_header):
    return [by_header.get(h) for h in xlsx.HEADERS]


def test_import_creates_projects_with_stage_dates(personas, ent_a, zone):
    file = _book(
        [
            _row(
                **{
                    "项目名称": "新项目甲",
                    "片区": zone.code,
                    "标签": "152、省重点",
                    "计划投资(亿元)": 3.5,
                    "联系人": "staff",
                    "供地实际": datetime.datetime(2024, 5, 1),
                    "开工实际": "2024-05-31",
                }
            ),
            _row(**{"项目名称": "新项目乙", "企业": ent_a.name}),
        ]
    )
    result = xlsx.import_ledger(
        actor=personas["park_admin"], via="test", park=ent_a.park, file=file
    )
    assert result == {"created": 2, "updated": 0}
    p = Project.objects.get(name="新项目甲")
    assert (p.tags, p.investment_100m_cny, p.contact.username) == (
        ["152", "省重点"],
        Decimal("3.50"),
        "staff",
    )
    assert (p.current_stage, p.land_to_start_days) == (Stage.STARTED, 30)
    assert Project.objects.get(name="新项目乙").enterprise == ent_a


def test_bad_rows_are_reported_and_nothing_is_written(personas, ent_a):
    audits = AuditLog.objects.count()
    file = _book(
        [
            _row(**{"项目名称": "好项目"}),
            _row(**{"项目名称": "坏项目一", "片区": "nowhere"}),
            _row(**{"项目名称": "坏项目二", "计划投资(亿元)": "很多", "开工实际": "2024-02-30"}),
            _row(**{"项目名称": "", "联系人": "staff"}),
        ]
    )
    with pytest.raises(xlsx.ImportFailed) as failed:
        xlsx.import_ledger(actor=personas["park_admin"], via="test", park=ent_a.park, file=file)
    assert [(p.sheet, p.row, p.column, p.reason) for p in failed.value.problems] == [
        ("项目台账", 3, "片区", "园区内没有该片区"),
        ("项目台账", 4, "计划投资(亿元)", "须为数字。"),
        ("项目台账", 4, "开工实际", "日期格式为 YYYY-MM-DD。"),
        ("项目台账", 5, "项目名称", "必填。"),
    ]
    assert Project.objects.count() == 0
    assert ProjectStage.objects.count() == 0
    assert AuditLog.objects.count() == audits


def test_a_file_without_the_sheet_or_columns_is_refused(personas, ent_a):
    book = Workbook()
    book.active.title = "Sheet"
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    with pytest.raises(xlsx.ImportFailed) as failed:
        xlsx.import_ledger(actor=personas["park_admin"], via="test", park=ent_a.park, file=out)
    assert failed.value.problems[0].reason == "缺少工作表“项目台账”"
    with pytest.raises(xlsx.ImportFailed) as failed:
        xlsx.import_ledger(
            actor=personas["park_admin"], via="test", park=ent_a.park, file=io.BytesIO(b"not a zip")
        )
    assert failed.value.problems[0].column == "-"


def test_export_then_import_is_a_no_op(personas, ent_a):
    services.project_create(
        actor=personas["park_admin"],
        via="test",
        park=ent_a.park,
        data={"name": "往返项目", "tags": ["152"], "investment_100m_cny": "2"},
    )
    admin = personas["park_admin"]
    qs = selectors.project_list(user=admin).prefetch_related(selectors.stages_prefetch(admin))
    data = xlsx.export_ledger(qs)
    sheet = load_workbook(io.BytesIO(data))[xlsx.SHEET]
    assert [c.value for c in sheet[1]][:3] == ["项目名称", "投资方", "企业"]
    assert sheet["A2"].value == "往返项目"
    audits = AuditLog.objects.count()
    assert xlsx.import_ledger(actor=admin, via="test", park=ent_a.park, file=io.BytesIO(data)) == {
        "created": 0,
        "updated": 1,
    }
    assert AuditLog.objects.count() == audits  # nothing differed, nothing audited


def test_demo_projects_carry_their_real_dates():
    demo_load()
    park = Park.objects.get()
    p = Project.objects.get(park=park, name="浙江华正新材料股份有限公司二期项目")
    assert p.stages.get(stage=Stage.STARTED).actual_on == datetime.date(2020, 3, 30)
    assert p.current_stage == Stage.STARTED
    s = Project.objects.get(park=park, name="所托瑞安汽车科技有限公司总部及产业基地")
    assert (s.stages.get(stage=Stage.SIGNED).actual_on, s.current_stage) == (
        datetime.date(2020, 5, 31),
        Stage.SIGNED,
    )
    w = Project.objects.get(park=park, name="万马创新园")
    assert (w.stages.get(stage=Stage.IN_USE).actual_on, w.current_stage) == (
        datetime.date(2020, 5, 18),
        Stage.IN_USE,
    )
    assert ProjectStage.objects.filter(project__park=park).count() == 26 * 9
    assert w.contact.username == "staff" and w.demo_fields == ["contact"]
    # A reload changes nothing.
    stages = list(ProjectStage.objects.order_by("pk").values())
    report = demo_load()
    assert "project_stage" not in report.created and "project_stage" not in report.updated
    assert list(ProjectStage.objects.order_by("pk").values()) == stages


def test_tiles_count_by_stage_and_delayed(personas, ent_a):
    admin = personas["park_admin"]
    made = [
        services.project_create(actor=admin, via="test", park=ent_a.park, data={"name": f"P{i}"})
        for i in range(3)
    ]
    services.project_stage_update(
        actor=admin,
        via="test",
        project=made[0],
        stage=Stage.STARTED,
        changes={"actual_on": "2024-01-02"},
    )
    services.project_stage_update(
        actor=admin,
        via="test",
        project=made[1],
        stage=Stage.SIGNED,
        changes={"planned_on": "2020-01-01"},
    )
    services.alerts_scan(park=ent_a.park, now=datetime.datetime(2024, 3, 1, tzinfo=datetime.UTC))
    stage_tile = tiles.by_stage(admin, ent_a.park)
    assert stage_tile.value == 3
    assert stage_tile.extra["by_stage"] == {1: 0, 2: 0, 3: 0, 4: 0, 5: 0, 6: 1, 7: 0, 8: 0, 9: 0}
    delayed = tiles.delayed(admin, ent_a.park)
    # P1's signing is overdue; none has been updated for 30 days (created just now, scanned at
    # 2024-03-01, before creation): one delayed project, nothing escalated yet.
    assert (delayed.value, delayed.status, delayed.extra["escalated_alerts"]) == (1, "warn", 0)
    assert delayed.link == "/projects/?delayed=1"


@pytest.mark.parametrize("n", [3, 30])
def test_ledger_page_query_count_does_not_grow_with_rows(
    personas, ent_a, n, django_assert_num_queries
):
    admin = personas["park_admin"]
    for i in range(n):
        services.project_create(
            actor=admin,
            via="test",
            park=ent_a.park,
            data={"name": f"项目{i}", "tags": ["152"], "contact_id": personas["park_staff"].pk},
        )
    client = Client()
    client.force_login(personas["park_staff"])
    client.get("/projects/")  # warm the session and the nav
    with django_assert_num_queries(12):
        response = client.get("/projects/?tag=152")
    assert response.status_code == 200
    assert response.content.decode().count('href="/projects/') >= n


def test_project_pages_render_for_each_role(personas, ent_a, ent_b):
    project = services.project_create(
        actor=personas["park_admin"],
        via="test",
        park=ent_a.park,
        data={"name": "杭叉智能工厂", "enterprise_id": ent_a.pk},
    )
    for who, status in (
        ("park_staff", 200),
        ("supervisor", 200),
        ("ent_a_user", 200),
        ("ent_b_user", 404),
    ):
        client = Client()
        client.force_login(personas[who])
        assert client.get(f"/projects/{project.pk}/").status_code == status
        assert client.get("/projects/alerts/").status_code == 200
    client = Client()
    client.force_login(personas["supervisor"])
    assert client.get("/projects/import/").status_code == 403
    response = client.post(f"/projects/{project.pk}/stages/1/", {"actual_on": "2024-01-01"})
    assert response.status_code == 403
    assert ProjectStage.objects.get(project=project, stage=1).actual_on is None
    export = client.get("/projects/export.xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert User.objects.filter(pk=personas["supervisor"].pk).exists()
