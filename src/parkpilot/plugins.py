"""The app plug-in surface: what an app's AppConfig may declare, and the one place that collects it.

An app is one folder. It plugs in by being listed in INSTALLED_APPS; its AppConfig declares, all
optional (docs/adding-an-app.md walks through an example):

    api_router = "parkpilot.<app>.api.router"  a ninja Router, mounted at /api/v1/<api_prefix>/
    api_prefix = "<label>"                      default: the app's label; "" mounts at /api/v1/
    urls = "parkpilot.<app>.urls"               a URLconf with app_name, mounted at <url_prefix>/
    url_prefix = "<label>/"                     default: the label and a slash; "" for the root
    nav_items = (NavItem(...), ...)             entries of the shell's navigation (shown to whom
                                                the page's own access rule lets in)
    roles = (RoleDef(...), ...)                 the app's own roles (tenancy.roles), granted to
                                                people beside their primary role
    home_cards = (HomeCard(...), ...)           cards on the signed-in home page, per role
    cockpit_tiles = (Tile(...), ...)            tiles of the data cockpit and big screen
    cockpit_version = "dotted.path"             (park) -> str, changes when its tiles may change
    demo_loader = "dotted.path"                 (*, park, data, report) loads its demo rows
    public_routes = ("<app>:<url name>", ...)   routes open without signing in, by design
    resident_entries = (ResidentEntry(...), ...) the app's icons on the residents' front door
    resident_cards = (HomeCard(...), ...)       cards on the residents' home (山湖·青锋, /m/)
    my_items = "dotted.path"                    (user) -> [MyItem]: the person's open items
    alert_kinds = (AlertKind(...), ...)         the alerts it raises (parkpilot.alerts), with
                                                their label and escalation
    page_sections = (PageSection(...), ...)     sections it adds to another app's page (a line
                                                of commuting or offsets on the carbon pages)
    report_sections = (ReportSection(...), ...) sections it adds to the 碳体检报告 (PDF and XLSX):
                                                their data goes into the issued version's
                                                content, so its hash and files pin them
    events_emitted = ("<app>.<event>", ...)     events its services emit (parkpilot.events)
    event_handlers = {"<app>.<event>": "dotted"} how it reacts to other apps' events
    mqtt_topics = (MqttTopic(...), ...)         messages it takes through the one MQTT door
                                                (energy's worker): a gateway publishes them
                                                at parkpilot/<park>/<kind>/<its username>

Scheduled tasks are huey's periodic tasks in the app's own `tasks.py` (huey finds them). The
pieces every app may import (this module, events, workcalendar, tenancy's access rule,
pagination, uploads, spreadsheets) never import an app, so no app depends on another to plug in."""

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import AppConfig, apps
from django.urls import URLPattern, URLResolver, include, path, resolve, reverse
from django.utils.functional import Promise
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

# --- what an AppConfig declares -----------------------------------------------------------


@dataclass(frozen=True)
class MqttTopic:
    """Messages an app takes over MQTT, through energy's worker (the one MQTT door, with its
    broker logins, ACLs, acks and dead letters). A gateway of the park publishes them at
    `parkpilot/<park code>/<kind>/<its username>`; the broker's ACL lets it write only under its
    own name, so the topic names the writer. `handler` is called, inside the worker's
    transaction, as `handler(park_id=, gateway_id=, payload=bytes)` and returns how many items
    it stored; it raises `tenancy.errors.ValidationFailed` to refuse the message, which becomes
    a dead letter naming the field and the reason (the other messages go on)."""

    kind: str  # one path segment, e.g. "bus-positions"; "readings" is energy's own
    handler: str  # dotted path


@dataclass(frozen=True)
class NavItem:
    """An entry of the navigation. Who sees it is the rule of the page it opens
    (`tenancy.access.page`), so the two can never disagree."""

    label: str | Promise
    url_name: str
    order: int = 100


@dataclass(frozen=True)
class HomeCard:
    """A card on the home page: `context` is a dotted path to `(user, park) -> dict | None`
    (None: nothing to show this user), rendered with `template`."""

    key: str  # unique, e.g. "economy.chart"
    template: str
    context: str
    rule: Any = None  # a tenancy.access.Rule; None: every signed-in user of a park
    order: int = 100
    wide: bool = False  # spans the page's width instead of one column


@dataclass(frozen=True)
class AlertKind:
    """A kind of alert an app raises through parkpilot.alerts: its label, and whom it goes to
    when nobody acknowledges it in time."""

    code: str  # "<app>.<kind>", e.g. "carbon.budget_co2"
    label: str | Promise
    escalate_after_hours: int | None = None  # None: never escalated by the clock
    escalate_to: frozenset[str] = frozenset()  # roles of the park told on escalation


@dataclass(frozen=True)
class PageSection:
    """A section an app adds to a page another app owns. The host page names itself (`page`,
    e.g. "carbon.mine") and the context it offers (the park, the enterprise, the period); the
    section's `context` is a dotted path to `(user, **offered) -> dict | None` (None: nothing
    to show), rendered with `template` where the host includes its sections."""

    page: str
    key: str  # unique, e.g. "transit.commuting"
    template: str
    context: str
    rule: Any = None  # a tenancy.access.Rule; None: whoever may open the host page
    order: int = 100


@dataclass(frozen=True)
class ReportSection:
    """A section an app adds to the 碳体检报告 (carbon's report of one enterprise and period).

    A report is a document issued once and kept as issued, so a section differs from a
    PageSection: no user (the report is read as the park's system actor), and its data is
    part of the document. `context` is a dotted path to `(*, enterprise, per) -> dict | None`
    (`per` carbon's period: `.start`, `.end` aware datetimes, `.label`, `.level`; None: nothing
    to show for this enterprise and period). The dict is stored in the version's content, so
    it must be plain JSON, the same for the same data (the content hash covers it, and the
    files are made from it alone, in a worker without a database). Its keys the report reads:
      "columns": [str], "rows": [[...]]  the section's sheet in the XLSX (titled `title`);
      "figures": [{"key", "name", "unit", "value"}]  compared between two versions;
      "demo": str  names the section's demo input (added to the report's 演示数据 list);
    the rest is for `template`, an HTML fragment of the PDF rendered with the dict as
    `section`. `title` is the section's heading, in the report's language (Chinese). The data
    is read when a version is issued (a closed period's carbon figures come from its snapshot,
    a section's from the app as it is then; the version keeps what it was issued with). A context
    that fails fails the report (a batch retries it): an issued document never silently
    lacks a section."""

    key: str  # unique, e.g. "bus.commuting"
    title: str | Promise
    context: str
    template: str
    order: int = 100


@dataclass(frozen=True)
class ResidentEntry:
    """An icon on the residents' front door (山湖·青锋) that opens one of the app's pages."""

    label: str | Promise
    url_name: str
    icon: str  # a static file path of a square SVG icon, e.g. "residents/icons/items.svg"
    order: int = 100  # shown to whom the page's own rule lets in, as a NavItem


@dataclass(frozen=True)
class MyItem:
    """Something of the person's own that is under way: a request, a booking, a report."""

    title: str
    status: str  # the item's state in words, e.g. "处理中"
    link: str
    when: Any = None  # a date or datetime, shown as is
    source: str | Promise = ""  # which service it belongs to, e.g. "企业服务"


@dataclass(frozen=True)
class Tile:
    key: str  # unique, e.g. "projects.delayed"
    title: str | Promise
    compute: str  # dotted path: (user, park) -> TileData
    rule: Any = None  # a tenancy.access.Rule; None: everyone who may open the cockpit
    order: int = 100


@dataclass
class TileData:
    value: Any  # the headline number or text
    unit: str = ""
    caption: str = ""  # one line under the value, e.g. "同比 +8.5%"
    link: str = ""  # URL of the filtered list or detail page behind the tile
    status: str = "ok"  # ok | warn | alert
    chart: dict[str, Any] | None = None  # optional ECharts option fragment (series, axes)
    extra: dict[str, Any] = field(default_factory=dict)
    table: dict[str, Any] | None = None  # {"columns": [str], "rows": [[...]]}: exportable
    demo: bool = False  # figures invented for the demo park: shown with a 演示数据 badge
    as_of: str = ""  # the data's own time ("2022-08", "10:15"), shown as its freshness


# --- collecting the declarations ------------------------------------------------------------


def declared(attribute: str) -> Iterator[tuple[AppConfig, Any]]:
    """(app config, value) for every installed app that declares `attribute`, in
    INSTALLED_APPS order (so an app listed later never shadows an earlier one's URLs)."""
    for config in apps.get_app_configs():
        value = getattr(config, attribute, None)
        if value:
            yield config, value


def collected(attribute: str) -> list:
    """Every app's tuple of `attribute` (nav_items, home_cards, cockpit_tiles) as one list."""
    return [item for _config, items in declared(attribute) for item in items]


def mqtt_topics() -> dict[str, str]:
    """{kind: handler's dotted path} of every app's MqttTopic."""
    return {topic.kind: topic.handler for topic in collected("mqtt_topics")}


def api_routers() -> list[tuple[str, Any]]:
    """(mount prefix, Router) for each app with an API, e.g. ("/v1/energy", router)."""
    mounted = []
    for config, dotted in declared("api_router"):
        prefix = getattr(config, "api_prefix", config.label)
        mounted.append((f"/v1/{prefix}" if prefix else "/v1/", import_string(dotted)))
    return mounted


def url_patterns() -> list[URLPattern | URLResolver]:
    """One include() per app with pages, at its url_prefix."""
    return [
        path(getattr(config, "url_prefix", f"{config.label}/"), include(module))
        for config, module in declared("urls")
    ]


# Routes anyone may open without signing in, by design; every other page and API route refuses an
# anonymous caller (tests/tenancy/test_public_routes.py walks them all). An app adds its own, e.g.
# a transit feed or an Open311 endpoint, as `public_routes` on its AppConfig.
CORE_PUBLIC_ROUTES = (
    "login",
    "logout",
    "password_reset_confirm",  # the link is the credential: it works once, then expires
    "password_reset_complete",
    "api:health",
    "api:openapi-json",  # the API's schema and its docs page describe, they hold no park data
    "api:openapi-view",
    "api:api-root",  # answers 404
)


def public_routes() -> frozenset[str]:
    return frozenset(CORE_PUBLIC_ROUTES) | frozenset(collected("public_routes"))


def cards(attribute: str, *, user, park) -> list[dict]:
    """The cards of `attribute` ("home_cards", "resident_cards") this user may see, in order,
    with their context. A card whose context fails is logged and left out, as a failing cockpit
    tile is: one app must not take a page down."""
    shown = []
    for card in sorted(collected(attribute), key=lambda c: (c.order, c.key)):
        if not visible_to(user, card.rule):
            continue
        try:
            data = import_string(card.context)(user, park)
        except Exception:
            log.exception("%s %s failed", attribute, card.key)
            continue
        if data is not None:
            shown.append(
                {"key": card.key, "template": card.template, "wide": card.wide, "data": data}
            )
    return shown


def sections(page: str, *, user, **offered) -> list[dict]:
    """The sections other apps add to `page`, for this user, with their context; a failing one
    is logged and left out, as a failing card is."""
    shown = []
    declared_here = [s for s in collected("page_sections") if s.page == page]
    for section in sorted(declared_here, key=lambda s: (s.order, s.key)):
        if not visible_to(user, section.rule):
            continue
        try:
            data = import_string(section.context)(user, **offered)
        except Exception:
            log.exception("page section %s on %s failed", section.key, page)
            continue
        if data is not None:
            shown.append({"key": section.key, "template": section.template, "data": data})
    return shown


def report_sections(*, enterprise, per) -> list[dict]:
    """The sections apps add to this enterprise's 碳体检报告 for the period, in order, each as
    stored in the report's content: {"key", "title", "template", "data"}. Not caught: a
    section that cannot be made fails the report (see ReportSection)."""
    shown = []
    for section in sorted(collected("report_sections"), key=lambda s: (s.order, s.key)):
        data = import_string(section.context)(enterprise=enterprise, per=per)
        if data is not None:
            # As it will be stored and read back (tuples become lists; anything else refused).
            data = json.loads(json.dumps(data, allow_nan=False))
            shown.append(
                {"key": section.key, "title": str(section.title), "template": section.template,
                 "data": data}
            )  # fmt: skip
    return shown


def visible_to(user, rule) -> bool:
    """Whether a declared rule (tenancy.access.Rule, or None for anyone signed in) lets user in."""
    return rule is None or rule.allows(user)


def page_rule(url_name: str):
    """The access rule of the page behind a URL name (declared by `tenancy.access.page`)."""
    return getattr(resolve(reverse(url_name)).func, "access_rule", None)


def page_visible_to(user, url_name: str) -> bool:
    return visible_to(user, page_rule(url_name))
