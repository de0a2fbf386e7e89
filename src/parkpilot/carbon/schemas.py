from datetime import date

from ninja import Field, Schema


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
