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


class DrillTrendOut(Schema):
    label: str
    value: float
    year_ago: float | None = None
    period: str | None = None


class DrillRowOut(Schema):
    level: str
    id: int | None = None
    name: str
    value: float
    year_ago: float


class CrumbOut(Schema):
    level: str
    id: int
    name: str


class DrillOut(Schema):
    """One drill-down level: the kind's energy with its trend and breakdown, the four carbon
    indicators (energy_tce, co2_t, energy_intensity, carbon_intensity) of the period and the
    same period a year before, the year-on-year change, and for an enterprise its grade."""

    level: str
    id: int | None = None
    kind: str
    unit: str
    period: str
    year_ago_period: str
    industry: str
    total: float
    total_year_ago: float
    trend: list[DrillTrendOut]
    breakdown: list[DrillRowOut]
    crumbs: list[CrumbOut]
    indicators: dict | None = None
    indicators_year_ago: dict | None = None
    changes: dict
    state: dict | None = None
    indicators_error: str
    grade: dict | None = None
    grade_error: str
