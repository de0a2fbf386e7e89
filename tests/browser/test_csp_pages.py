"""The main pages under the Content-Security-Policy in Chromium: nothing is blocked, and the
charts, tooltips, live streams, htmx filters and auto-submitting filters still work.

A violation is caught twice: the `securitypolicyviolation` event each document fires (recorded
by a script Playwright adds before the page's own), and Chromium's console message."""

import pytest
from playwright.sync_api import expect

from helpers import AsgiServer, drop_server_connections, screenshot, sign_in
from parkpilot.cockpit import exports
from parkpilot.demo.services import demo_load
from parkpilot.tenancy.models import User

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # WhiteNoise serves static files with a synchronous iterator; Django warns under ASGI.
    pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume synchronous"),
]

RECORD_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.reportCspViolation(e.violatedDirective + " blocked " + (e.blockedURI || "inline") +
    " at " + e.sourceFile + ":" + e.lineNumber);
});
"""


@pytest.fixture
def asgi_server(transactional_db):
    # The carbon page and the big screen hold a Server-Sent Events stream open: ASGI, as served.
    demo_load()
    server = AsgiServer().start()
    yield server
    server.stop()
    drop_server_connections()


@pytest.fixture
def watched_page(new_page):
    """A page that collects every CSP violation of every document it shows, from the event
    (passed to Python as it fires, so a navigation loses none) and from the console."""
    page = new_page()
    seen: list[str] = []
    page.expose_function("reportCspViolation", lambda text: seen.append(text))
    page.on(
        "console",
        lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.add_init_script(RECORD_VIOLATIONS)
    page.violations = seen
    return page


def _hover_chart(page, selector: str) -> None:
    """Move over a chart until ECharts shows its tooltip (HTML written with style attributes)."""
    box = page.locator(selector).first.bounding_box()
    for fraction in (0.5, 0.4, 0.6, 0.3, 0.7):
        page.mouse.move(box["x"] + box["width"] * fraction, box["y"] + box["height"] * 0.6)
        page.wait_for_timeout(150)


def test_main_pages_render_their_charts_with_no_policy_violation(asgi_server, watched_page):
    page, url = watched_page, asgi_server.url
    sign_in(page, url, "staff")

    page.goto(f"{url}/")
    expect(page.get_by_test_id("economy-chart")).to_have_attribute("data-rendered", "true")
    _hover_chart(page, "[data-testid=economy-chart]")

    page.goto(f"{url}/cockpit/")
    charts = page.locator(".cockpit-chart")
    assert charts.count() > 0
    for i in range(charts.count()):
        expect(charts.nth(i)).to_have_attribute("data-rendered", "true")
    _hover_chart(page, ".cockpit-chart")

    page.goto(f"{url}/carbon/")
    expect(page.get_by_test_id("zone-chart").locator("canvas")).to_have_count(1)
    expect(page.get_by_test_id("live-co2")).to_be_visible()

    page.goto(f"{url}/energy/quality/")
    expect(page.get_by_test_id("completeness-chart")).to_have_attribute("data-rendered", "true")

    page.goto(f"{url}/economy/")
    expect(page.get_by_test_id("trend-chart")).to_have_attribute("data-rendered", "true")
    _hover_chart(page, "[data-testid=trend-chart]")

    page.goto(f"{url}/projects/")
    for chart in ("funnel-chart", "investment-chart", "portfolio-chart"):
        expect(page.get_by_test_id(chart)).to_have_attribute("data-rendered", "true")
    # An htmx filter: the results are swapped in and the portfolio chart is drawn again.
    page.evaluate("document.getElementById('portfolio-chart').dataset.rendered = 'stale'")
    with page.expect_response(
        lambda r: "/projects/" in r.url and r.request.headers.get("hx-request")
    ):
        page.locator("form.filters select").first.select_option(index=1)
    expect(page.get_by_test_id("portfolio-chart")).to_have_attribute("data-rendered", "true")
    screenshot(page, "csp-projects-ledger")

    page.goto(f"{url}/cockpit/screen")
    expect(page.get_by_test_id("stream-status")).to_have_attribute("data-state", "live")
    expect(page.get_by_test_id("panels").locator("canvas").first).to_be_attached()

    page.goto(f"{url}/api/docs")
    # The schema of every operation is built on the first request: a few seconds.
    expect(page.locator(".swagger-ui .info")).to_be_visible(timeout=30_000)

    assert page.violations == []
    # The watch sees what the policy blocks: a script injected without the nonce does not run.
    page.evaluate(
        "var s = document.createElement('script'); s.textContent = 'window.injected = 1';"
        "document.body.appendChild(s)"
    )
    assert page.evaluate("window.injected") is None
    page.wait_for_timeout(300)
    assert any("script-src" in v for v in page.violations), page.violations


def test_filters_submit_on_change_without_inline_handlers(asgi_server, watched_page):
    """The service-request and delay-alert filters used onchange=; a static listener does it."""
    page, url = watched_page, asgi_server.url
    sign_in(page, url, "staff")
    page.goto(f"{url}/services/")
    with page.expect_navigation():
        page.locator("select[name=status]").select_option(index=1)
    assert "status=" in page.url
    page.goto(f"{url}/projects/alerts/")
    with page.expect_navigation():
        page.locator("input[name=mine]").check()
    assert "mine=1" in page.url
    assert page.violations == []


def test_print_page_draws_its_charts_under_its_own_policy(asgi_server, watched_page, tmp_path):
    """The PDF snapshot's page, opened from a file as Chromium prints it: its meta policy lets
    the inline ECharts and the drawing script run (their nonce), and nothing is blocked."""
    from parkpilot.cockpit.views import _context

    staff = User.objects.get(username="staff")
    context = _context(staff, staff.park)
    assert context["charts"], "the demo cockpit has no chart to print"
    html_file = tmp_path / "cockpit.html"
    html_file.write_text(exports.print_page(context), "utf-8")
    page = watched_page
    page.goto(html_file.as_uri())
    for i in range(len(context["charts"])):
        expect(page.locator(f"#chart-{i} svg")).to_have_count(1)
    assert page.violations == []
