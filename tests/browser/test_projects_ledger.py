"""The ledger in a real browser: list with filters and charts, a project's timeline, the import
page's error list. Screenshots go to test-artifacts/."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from helpers import screenshot, sign_in
from parkpilot.demo.services import demo_load
from parkpilot.projects import services
from parkpilot.projects.models import Project, Stage
from parkpilot.tenancy.models import Park, User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_park(transactional_db):
    demo_load()
    park = Park.objects.get()
    staff = User.objects.get(username="staff")
    # The documents give no planned dates; plan a few so the demo shows delays (demo data).
    project = Project.objects.get(name="浙江华正新材料股份有限公司二期项目")
    plan = {
        Stage.SIGNED: ("2019-09-01", "2019-09-20"),
        Stage.LAND: ("2019-11-15", "2019-12-30"),
        Stage.APPROVAL: ("2020-01-10", "2020-01-20"),
        Stage.PLANNING_PERMIT: ("2020-02-15", "2020-02-28"),
        Stage.CONSTRUCTION_PERMIT: ("2020-03-10", "2020-03-25"),
        Stage.STARTED: ("2020-03-30", None),
        Stage.COMPLETED: ("2021-12-31", "2022-03-18"),
        Stage.IN_USE: ("2022-06-30", None),
    }
    for stage, (planned, actual) in plan.items():
        changes = {"planned_on": planned}
        if actual:
            changes["actual_on"] = actual
        if stage == Stage.CONSTRUCTION_PERMIT:
            changes |= {
                "approving_body": "临安区住建局",
                "submitted_on": "2020-03-11",
                "approved_on": "2020-03-24",
            }
        services.project_stage_update(
            actor=staff, via="test", project=project, stage=stage, changes=changes
        )
    for month, planned, actual in (("2022-01", "0.8", "0.6"), ("2022-02", "0.8", "0.7")):
        services.investment_record(
            actor=staff,
            via="test",
            project=project,
            month=month,
            planned_100m_cny=planned,
            actual_100m_cny=actual,
        )
    services.progress_update_create(actor=staff, via="test", project=project, text="设备安装调试中")
    services.alerts_scan(park=park, now=timezone.now())
    return project


def test_ledger_list_filters_and_charts(demo_park, live_server, new_page):
    page = new_page()
    sign_in(page, live_server.url, "staff")
    page.get_by_test_id("nav").get_by_text("项目一本账").click()
    expect(page.get_by_test_id("count-total")).to_have_text("26")
    expect(page.get_by_test_id("funnel-chart")).to_have_attribute("data-rendered", "true")
    expect(page.get_by_test_id("investment-chart")).to_have_attribute("data-rendered", "true")
    expect(page.get_by_test_id("portfolio-chart")).to_have_attribute("data-rendered", "true")
    rows = page.get_by_test_id("ledger-rows")
    expect(rows).to_contain_text("浙江华正新材料股份有限公司二期项目")
    expect(rows.get_by_text("演示数据").first).to_be_visible()
    screenshot(page, "projects-ledger-staff")
    page.get_by_test_id("filter-delayed").select_option("1")
    # Only 华正's 投产/投用 (planned 2022-06-30) is overdue; the rest were loaded just now.
    expect(rows.locator("tr")).to_have_count(1)
    expect(rows).to_contain_text("浙江华正新材料股份有限公司二期项目")
    page.get_by_test_id("filter-delayed").select_option("")
    page.locator("select[name=tag]").select_option("152")
    expect(rows.locator("tr")).to_have_count(5)


def test_project_timeline(demo_park, live_server, new_page):
    page = new_page()
    sign_in(page, live_server.url, "staff")
    page.goto(f"{live_server.url}/projects/{demo_park.pk}/")
    expect(page.get_by_test_id("project-name")).to_have_text("浙江华正新材料股份有限公司二期项目")
    expect(page.get_by_test_id("timeline-chart")).to_have_attribute("data-rendered", "true")
    expect(page.get_by_test_id("stage-6")).to_contain_text("2020-03-30")
    expect(page.get_by_test_id("current-stage")).to_have_text("竣工")
    expect(page.get_by_test_id("alert-rows")).to_contain_text("投产/投用")
    screenshot(page, "projects-timeline-staff")
    # Record the actual date of 投产/投用 through the page: the alert clears.
    page.get_by_test_id("stage-8").get_by_text("编辑").click()
    page.get_by_test_id("stage-form-8").locator("input[name=actual_on]").fill("2022-07-15")
    page.get_by_test_id("stage-form-8").get_by_role("button").click()
    expect(page.get_by_test_id("current-stage")).to_have_text("投产/投用")
    demo_park.refresh_from_db()
    assert demo_park.stages.get(stage=Stage.IN_USE).actual_on == datetime.date(2022, 7, 15)
    page.goto(f"{live_server.url}/projects/approvals/")
    expect(page.get_by_test_id("approval-stats")).to_contain_text("临安区住建局")
    expect(page.get_by_test_id("approval-stats")).to_contain_text("13")
    screenshot(page, "projects-approvals-staff")


def test_enterprise_reports_progress_on_its_project(demo_park, live_server, new_page):
    # The first project whose investor is a registered enterprise: its user reports progress.
    project = Project.objects.filter(enterprise__isnull=False).order_by("id").first()
    User.objects.create_user(
        username="investor-user",
        password=settings.PARKPILOT_DEMO_PASSWORD,
        role="enterprise_user",
        park=project.park,
        enterprise=project.enterprise,
    )
    page = new_page()
    sign_in(page, live_server.url, "investor-user")
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    page.get_by_test_id("progress-text").fill("厂房主体封顶")
    page.get_by_test_id("progress-submit").click()
    expect(page.get_by_test_id("updates")).to_contain_text("厂房主体封顶")
    # Another enterprise's project is not there for this user.
    other = Project.objects.exclude(enterprise=project.enterprise).first()
    assert page.goto(f"{live_server.url}/projects/{other.pk}/").status == 404
