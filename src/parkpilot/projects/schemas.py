import datetime
from decimal import Decimal

from ninja import Field, Schema


class ProjectOut(Schema):
    id: int
    name: str
    investor: str
    zone_id: int | None
    zone_name: str | None = Field(None, alias="zone.name")
    enterprise_id: int | None
    industry: str
    land_parcel: str
    contact_id: int | None
    contact_name: str | None = Field(None, alias="contact.display_name")
    investment_100m_cny: Decimal | None
    completed_investment_100m_cny: Decimal
    land_ha: Decimal | None
    floor_area_10k_m2: Decimal | None
    capacity: str
    tags: list[str]
    current_stage: int
    current_stage_label: str = Field(alias="get_current_stage_display")
    land_to_start_days: int | None
    is_delayed: bool
    last_update_at: datetime.datetime | None
    signed_on: datetime.date | None
    started_on: datetime.date | None
    in_use_on: datetime.date | None
    demo_fields: list[str]


class ProjectIn(Schema):
    name: str = Field(max_length=200)
    investor: str = Field("", max_length=200)
    zone_id: int | None = None
    enterprise_id: int | None = None
    industry: str = Field("", max_length=100)
    land_parcel: str = Field("", max_length=100)
    contact_id: int | None = None
    investment_100m_cny: Decimal | None = None
    land_ha: Decimal | None = None
    floor_area_10k_m2: Decimal | None = None
    capacity: str = Field("", max_length=200)
    tags: list[str] = []


class ProjectPatch(Schema):
    name: str | None = Field(None, max_length=200)
    investor: str | None = Field(None, max_length=200)
    zone_id: int | None = None
    enterprise_id: int | None = None
    industry: str | None = Field(None, max_length=100)
    land_parcel: str | None = Field(None, max_length=100)
    contact_id: int | None = None
    investment_100m_cny: Decimal | None = None
    land_ha: Decimal | None = None
    floor_area_10k_m2: Decimal | None = None
    capacity: str | None = Field(None, max_length=200)
    tags: list[str] | None = None


class StageOut(Schema):
    stage: int
    label: str = Field(alias="get_stage_display")
    planned_on: datetime.date | None
    actual_on: datetime.date | None
    approving_body: str
    submitted_on: datetime.date | None
    approved_on: datetime.date | None
    approval_days: int | None
    note: str


class StagePatch(Schema):
    planned_on: datetime.date | None = None
    actual_on: datetime.date | None = None
    approving_body: str | None = Field(None, max_length=100)
    submitted_on: datetime.date | None = None
    approved_on: datetime.date | None = None
    note: str | None = Field(None, max_length=300)


class ProgressIn(Schema):
    text: str = Field(max_length=5000)
    stage: int | None = None


class ProgressOut(Schema):
    id: int
    at: datetime.datetime
    author: str = Field(alias="author.username")
    stage: int | None
    text: str


class InvestmentIn(Schema):
    month: str = Field(description="YYYY-MM", max_length=10)
    planned_100m_cny: Decimal | None = None
    actual_100m_cny: Decimal | None = None


class InvestmentOut(Schema):
    month: datetime.date
    planned_100m_cny: Decimal
    actual_100m_cny: Decimal | None


class AlertOut(Schema):
    """A delay alert, as parkpilot.alerts keeps it (`/api/v1/alerts` has the same rows)."""

    id: int
    project_id: int
    project_name: str = Field(alias="title", description="the project's name when raised")
    kind: str = Field(description="projects.stage_overdue, projects.investment_behind, "
                      "projects.no_update")  # fmt: skip
    kind_label: str
    stage: int | None
    detail: str
    level: int = Field(description="0: the contact person; 1: escalated to park leadership")
    status: str = Field(alias="state", description="open, acknowledged, escalated, closed")
    raised_at: datetime.datetime
    escalated_at: datetime.datetime | None
    acknowledged_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    close_reason: str

    @staticmethod
    def resolve_project_id(obj) -> int:
        return obj.figure["project_id"]

    @staticmethod
    def resolve_stage(obj) -> int | None:
        return obj.figure.get("stage")

    @staticmethod
    def resolve_level(obj) -> int:
        return 0 if obj.escalated_at is None else 1

    @staticmethod
    def resolve_kind_label(obj) -> str:
        from parkpilot.alerts.selectors import kind_label

        return kind_label(obj.kind)


class AlertCloseIn(Schema):
    reason: str = Field(max_length=300)


class DocumentOut(Schema):
    id: int
    stage: int | None
    title: str
    size: int
    uploaded_by: str = Field(alias="uploaded_by.username")
    uploaded_at: datetime.datetime
