from datetime import date
from typing import Any

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict


class FactorIn(Schema):
    carrier: str
    quantity: str
    region: str
    year: int
    value: float | str
    unit: str
    document: str
    effective_from: date
    purpose: str = "default"
    note: str = ""


class FactorOut(Schema):
    id: int
    carrier: str
    quantity: str
    purpose: str
    region: str
    year: int
    value: float
    unit: str
    document: str
    effective_from: date
    note: str
    version: int
    superseded: bool
    is_demo: bool


class SettingsIn(Schema):
    year: int
    grade_bounds: list[float] | None = None
    level_bounds: list[float] | None = None
    tou_hours: dict[str, list[int]] | None = None
    document: str = ""


class SettingsOut(Schema):
    year: int
    grade_bounds: list[float]
    level_bounds: list[float]
    tou_hours: dict
    document: str
    is_demo: bool


class IndustryAverageIn(Schema):
    industry_code: str
    year: int
    intensity: float | str
    document: str = ""


class IndustryAverageOut(Schema):
    industry_code: str
    year: int
    intensity: float
    document: str
    is_demo: bool


class PeriodIn(Schema):
    level: str = "1mo"
    period: str
    reason: str = ""  # closing early, or why a closed period is recomputed


class BudgetIn(Schema):
    year: int
    energy_tce: float | str
    co2_t: float | str
    enterprise_id: int | None = None


class AlertOut(Schema):
    id: int
    enterprise_id: int | None
    kind: str
    period: str
    message: str
    figure: dict
    created_at: str
    acknowledged_at: str | None
    escalated_at: str | None


class ReportIn(Schema):
    enterprise_id: int
    year: int
    month: int = 0
    reason: str = Field("", max_length=300, description="why a new version is issued")


class ReportOut(Schema):
    id: int
    number: str
    version: int
    enterprise_id: int
    enterprise_name: str
    period: str
    generated_at: str
    pdf_url: str
    xlsx_url: str
    versions_url: str


class ReportVersionOut(Schema):
    version: int
    issued_at: str
    issued_by: str
    reason: str
    is_demo: bool
    content_sha256: str
    pdf_sha256: str
    xlsx_sha256: str
    factors: list
    completeness: dict
    difference: list
    pdf_url: str
    xlsx_url: str


class BatchIn(Schema):
    year: int
    month: int = 0


class BatchOut(Schema):
    id: int
    year: int
    month: int
    total: int
    done: int
    failed: int
    status: str
    reason: str
    errors: list


class GreenPowerIn(Schema):
    enterprise_id: int
    kind: str  # green_trade | certificate
    quantity_mwh: float | str
    period_start: str
    period_end: str
    seller: str
    certificates: list[str] | str = []
    reference: str = ""


class GreenPowerOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str
    kind: str
    quantity_mwh: float
    period_start: str
    period_end: str
    seller: str
    reference: str
    certificates: list[str]
    is_demo: bool


# --- accounts, indicators, grades, budgets, scope 2 (what the read operations answer) ---------
# The figures of an account are a stored document (CarbonAccount.figures: energy by carrier,
# electricity balance, sources with their factors): typed as a JSON object so a snapshot closed
# under an older layout still reads back unchanged. Rows whose keys follow the grading settings
# keep any further key (Open) instead of dropping it.

Json = dict[str, Any]


class Open(BaseModel):
    """A row that keeps keys beyond its declared fields (a plain pydantic model: ninja's Schema
    reads attributes and would drop them)."""

    model_config = ConfigDict(extra="allow")


class PeriodStateOut(Open):
    period: str
    level: str
    status: str = Field(description="closed, running, open (ended, not closed) or future")
    partial: bool
    closed: Json | None = Field(None, description="the closing's version, rule and reason")
    through: str | None = None


class SinceClosingOut(Schema):
    """What the rollups hold now for a closed period against its snapshot (never folded in)."""

    readings: int
    tce: float
    co2_t: float
    live_tce: float
    live_co2_t: float
    energy: dict[str, float]
    changed: bool


class AccountOut(Schema):
    scope: str
    scope_id: int
    period: str
    level: str
    state: PeriodStateOut
    stored: bool = Field(description="true: the closed period's snapshot; false: computed live")
    version: int | None
    computed_at: str | None
    figures: Json
    factor_ids: list[int]
    since_closing: SinceClosingOut | None = None


class FactorRowOut(Schema):
    id: int
    carrier: str
    quantity: str
    region: str
    year: int
    value: float
    unit: str
    document: str
    effective_from: str
    version: int
    superseded: bool


class DrilldownOut(AccountOut):
    points: list[Json] = Field(description="one row per metering point behind the figure")
    factor_rows: list[FactorRowOut]


class ClosingOut(Schema):
    version: int
    closed_at: str | None
    rule: str
    reason: str
    completeness: Json = Field(description="points, expected, received, rate, through, threshold")
    incomplete_points: list[Json] = Field(description="code, expected, received, rate")
    quarantined_points: list[Json]
    period: str
    level: str
    current: bool
    closed_by: str | None
    factor_ids: list[int]
    difference: Any = Field(description="version n+1: per scope and grade, against version n")


class ClosedOut(ClosingOut):
    stored: int = Field(description="accounts stored in the snapshot")


class RecomputedOut(Schema):
    version: int
    previous_version: int
    changes: list[Json]
    grades: list[Json]


class IndicatorsOut(Schema):
    enterprise_id: int
    period: str
    level: str
    state: PeriodStateOut
    indicators: Json = Field(description="energy_tce, co2_t, intensities and their basis")
    month_on_month: Json
    year_on_year: Json
    grade: Json | None
    peers: list[Json] | None
    grade_error: str | None


class GradeRowOut(Open):
    enterprise_id: int
    name: str
    grade: int | None = None
    level: str | None = None
    carbon_intensity: float | None = None
    energy_tce: float | None = None
    co2_t: float | None = None


class ProjectionOut(Schema):
    used: float
    projected: float
    budget: float
    used_share: float | None
    projected_share: float | None
    over: bool


class BudgetStatusOut(Schema):
    id: int
    enterprise_id: int | None
    name: str
    year: int
    through: str
    energy: ProjectionOut
    co2: ProjectionOut
    is_demo: bool
    snapshot: int | None


class BudgetOut(Schema):
    id: int
    year: int
    enterprise_id: int | None
    energy_tce: float
    co2_t: float


class Scope2Out(Open):
    enterprise_id: int
    period: str
    level: str
    stored: bool
    grid_kwh: float
    green_kwh_available: float
    green_kwh_applied: float
    green_kwh_unused: float
    location_scope2_co2_t: float
    market_scope2_co2_t: float
    location_electricity_co2_t: float
    market_electricity_co2_t: float
    deducted_co2_t: float
    location_total_co2_t: float
    market_total_co2_t: float
    electricity_factor: Json
    residual_note: str
    purchases: list[Json]
    green_kwh_since_closing: float | None = None
