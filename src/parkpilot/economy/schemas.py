from datetime import datetime
from decimal import Decimal

from ninja import Field, Schema


class IndicatorOut(Schema):
    code: str
    name: str
    name_en: str
    value_100m_cny: Decimal = Field(description="亿元, 1 decimal")
    value_10k_cny: Decimal = Field(description="exact sum, 万元")
    growth_pct: Decimal | None = Field(
        description="year on year on a comparable basis (同口径), 1 decimal"
    )
    share_pct: Decimal | None = Field(description="share of 规上工业增加值, 1 decimal")
    enterprises: int = Field(description="enterprises reporting in the period")
    comparable: int = Field(description="enterprises reporting in both periods")


class IndicatorsOut(Schema):
    year: int
    month: int
    mode: str
    label: str
    indicators: list[IndicatorOut]


class MonthlyOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str = Field(alias="enterprise.name")
    year: int
    month: int
    output_value: Decimal | None
    value_added: Decimal | None
    revenue: Decimal | None
    tax: Decimal | None
    employees: int | None
    rnd_spending: Decimal | None
    energy_tce: Decimal | None
    source: str
    is_demo: bool
    updated_at: datetime


class MonthlyIn(Schema):
    enterprise_id: int
    # Types only: services.monthly_save holds the bounds, so the page and the API refuse alike.
    year: int
    month: int
    output_value: Decimal | None = Field(None, description="工业总产值, 万元")
    value_added: Decimal | None = Field(None, description="工业增加值, 万元")
    revenue: Decimal | None = Field(None, description="营业收入, 万元")
    tax: Decimal | None = Field(None, description="税收, 万元")
    employees: int | None = Field(None, description="从业人员, 人")
    rnd_spending: Decimal | None = Field(None, description="研发费用, 万元")
    energy_tce: Decimal | None = Field(None, description="综合能耗, 吨标准煤")


class ImportOut(Schema):
    id: int
    file_name: str
    sha256: str
    sheets: list[str]
    rows: int
    created_at: datetime


class CellErrorOut(Schema):
    sheet: str
    row: int | None
    column: str | None
    reason: str
    code: str


class ImportErrorsOut(Schema):
    detail: list[CellErrorOut]


class ProfileIn(Schema):
    high_tech: bool = Field(description="counts toward 高新技术产业增加值")
    high_end_equipment: bool = Field(description="counts toward 高端装备制造业增加值")


class ProfileOut(Schema):
    enterprise_id: int
    high_tech: bool
    high_end_equipment: bool
    is_demo: bool
