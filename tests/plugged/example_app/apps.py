"""The smallest app that plugs in: listed in INSTALLED_APPS, it appears in the navigation, the
API, the URLs, the home page and the data cockpit without any shared file changed
(docs/adding-an-app.md walks through it)."""

from django.apps import AppConfig

from parkpilot.plugins import HomeCard, NavItem, Tile
from parkpilot.tenancy.roles import PARK_ROLES


class ExampleConfig(AppConfig):
    name = "example_app"
    label = "example"
    verbose_name = "Example"
    api_router = "example_app.api.router"
    urls = "example_app.urls"
    nav_items = (NavItem("Example", "example:hello", PARK_ROLES, order=99),)
    home_cards = (HomeCard("example.card", "example_app/_home.html", "example_app.selectors.card"),)
    event_handlers = {"services.request_confirmed": "example_app.selectors.on_request_confirmed"}
    cockpit_tiles = (
        Tile("example.answer", "Example tile", "example_app.selectors.tile", order=99),
    )
