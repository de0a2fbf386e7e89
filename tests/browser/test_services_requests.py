"""Enterprise services in a real browser: an enterprise raises a problem and sees its named
contact and timers; staff assign and plan; the enterprise confirms and rates; the supervisor's
view lists what is overdue and opens a case. Screenshots go to test-artifacts/."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from helpers import screenshot, sign_in
from parkpilot.demo.services import demo_load
from parkpilot.projects import services as ledger
from parkpilot.projects.models import Project, Stage
from parkpilot.services import selectors, services
from parkpilot.services.models import ServiceRequest, Status, SupervisionCase
from parkpilot.tenancy.models import Park, User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_park(transactional_db):
    demo_load()
    park = Park.objects.get()
    services.sla_scan(park=park, now=timezone.now())
    # A ledger alert raised 8 days ago and not closed: escalated to the supervisors (default 7).
    project = Project.objects.get(name="所托瑞安汽车科技有限公司总部及产业基地")
    staff = User.objects.get(username="staff")
    ledger.project_stage_update(
        actor=staff,
        via="test",
        project=project,
        stage=Stage.LAND,
        changes={"planned_on": "2021-06-30"},
    )
    ledger.alerts_scan(park=park, now=timezone.now() - datetime.timedelta(days=8))
    ledger.alerts_scan(park=park, now=timezone.now())
    return park


def test_enterprise_raises_a_problem_and_follows_it_to_the_end(
    demo_park, live_server, new_page, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    page = new_page()
    sign_in(page, live_server.url, "hangcha-user")
    page.get_by_test_id("nav").get_by_text("服务诉求").click()
    rows = page.get_by_test_id("request-rows")
    expect(rows).to_contain_text("新厂房用电增容")
    expect(rows).not_to_contain_text("人才公寓申请")  # 南都's request
    page.get_by_test_id("raise").click()
    page.get_by_test_id("title").fill("员工子女入学咨询")
    page.get_by_test_id("category").select_option("talent")
    page.get_by_test_id("description").fill("新引进工程师 3 名，子女需就近入学。")
    page.get_by_test_id("files").set_input_files(
        [{"name": "户口所在地证明.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 x"}]
    )
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("status")).to_have_text("已提交")
    expect(page.get_by_test_id("attachments")).to_contain_text("户口所在地证明.pdf")
    expect(page.get_by_test_id("contact-card")).to_contain_text("正在分派")
    req = ServiceRequest.objects.get(title="员工子女入学咨询")
    # Staff assign themselves as the contact and record a plan, through the same pages.
    staff = new_page()
    sign_in(staff, live_server.url, "staff")
    staff.goto(f"{live_server.url}/services/{req.pk}/")
    staff.get_by_test_id("contact-select").select_option(label="管委会工作人员")
    staff.get_by_test_id("assign").click()
    expect(staff.get_by_test_id("status")).to_have_text("已分派联系人")
    staff.locator("textarea[name=plan]").fill("协调教育局按人才政策安排就近入学")
    staff.locator("input[name=departments]").fill("教育局、人才办")
    staff.locator("input[name=promised_on]").fill(
        (timezone.localdate() + datetime.timedelta(days=14)).isoformat()
    )
    staff.get_by_test_id("plan-submit").click()
    expect(staff.get_by_test_id("status")).to_have_text("办理中")
    staff.locator("textarea[name=resolution]").fill("已安排至青山湖小学")
    staff.get_by_test_id("resolve").click()
    expect(staff.get_by_test_id("status")).to_have_text("已办结待确认")
    # The enterprise sees who handled it and confirms with a rating.
    page.reload()
    expect(page.get_by_test_id("contact")).to_have_text("管委会工作人员")
    expect(page.get_by_test_id("timer-response")).to_contain_text("按时")
    screenshot(page, "services-request-enterprise")
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("status")).to_have_text("已关闭")
    expect(page.get_by_test_id("rating")).to_contain_text("★★★★★")
    req.refresh_from_db()
    assert (req.status, req.rating) == (Status.CLOSED, 5)


def test_supervision_view(demo_park, live_server, new_page):
    page = new_page()
    sign_in(page, live_server.url, "supervisor")
    page.get_by_test_id("nav").get_by_text("督办").click()
    overdue = page.get_by_test_id("overdue-rows")
    expect(overdue).to_contain_text("新厂房用电增容")
    # The demo's requests carry fixed dates, so which are overdue depends on today: the page's
    # count must be the rule's count (overdue_q) for today, whatever that is.
    supervisor = User.objects.get(username="supervisor")
    titles = list(selectors.supervision_overdue(user=supervisor).values_list("title", flat=True))
    assert "新厂房用电增容" in titles
    expect(page.get_by_test_id("overdue-count")).to_have_text(str(len(titles)))
    expect(page.get_by_test_id("project-alert-rows")).to_contain_text(
        "所托瑞安汽车科技有限公司总部及产业基地"
    )
    overdue.locator("input[name=instruction]").first.fill("请三个工作日内书面报告进展")
    overdue.get_by_role("button").first.click()
    expect(page.get_by_test_id("case-title")).to_contain_text("新厂房用电增容")
    page.locator("textarea[name=text]").fill("请同步供电公司审批节点")
    page.get_by_test_id("note-submit").click()
    expect(page.get_by_test_id("note")).to_have_count(2)
    page.get_by_test_id("nav").get_by_text("督办").click()
    expect(page.get_by_test_id("case-count")).to_have_text("1")
    screenshot(page, "services-supervision-supervisor")
    assert SupervisionCase.objects.get().opened_by.username == "supervisor"
    # A supervisor reads requests but has no actions on them.
    req = ServiceRequest.objects.get(title="新厂房用电增容")
    page.goto(f"{live_server.url}/services/{req.pk}/")
    expect(page.get_by_test_id("actions").locator("button")).to_have_count(0)
    response = page.request.post(f"{live_server.url}/services/{req.pk}/resolve/")
    assert response.status == 403


def test_the_enterprise_urges_and_adds_a_note(demo_park, live_server, new_page):
    req = ServiceRequest.objects.get(title="新厂房用电增容")
    page = new_page(width=1440, height=900)
    sign_in(page, live_server.url, "hangcha-user")
    page.goto(f"{live_server.url}/services/{req.pk}/")
    page.get_by_test_id("comment-text").fill("已补充新厂房的配电图纸")
    page.get_by_test_id("comment").click()
    page.locator("input[name=text][maxlength='500']").fill("影响 12 月投产")
    page.get_by_test_id("urge").click()
    expect(page.get_by_test_id("urged")).to_have_text("已催办 1 次")
    page.get_by_test_id("urge").click()  # twice in a day: refused with the wait
    expect(page.get_by_text("今天已催办过")).to_be_visible()
    expect(page.get_by_test_id("urged")).to_have_text("已催办 1 次")
    screenshot(page, "service-request-urged")
    staff = new_page()
    sign_in(staff, live_server.url, "staff")
    staff.goto(f"{live_server.url}/services/{req.pk}/")
    expect(staff.get_by_text("已补充新厂房的配电图纸")).to_be_visible()
    expect(staff.get_by_test_id("urge")).to_have_count(0)
