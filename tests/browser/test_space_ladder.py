"""The incubation ladder in Chromium, from the demo park: the rungs, the 2025 targets and the
operators; a space's enterprises with what moves each up; a move up refused and one done."""

import pytest
from playwright.sync_api import expect

from helpers import screenshot, sign_in
from parkpilot.demo.services import demo_load
from parkpilot.space.models import LadderStep

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_park(transactional_db):
    demo_load()


def test_the_ladder_a_refused_and_a_done_move_up(demo_park, live_server, new_page):
    staff = new_page(width=1440, height=900)
    sign_in(staff, live_server.url, "staff")
    staff.get_by_test_id("nav").get_by_text("孵化梯度", exact=True).click()
    # The seeds' targets: 35 spaces by 2025; the demo has 7.
    expect(staff.get_by_test_id("targets")).to_contain_text("35")
    expect(staff.get_by_test_id("operators")).to_contain_text("年度考核不合格")
    expect(staff.get_by_test_id("ladder-chart").locator("canvas")).to_have_count(1)
    # The in-park spaces are dots on the map, labelled; 廊湾 (Shenzhen) is not on it.
    park_map = staff.get_by_test_id("park-map")
    expect(park_map).to_contain_text("青山湖科创苗圃")
    expect(park_map).not_to_contain_text("廊湾产业加速器")
    screenshot(staff, "space-ladder")
    # 杭州众硅 is in 工创园孵化器 and the platform holds none of its monthly figures.
    staff.get_by_test_id("spaces").get_by_role("link", name="工创园孵化器").click()
    expect(staff.get_by_test_id("incubatees")).to_contain_text("杭州众硅电子科技有限公司")
    form = staff.get_by_test_id("move-up-form")
    form.locator("select[name=enterprise]").select_option(label="杭州众硅电子科技有限公司")
    form.get_by_role("button").click()
    expect(staff.get_by_test_id("form-error")).to_contain_text("尚不满足晋级条件")
    screenshot(staff, "space-ladder-refused")
    # 谱聚医疗 in the 博士后 park meets every criterion of the incubator rung.
    staff.goto(f"{live_server.url}/space/incubation/")
    staff.get_by_test_id("spaces").get_by_role("link", name="临安区博士后研究成果转化园").click()
    expect(staff.get_by_test_id("incubatees")).to_contain_text("可晋级")
    screenshot(staff, "space-ladder-space")
    staff.get_by_test_id("move-up-form").get_by_role("button").click()
    expect(staff.get_by_test_id("incubatees")).to_contain_text("该空间暂无在孵企业")
    moved = LadderStep.objects.get(enterprise__name="杭州谱聚医疗科技有限公司", left_on=None)
    assert moved.space.name == "廊湾产业加速器"
