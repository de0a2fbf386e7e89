"""Cockpit tiles. An app adds tiles to the data cockpit by listing them on its AppConfig as
`cockpit_tiles = (Tile(...), ...)`; the cockpit collects them, so the cockpit's code never
imports another app's internals and a new app never edits the cockpit.

A tile's `compute` is a dotted path to a function `(user, park) -> TileData` that reads through
the app's own selectors (scoped by the tenancy access layer)."""

from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.utils.functional import Promise
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Tile:
    key: str  # unique, e.g. "projects.delayed"
    title: str | Promise
    compute: str  # dotted path: (user, park) -> TileData
    roles: frozenset[str] | None = None  # None: every role that may open the cockpit
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


def registered_tiles() -> list[Tile]:
    tiles: list[Tile] = []
    for config in apps.get_app_configs():
        tiles.extend(getattr(config, "cockpit_tiles", ()))
    return sorted(tiles, key=lambda t: (t.order, t.key))


def tiles_for(user) -> list[Tile]:
    return [
        t
        for t in registered_tiles()
        if user.is_superuser or t.roles is None or user.role in t.roles
    ]


def compute_tile(tile: Tile, user, park) -> TileData:
    return import_string(tile.compute)(user, park)
