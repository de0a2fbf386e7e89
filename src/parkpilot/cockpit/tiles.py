"""Cockpit tiles. An app adds tiles to the data cockpit by listing them on its AppConfig as
`cockpit_tiles = (Tile(...), ...)`; the cockpit collects them, so the cockpit's code never
imports another app's internals and a new app never edits the cockpit.

A tile's `compute` is a dotted path to a function `(user, park) -> TileData` that reads through
the app's own selectors (scoped by the tenancy access layer). A compute that raises is shown as
that tile's error state; the rest of the cockpit still renders.

Optional, for live updates on the big screen: `cockpit_version = "app.module.func"` on the
AppConfig, a function `(park) -> str` that is cheap (one small query) and changes whenever the
app's tile figures may have changed. The live stream polls it once a second per server process;
apps without one are refreshed every REFRESH_SECONDS (cockpit/stream.py).

TileData conventions beyond its fields, all optional:
  extra["lines"]:  a few short lines shown under the caption;
  extra["alerts"]: [{"text": str, "link": str, "status": "warn" | "alert"}], shown in the
                   cockpit's alert feed (a tile whose status is warn/alert is listed too)."""

import logging
from dataclasses import dataclass

from django.utils.module_loading import import_string

from parkpilot.plugins import Tile, TileData, collected, declared, visible_to

log = logging.getLogger(__name__)


@dataclass
class RenderedTile:
    key: str
    title: str
    data: TileData | None
    error: str = ""  # set when compute failed; data is None then


def registered_tiles() -> list[Tile]:
    return sorted(collected("cockpit_tiles"), key=lambda t: (t.order, t.key))


def tiles_for(user) -> list[Tile]:
    return [t for t in registered_tiles() if visible_to(user, t.rule)]


def compute_tile(tile: Tile, user, park) -> TileData:
    return import_string(tile.compute)(user, park)


def render_tile(tile: Tile, user, park) -> RenderedTile:
    """One tile, or its error state: a failing app must not take the cockpit down with it."""
    try:
        data = compute_tile(tile, user, park)
        if not isinstance(data, TileData):
            raise TypeError(f"{tile.compute} returned {type(data).__name__}, not TileData")
        return RenderedTile(tile.key, str(tile.title), data)
    except Exception as exc:
        log.exception("cockpit tile %s failed", tile.key)
        return RenderedTile(tile.key, str(tile.title), None, error=type(exc).__name__)


def version_hooks() -> list[str]:
    return [path for _config, path in declared("cockpit_version")]


def data_version(park) -> str:
    """All apps' data versions for one park, joined; a failing hook reads as "error" (and the
    stream falls back to its periodic refresh) rather than stopping the stream."""
    parts = []
    for path in version_hooks():
        try:
            parts.append(str(import_string(path)(park)))
        except Exception:
            log.exception("cockpit version hook %s failed", path)
            parts.append("error")
    return "|".join(parts)
