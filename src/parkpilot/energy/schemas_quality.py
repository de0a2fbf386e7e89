"""API shapes of counter cleaning: suspect decisions, staff overrides, quarantined points."""

from datetime import datetime

from ninja import Field, Schema


class SuspectOut(Schema):
    id: int
    point_id: int
    point_code: str = Field(alias="point.code")
    ts: datetime
    value: float
    base: float | None = Field(description="the counter's last good value before it")
    decision: str = Field(description="refused | replaced | forced | stuck | confirmed | accepted")
    reason: str = Field(description="spike | dip | zero | reset | frozen | staff")
    status: str = Field(description="auto | overridden")


class OverrideIn(Schema):
    action: str = Field(description="accept (a refused reading) | refuse (a counted one)")


class ReplacementIn(Schema):
    ts: datetime = Field(description="when the meter was replaced or reset (with UTC offset)")
    start_value: float = Field(description="the new counter's value at that time, meter units")
    note: str = ""


class ReplacementOut(Schema):
    point_id: int
    ts: datetime
    start_value: float
    note: str


class QuarantineOut(Schema):
    point_id: int
    point_code: str = Field(alias="point.code")
    reason: str
    since: datetime
    attempts: int
    retry_at: datetime
