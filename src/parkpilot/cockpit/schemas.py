from typing import Any

from ninja import Schema


class TileOut(Schema):
    key: str
    title: str
    error: str
    value: Any = None
    unit: str = ""
    caption: str = ""
    link: str = ""
    status: str = ""
    chart: dict | None = None
    table: dict | None = None
    lines: list[str] = []
    demo: bool = False
    as_of: str = ""


class AlertOut(Schema):
    text: str
    link: str
    status: str
    tile: str


class CockpitOut(Schema):
    version: str
    generated_at: str
    park: str
    tiles: list[TileOut]
    alerts: list[AlertOut]
