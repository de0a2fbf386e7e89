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
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from parkpilot.plugins import Tile, TileData, collected, declared, visible_to

log = logging.getLogger(__name__)


@dataclass
class RenderedTile:
    key: str
    title: str
    data: TileData | None
    error: str = ""  # set when compute failed; data is None then
    drill: str = ""  # the drill-down page behind the tile's figure, where there is one


# Tiles whose figure is a drill-down level's: the park over today, this month, last month.
DRILL_PERIODS = {"energy.electricity_today": "day", "carbon.emissions": "month",
                 "carbon.grades": "previous_month"}  # fmt: skip


def drill_link(key: str, park) -> str:
    which = DRILL_PERIODS.get(key)
    if which is None:
        return ""
    today = timezone.localtime(timezone.now(), ZoneInfo(park.timezone)).date()
    if which == "day":
        text = f"{today:%Y-%m-%d}"
    elif which == "month":
        text = f"{today:%Y-%m}"
    else:
        text = f"{today.replace(day=1) - timedelta(days=1):%Y-%m}"
    return f"{reverse('cockpit:drill')}?period={text}"


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
        return RenderedTile(tile.key, str(tile.title), data, drill=drill_link(tile.key, park))
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
