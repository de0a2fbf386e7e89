"""Tile computes used by the cockpit tests (importable by dotted path)."""

from parkpilot.plugins import TileData


def broken_tile(user, park):
    raise RuntimeError("the meter database is down")


def fine_tile(user, park):
    return TileData(value=7, unit="个", caption="ok", table={"columns": ["a"], "rows": [[1]]})
