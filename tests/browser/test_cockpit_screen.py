"""The cockpit and the big screen in Chromium, zh-Hans, 1920×1080, served by uvicorn (ASGI).

The big screen's live updates are Server-Sent Events from an async view. pytest-django's
live_server is a threaded WSGI server: it would iterate the endless event stream synchronously
and never send a byte, so these tests start the real ASGI server (uvicorn, as `parkpilot
serve` runs it) in a thread of the test process, on a free port, against the test database."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from helpers import AsgiServer, drop_server_connections, screenshot, sign_in
from parkpilot.demo.services import demo_load
from parkpilot.economy import selectors as economy_selectors
from parkpilot.economy import services as economy
from parkpilot.economy.models import EnterpriseMonthly
from parkpilot.tenancy.models import Enterprise, User

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # WhiteNoise serves static files with a synchronous iterator; Django warns under ASGI.
    pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume synchronous"),
]


@pytest.fixture
def demo_park(transactional_db):
    demo_load()


@pytest.fixture
def asgi_server(demo_park):
    server = AsgiServer().start()
    yield server
    server.stop()
    drop_server_connections()


def _latest():
    staff = User.objects.get(username="staff")
    return economy_selectors.latest_period(user=staff, park_id=staff.park_id)


def _latest_yi(code: str = "above_scale_industrial_added_value") -> str:
    """The park indicator's year to date at the latest month, in 亿元 as the tiles show it."""
    staff = User.objects.get(username="staff")
    year, month = _latest()
    result = economy_selectors.park_indicators(
        user=staff, park_id=staff.park_id, year=year, month=month, mode="ytd"
    )
    return str({i.code: i for i in result["indicators"]}[code].value_100m_cny)


def _latest_va_yi() -> str:
    return _latest_yi()


def _va_tile(page):
    return page.locator('[data-tile-key="economy.value_added"] [data-testid=screen-value]')


def test_big_screen_updates_live_and_shows_a_stopped_stream(asgi_server, new_page):
    page = new_page(width=1920, height=1080, locale="zh-CN")
    sign_in(page, asgi_server.url, "staff")
    page.goto(f"{asgi_server.url}/cockpit/screen")
    status = page.get_by_test_id("stream-status")
    expect(status).to_have_attribute("data-state", "live")
    expect(status).to_have_text("实时")
    # The latest month's year to date (the demo carries value added to this month).
    expect(_va_tile(page)).to_have_text(_latest_va_yi())
    expect(page.get_by_test_id("clock")).not_to_be_empty()
    # No scrolling on the wall.
    assert page.evaluate("document.documentElement.scrollHeight") <= 1080
    assert page.evaluate("document.documentElement.scrollWidth") <= 1920
    page.evaluate("window.__noReload = true")
    screenshot(page, "cockpit-screen-zh")
    # Rotating panels: the value-added trend chart is the second panel.
    page.evaluate("window.cockpitScreen.showPanel(1)")
    active = page.locator(".panel.active")
    expect(active.locator("h2")).to_have_text("规上工业增加值")
    expect(active.locator("canvas")).to_have_count(1)
    screenshot(page, "cockpit-screen-zh-chart")

    # A new data point: 杭叉 corrects the latest month by +10,000 万元 (1 亿元) of value added.
    hangcha = Enterprise.objects.get(name="杭叉集团股份有限公司")
    year, month = _latest()
    latest = EnterpriseMonthly.objects.get(enterprise=hangcha, year=year, month=month)
    before = Decimal(_latest_va_yi())
    economy.monthly_save(
        actor=User.objects.get(username="staff"),
        via="test",
        enterprise=hangcha,
        year=year,
        month=month,
        values={
            "output_value": latest.output_value + Decimal("10000"),
            "value_added": latest.value_added + Decimal("10000"),
        },
    )
    # One more 亿元, pushed over the stream: same page, no reload.
    updated = _latest_va_yi()
    assert Decimal(updated) - before == Decimal("1.0")
    expect(_va_tile(page)).to_have_text(updated, timeout=10_000)
    assert page.evaluate("window.__noReload") is True
    screenshot(page, "cockpit-screen-zh-updated")

    # The server goes away: the screen says so instead of showing stale figures as live.
    asgi_server.stop()
    expect(page.get_by_test_id("stream-stopped")).to_be_visible(timeout=20_000)
    expect(status).to_have_text("数据流已中断")
    expect(_va_tile(page)).to_have_text(updated)
    screenshot(page, "cockpit-screen-zh-stopped")


def test_cockpit_page_for_staff(asgi_server, new_page):
    page = new_page(width=1920, height=1080, locale="zh-CN")
    sign_in(page, asgi_server.url, "staff")
    page.get_by_test_id("nav").get_by_text("数据驾驶舱").click()
    expect(page.get_by_test_id("cockpit-title")).to_contain_text("数据驾驶舱")
    tile = page.locator('[data-testid=tile][data-tile-key="economy.output"]')
    # The latest month's year to date (demo rows continue to this month), marked demo.
    expect(tile.get_by_test_id("tile-value")).to_have_text(
        _latest_yi("above_scale_industrial_output")
    )
    expect(tile.get_by_text("演示数据")).to_be_visible()
    for chart in page.get_by_test_id("chart").all():
        expect(chart).to_have_attribute("data-rendered", "true")
    screenshot(page, "cockpit-staff-zh")
    # The tile links to the figures behind it.
    tile.get_by_test_id("tile-link").click()
    year, _month = _latest()
    expect(page.get_by_test_id("period-label")).to_contain_text(f"{year}年")
    # 2022 Jan-Aug as published: 规上工业总产值 454.4 亿元, +8.5%.
    page.goto(f"{asgi_server.url}/economy/?year=2022&month=8")
    expect(page.get_by_test_id("period-label")).to_have_text("2022年1-8月")
    expect(page.get_by_test_id("value-above_scale_industrial_output")).to_have_text("454.4")
    expect(page.get_by_test_id("growth-above_scale_industrial_output")).to_have_text("+8.5%")
    screenshot(page, "economy-indicators-staff-zh")


def test_economy_2020_as_published(asgi_server, new_page):
    page = new_page(width=1440, height=900)
    sign_in(page, asgi_server.url, "supervisor")
    page.goto(f"{asgi_server.url}/economy/?year=2020&month=12")
    expect(page.get_by_test_id("period-label")).to_have_text("2020年")
    expect(page.get_by_test_id("value-above_scale_industrial_added_value")).to_have_text("85.6")
    expect(page.get_by_test_id("growth-above_scale_industrial_added_value")).to_have_text("+17.1%")
    expect(page.get_by_test_id("value-high_tech_added_value")).to_have_text("73.6")
    expect(page.get_by_test_id("growth-high_tech_added_value")).to_have_text("+21.3%")
    expect(page.get_by_test_id("value-high_end_equipment_added_value")).to_have_text("48.1")
    expect(page.get_by_test_id("growth-high_end_equipment_added_value")).to_have_text("+33.3%")
    expect(page.get_by_test_id("trend-chart")).to_have_attribute("data-rendered", "true")
    screenshot(page, "economy-2020-supervisor-zh")


def test_enterprise_user_gets_no_cockpit(asgi_server, new_page):
    page = new_page()
    sign_in(page, asgi_server.url, "hangcha-user")
    expect(page.get_by_test_id("nav").get_by_text("数据驾驶舱")).to_have_count(0)
    assert page.goto(f"{asgi_server.url}/cockpit/").status == 403
    assert page.goto(f"{asgi_server.url}/cockpit/screen").status == 403
    assert page.goto(f"{asgi_server.url}/cockpit/screen/stream").status == 403


# Every box of the wall must be on the display, and no figure cut, from a small meeting-room
# screen to a 4K wall; 1440x900 is not 16:9, so the stage is letterboxed there.
WALLS = [(1280, 720), (1440, 900), (1920, 1080), (3840, 2160)]
BOXES_OUTSIDE = """() => {
  const w = window.innerWidth, h = window.innerHeight, out = [];
  const boxes = '.s-tile, .screen-panels, .screen-alerts, .screen-head, .screen-foot';
  for (const el of document.querySelectorAll(boxes)) {
    const r = el.getBoundingClientRect();
    const off = r.left < -0.5 || r.top < -0.5 || r.right > w + 0.5 || r.bottom > h + 0.5;
    if (off) out.push(el.className);
  }
  const panel = document.querySelector('.screen-panels').getBoundingClientRect();
  for (const el of document.querySelectorAll('.panel.active table')) {
    const r = el.getBoundingClientRect();
    const spills = r.bottom > panel.bottom + 0.5 || r.right > panel.right + 0.5;
    if (spills) out.push('table spills out of its card');
  }
  for (const el of document.querySelectorAll('.s-tile')) {
    if (el.scrollHeight > el.clientHeight + 1) out.push('tile overflows: ' + el.dataset.tileKey);
  }
  for (const el of document.querySelectorAll('.s-figure')) {
    if (el.scrollWidth > el.clientWidth) out.push('cut: ' + el.textContent);
  }
  return out;
}"""


@pytest.mark.parametrize("width,height", WALLS)
def test_the_big_screen_fits_every_wall(asgi_server, new_page, width, height):
    page = new_page(width=width, height=height, locale="zh-CN")
    sign_in(page, asgi_server.url, "staff")
    page.goto(f"{asgi_server.url}/cockpit/screen?kiosk=1")
    expect(page.get_by_test_id("stream-status")).to_have_attribute("data-state", "live")
    page.evaluate("window.__noReload = true")
    tiles = page.locator(".s-tile")
    assert tiles.count() >= 12  # every app's tiles are on the wall, none pushed off it
    for panel in range(page.locator(".panel").count()):  # each rotating panel, the tables too
        page.evaluate(f"window.cockpitScreen.showPanel({panel})")
        assert page.evaluate(BOXES_OUTSIDE) == [], (width, height, panel)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate("document.documentElement.scrollHeight") <= height
    assert page.evaluate("getComputedStyle(document.body).cursor") == "none"  # kiosk mode
    screenshot(page, f"cockpit-screen-{width}x{height}")
