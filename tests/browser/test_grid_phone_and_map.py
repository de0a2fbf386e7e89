"""青和翼 grid governance in Chromium: a resident reports on a phone (390x844), picking the place
on the shared park map; the worker on duty sees it in their list of work and accepts it; the
reporter follows it; park staff see the map of grids and open cases with per-grid figures.
Screenshots go to test-artifacts/."""

import datetime

import pytest
from playwright.sync_api import expect

from helpers import screenshot, sign_in
from parkpilot.grid import services
from parkpilot.grid.models import GRID_WORKER, Case, Shift, Status
from parkpilot.tenancy.models import Role, User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LON0, LAT0 = 119.80, 30.24


def _square(col, row, step=0.01):
    x0, y0 = LON0 + col * step, LAT0 + row * step
    ring = [[x0, y0], [x0 + step, y0], [x0 + step, y0 + step], [x0, y0 + step], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture
def grids(park, personas, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    services.grids_redraw(
        actor=personas["park_staff"], park=park, retire=[],
        new=[{"code": f"330112003001{i + 1:03d}", "name": f"青山湖网格{i + 1}",
              "boundary": _square(i % 2, i // 2)} for i in range(4)],
    )  # fmt: skip
    services.departments_ensure(park=park)
    worker = User.objects.create_user(
        "wangge", password="pw-wangge", role=Role.RESIDENT, park=park, granted_roles=[GRID_WORKER]
    )
    for grid in park_grids(park):
        services.member_add(actor=personas["park_staff"], grid=grid, user=worker,
                            shift=Shift.ALL, valid_from=datetime.date(2026, 1, 1))  # fmt: skip
    return worker


def park_grids(park):
    from parkpilot.grid.models import Grid

    return Grid.objects.filter(park=park, valid_to__isnull=True).order_by("code")


def _fits(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the phone"


def _signed_in(new_page, live_server, user, **size):
    page = new_page(**size)
    sign_in(page, live_server.url, user.username, f"pw-{user.username}")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


def test_report_on_a_phone_and_the_worker_accepts(personas, park, grids, live_server, new_page):
    resident = personas["resident"]
    page = _signed_in(new_page, live_server, resident, **PHONE)
    page.goto(f"{live_server.url}/grid/m/report/")
    the_map = page.get_by_test_id("park-map")
    expect(the_map).to_have_attribute("data-rendered", "4")  # the four grids, no tile server
    page.select_option("select[name=category]", "01.01")
    page.fill("textarea[name=description]", "青山湖路口有暴露垃圾")
    box = the_map.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.7)
    expect(page.get_by_test_id("picked")).not_to_be_empty()
    _fits(page)
    screenshot(page, "grid-report-phone")
    page.get_by_role("button", name="上报", exact=True).click()
    expect(page.get_by_test_id("messages")).to_contain_text("查询码")
    case = Case.objects.get()
    assert case.grid.code == "330112003001001"  # lower left on the map: grid 1
    expect(page.get_by_test_id("status")).to_have_text("已派遣")
    _fits(page)
    screenshot(page, "grid-case-reporter-phone")

    field = _signed_in(new_page, live_server, grids, **PHONE)
    field.goto(f"{live_server.url}/grid/m/work/")
    expect(field.get_by_test_id("work")).to_contain_text(f"#{case.pk}")
    _fits(field)
    screenshot(field, "grid-work-phone")
    field.get_by_text(f"#{case.pk}").click()
    field.get_by_test_id("accept").get_by_role("button", name="受理").click()
    expect(field.get_by_test_id("status")).to_have_text("已受理")
    _fits(field)
    screenshot(field, "grid-case-worker-phone")
    assert Case.objects.get(pk=case.pk).status == Status.ACCEPTED

    page.goto(f"{live_server.url}/grid/m/mine/")
    expect(page.get_by_test_id("cases")).to_contain_text("已受理")
    screenshot(page, "grid-mine-phone")


def test_the_map_of_grids_and_open_cases(personas, park, grids, live_server, new_page):
    services.report_submit(
        actor=personas["resident"], park=park, category="05.02",
        description="共享单车乱停放", lon=LON0 + 0.015, lat=LAT0 + 0.005,
    )  # fmt: skip
    page = _signed_in(new_page, live_server, personas["park_staff"])
    page.goto(f"{live_server.url}/grid/map/")
    expect(page.get_by_test_id("park-map")).to_have_attribute("data-rendered", "5")
    expect(page.get_by_test_id("figures")).to_contain_text("330112003001002")
    expect(page.get_by_test_id("open-cases")).to_contain_text("已派遣")
    screenshot(page, "grid-map")
