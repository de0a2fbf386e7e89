"""Reads for the cockpit: which tiles a user gets and their figures. The cockpit holds no data of
its own; each tile reads through its app's selectors, scoped by the tenancy access layer."""

import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext

from parkpilot.cockpit import rules
from parkpilot.cockpit.tiles import RenderedTile, Tile, render_tile, tiles_for
from parkpilot.tenancy.errors import Forbidden, NotFound
from parkpilot.tenancy.selectors import park_of


def require_cockpit(user):
    """Park staff, admins and supervisors run the park from the cockpit; enterprise users,
    residents and gateways do not. The cockpit is a page, not an object, so the refusal is a
    403: there is nothing whose existence a 404 would hide. Returns the user's park."""
    if not rules.COCKPIT.allows(user):
        raise Forbidden(gettext("The cockpit is for park staff."))
    park = park_of(user)
    if park is None:
        raise NotFound
    return park


def cockpit_tiles(*, user, park, keys: set[str] | None = None) -> list[RenderedTile]:
    tiles: list[Tile] = tiles_for(user)
    if keys is not None:
        tiles = [t for t in tiles if t.key in keys]
    return [render_tile(t, user, park) for t in tiles]


def cockpit_tile(*, user, park, key: str) -> RenderedTile:
    found = cockpit_tiles(user=user, park=park, keys={key})
    if not found:
        raise NotFound
    return found[0]


def alerts(tiles: list[RenderedTile]) -> list[dict]:
    """The alert feed: tiles in warn/alert or error state, and the items tiles list as alerts."""
    feed = []
    for t in tiles:
        if t.error:
            feed.append({"text": t.title, "link": "", "status": "error", "tile": t.key})
            continue
        for item in t.data.extra.get("alerts", ()):
            feed.append({"status": "warn", "link": "", **item, "tile": t.key})
        if t.data.status in ("warn", "alert"):
            text = f"{t.title}: {t.data.value} {t.data.unit} · {t.data.caption}"
            feed.append({"text": text, "link": t.data.link, "status": t.data.status, "tile": t.key})
    order = {"alert": 0, "error": 1, "warn": 2}
    return sorted(feed, key=lambda a: order.get(a["status"], 3))


def jsonable(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def tile_payload(t: RenderedTile) -> dict:
    if t.error:
        return {"key": t.key, "title": t.title, "error": t.error}
    d = t.data
    return {
        "key": t.key,
        "title": t.title,
        "error": "",
        "value": jsonable(d.value),
        "unit": str(d.unit),
        "caption": str(d.caption),
        "link": d.link,
        "status": d.status,
        "chart": jsonable(d.chart),
        "table": jsonable(d.table),
        "lines": [str(line) for line in d.extra.get("lines", ())],
        "demo": d.demo,
        "as_of": d.as_of,
    }


def screen_payload(*, user, park, version: str = "") -> dict:
    """What the big screen shows, as one JSON-ready dict (the SSE event's data)."""
    tiles = cockpit_tiles(user=user, park=park)
    return {
        "version": version,
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
        "park": park.name,
        "tiles": [tile_payload(t) for t in tiles],
        "alerts": alerts(tiles),
    }
