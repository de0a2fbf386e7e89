"""The alerts page in a real browser: the enterprise acknowledges its own alert, park staff
close one with a reason, and each sees only what is theirs. Screenshots go to test-artifacts/."""

import pytest
from playwright.sync_api import expect

from helpers import screenshot, sign_in
from parkpilot.alerts import services
from parkpilot.alerts.models import Alert, State
from parkpilot.demo.services import demo_load
from parkpilot.tenancy.actors import system_actor
from parkpilot.tenancy.models import Enterprise, Park

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def alerts(transactional_db):
    demo_load()
    park = Park.objects.get()
    hangcha = Enterprise.objects.get(name__startswith="杭叉")
    other = Enterprise.objects.exclude(pk=hangcha.pk).first()
    raised = {}
    for ent, kind, title in (
        (hangcha, "carbon.budget_co2", "碳排放预计超出本年预算"),
        (other, "carbon.grade_worse", "碳效等级下降"),
    ):
        raised[ent.pk], _created = services.alert_raise(
            actor=system_actor(park), park=park, kind=kind, subject=f"test:{ent.pk}",
            title=title, detail="预计 1,250 t / 预算 1,000 t", link="/carbon/mine/",
            enterprise_id=ent.pk,
        )  # fmt: skip
    return hangcha, other, raised


def test_enterprise_acknowledges_and_staff_close(alerts, live_server, new_page):
    hangcha, other, raised = alerts
    page = new_page()
    sign_in(page, live_server.url, "hangcha-user")
    page.goto(f"{live_server.url}/alerts/")
    rows = page.get_by_test_id("alert-rows")
    expect(rows).to_contain_text("碳排放预计超出本年预算")
    expect(rows).not_to_contain_text("碳效等级下降")  # another enterprise's
    page.get_by_test_id(f"alert-{raised[hangcha.pk].pk}").get_by_test_id("acknowledge").click()
    expect(page.get_by_test_id(f"alert-{raised[hangcha.pk].pk}")).to_contain_text("已知悉")
    screenshot(page, "alerts-enterprise")

    staff = new_page(width=1440, height=900)
    sign_in(staff, live_server.url, "staff")
    staff.goto(f"{live_server.url}/alerts/")
    row = staff.get_by_test_id(f"alert-{raised[other.pk].pk}")
    expect(row).to_contain_text(other.name)
    row.get_by_role("textbox").fill("已约谈企业，预算调整")
    row.get_by_test_id("close").click()
    expect(staff.get_by_test_id(f"alert-{raised[other.pk].pk}")).to_have_count(0)  # not closed only
    assert Alert.objects.get(pk=raised[other.pk].pk).state == State.CLOSED
    staff.goto(f"{live_server.url}/alerts/?state=closed")
    expect(staff.get_by_test_id(f"alert-{raised[other.pk].pk}")).to_contain_text("已约谈企业")
    screenshot(staff, "alerts-staff")
