"""积分超市 on a phone (390x844): a resident's member card with its QR code, the catalogue
where they reserve a good, and the counter where staff look the card up and hand it over.
Screenshots go to test-artifacts/."""

import pytest
from playwright.sync_api import expect

from helpers import screenshot, sign_in
from parkpilot.points import services
from parkpilot.points.models import EarningRule, Member, Redemption

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _fits(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the phone"


def _signed_in(new_page, live_server, user):
    page = new_page(**PHONE)
    sign_in(page, live_server.url, user.username, f"pw-{user.username}")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


def test_card_catalogue_and_counter_on_a_phone(personas, park, live_server, new_page):
    resident, staff = personas["resident"], personas["park_staff"]
    services.good_create(
        via="ui", actor=staff, park=park, name="环保购物袋", price=150, stock=20, per_member_limit=2
    )
    services.good_create(via="ui", actor=staff, park=park, name="党建读本", price=80, stock=0)
    page = _signed_in(new_page, live_server, resident)
    page.goto(f"{live_server.url}/points/m/card/")
    member = Member.objects.get(user=resident)
    rule = EarningRule.objects.create(
        park=park, kind="volunteering", name="志愿服务一小时", points=100
    )
    for source in ("v:1", "v:2"):
        services.award(via="ui", actor=None, member=member, rule=rule, source=source)
    page.reload()
    expect(page.get_by_test_id("balance")).to_have_text("200")
    expect(page.get_by_test_id("qr").locator("svg")).to_be_visible()
    _fits(page)
    screenshot(page, "points-card-phone")

    page.goto(f"{live_server.url}/points/m/catalogue/")
    expect(page.get_by_test_id("goods")).to_contain_text("环保购物袋")
    _fits(page)
    screenshot(page, "points-catalogue-phone")
    page.locator("li", has_text="环保购物袋").get_by_role("button", name="预约兑换").click()
    expect(page.get_by_test_id("messages")).to_contain_text("已预约")
    expect(page.get_by_test_id("balance")).to_have_text("50")
    screenshot(page, "points-mine-phone")

    counter = _signed_in(new_page, live_server, staff)
    counter.goto(f"{live_server.url}/points/counter/")
    counter.fill("input[name=code]", member.card_code)
    counter.get_by_role("button", name="查询").click()
    expect(counter.get_by_test_id("waiting")).to_contain_text("环保购物袋")
    _fits(counter)
    screenshot(counter, "points-counter-phone")
    counter.get_by_role("button", name="交付").click()
    expect(counter.get_by_test_id("day")).to_contain_text("环保购物袋")
    assert Redemption.objects.get(member=member).status == "collected"


def test_check_in_at_an_activity_on_a_phone(personas, park, live_server, new_page):
    """The resident scans the QR shown at a 党群 activity: the check-in page opens on the phone,
    one tap checks in, the points are on the card; a second tap awards nothing more."""
    import datetime

    from django.utils import timezone

    from parkpilot.points.models import Award

    rule = EarningRule.objects.create(park=park, kind="party_activity", name="主题党日", points=30)
    now = timezone.now()
    activity = services.activity_create(
        via="ui",
        actor=personas["park_staff"],
        park=park,
        name="七一主题党日活动",
        rule=rule,
        starts_at=now - datetime.timedelta(hours=1),
        ends_at=now + datetime.timedelta(hours=2),
    )
    staff = _signed_in(new_page, live_server, personas["park_staff"])
    staff.goto(f"{live_server.url}/points/manage/activities/{activity.pk}/qr/")
    expect(staff.get_by_test_id("checkin-qr").locator("svg")).to_be_visible()
    screenshot(staff, "points-activity-qr-phone")

    page = _signed_in(new_page, live_server, personas["resident"])
    page.goto(f"{live_server.url}/points/m/check-in/{activity.code}/")
    expect(page.get_by_test_id("activity")).to_contain_text("七一主题党日活动")
    _fits(page)
    screenshot(page, "points-check-in-phone")
    page.get_by_test_id("check-in").click()
    expect(page.get_by_test_id("checked-in")).to_be_visible()
    expect(page.get_by_test_id("messages")).to_contain_text("30")
    _fits(page)
    screenshot(page, "points-checked-in-phone")
    page.goto(f"{live_server.url}/points/m/check-in/{activity.code}/")
    page.get_by_test_id("check-in").click()
    assert Award.objects.filter(member__user=personas["resident"]).count() == 1
    page.goto(f"{live_server.url}/points/m/card/")
    expect(page.get_by_test_id("balance")).to_have_text("30")
