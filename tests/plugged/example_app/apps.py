"""The smallest app that plugs in: listed in INSTALLED_APPS, it appears in the navigation, the
API, the URLs, the home page and the data cockpit without any shared file changed
(docs/adding-an-app.md walks through it)."""

from django.apps import AppConfig

from parkpilot.plugins import HomeCard, NavItem, PageSection, ReportSection, Tile
from parkpilot.tenancy.access import Rule
from parkpilot.tenancy.roles import Reach, RoleDef

# The app's own role: granted to a person beside their primary role (User.granted_roles).
HELPER = "example_helper"


class ExampleConfig(AppConfig):
    name = "example_app"
    label = "example"
    verbose_name = "Example"
    api_router = "example_app.api.router"
    urls = "example_app.urls"
    roles = (RoleDef(HELPER, "Example helper", Reach.PARK),)
    # Shown to whom the page's own rule (views.hello) lets in.
    nav_items = (NavItem("Example", "example:hello", order=99),)
    home_cards = (HomeCard("example.card", "example_app/_home.html", "example_app.selectors.card"),)
    # A line of its own on the park's carbon page, which knows nothing of it.
    page_sections = (
        PageSection("carbon.park", "example.carbon", "example_app/_carbon_section.html",
                    "example_app.selectors.carbon_section"),
    )  # fmt: skip
    # A section of its own in every enterprise's 碳体检报告 (PDF and XLSX), which carbon makes
    # without knowing it: its data goes into the issued version's content.
    report_sections = (
        ReportSection("example.report", "示例板块", "example_app.selectors.report_section",
                      "example_app/_report_section.html"),
    )  # fmt: skip
    event_handlers = {"services.request_confirmed": "example_app.selectors.on_request_confirmed"}
    cockpit_tiles = (
        Tile(
            "example.answer",
            "Example tile",
            "example_app.selectors.tile",
            order=99,
            rule=Rule(roles=frozenset({HELPER})),
        ),
    )
