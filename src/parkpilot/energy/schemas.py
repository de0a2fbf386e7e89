from datetime import date, datetime

from ninja import Field, Schema

from parkpilot.energy.errors import MAX_READINGS_PER_REQUEST
from parkpilot.stored_text import shown


class PointOut(Schema):
    id: int
    code: str
    name: str
    owner_id: int | None
    zone_id: int | None
    building: str
    kind: str
    unit: str
    # "register" would shadow pydantic's own attribute; the API calls it register_type.
    register_type: str = Field(alias="register")
    multiplier: float
    rollover: float | None
    rated_max_per_h: float
    interval_s: int
    parent_id: int | None
    gateway_id: int | None
    enthalpy_gj_per_t: float | None
    commissioned_on: date | None
    steam_pressure_mpa: float | None
    steam_pressure_absolute: bool
    steam_temperature_c: float | None
    steam_feed_water_c: float | None
    active: bool
    is_demo: bool


class PointIn(Schema):
    code: str = Field(max_length=64)
    name: str = Field("", max_length=200)
    owner_id: int | None = None
    zone_id: int | None = None
    building: str = Field("", max_length=100)
    kind: str
    unit: str
    register_type: str = Field(description="cumulative | interval")
    multiplier: float = 1.0
    rollover: float | None = None
    rated_max_per_h: float = Field(description="rated maximum per hour (kW for electricity)")
    interval_s: int = 60
    parent_id: int | None = None
    gateway_id: int | None = None
    enthalpy_gj_per_t: float | None = None
    commissioned_on: date | None = Field(
        None, description="readings dated before this local day are refused"
    )
    # Steam: the condition the enthalpy is derived from (energy/steam.py, IAPWS-IF97).
    steam_pressure_mpa: float | None = Field(None, description="gauge unless absolute")
    steam_pressure_absolute: bool = False
    steam_temperature_c: float | None = Field(None, description="empty: saturated vapour")
    steam_feed_water_c: float | None = Field(None, description="empty: 20 °C")


class PointPatch(Schema):
    name: str | None = None
    owner_id: int | None = None
    zone_id: int | None = None
    building: str | None = None
    unit: str | None = None
    register_type: str | None = None
    multiplier: float | None = None
    rollover: float | None = None
    rated_max_per_h: float | None = None
    interval_s: int | None = None
    parent_id: int | None = None
    gateway_id: int | None = None
    enthalpy_gj_per_t: float | None = None
    commissioned_on: date | None = None
    # Steam: the condition the enthalpy is derived from (energy/steam.py, IAPWS-IF97).
    steam_pressure_mpa: float | None = Field(None, description="gauge unless absolute")
    steam_pressure_absolute: bool | None = None
    steam_temperature_c: float | None = Field(None, description="empty: saturated vapour")
    steam_feed_water_c: float | None = Field(None, description="empty: 20 °C")
    active: bool | None = None


class ReadingIn(Schema):
    point: str = Field(description="metering point code")
    ts: str = Field(description="ISO-8601 with UTC offset, e.g. 2026-03-01T10:00:00+08:00")
    value: float
    unit: str | None = Field(None, description="optional; must equal the point's unit")


# The body is read by hand (one reading or a list), so ReadingIn is no parameter ninja would
# register as a component: its schema is written inline, never as a $ref to nothing.
_READING = ReadingIn.model_json_schema()
READINGS_BODY = {
    "requestBody": {
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        _READING,
                        {
                            "type": "array",
                            "items": _READING,
                            "maxItems": MAX_READINGS_PER_REQUEST,
                        },
                    ]
                }
            }
        },
        "required": True,
    }
}


def _shown_reason(obj) -> str:
    """A stored reason (parkpilot.stored_text) in the request's language."""
    return shown(obj["reason"] if isinstance(obj, dict) else obj.reason)


class RejectionOut(Schema):
    index: int
    field: str
    reason: str
    resolve_reason = staticmethod(_shown_reason)


class IngestOut(Schema):
    accepted: int
    duplicates: int
    conflicts: int
    rejected: list[RejectionOut]


class DeadLetterOut(Schema):
    id: int
    received_at: datetime = Field(description="the first refusal this letter stands for")
    last_at: datetime | None = Field(description="the last one (repeats are counted, not filed)")
    count: int = Field(description="refusals with the same writer, point, field and reason")
    source: str
    point_code: str
    raw: str = Field(description="the first refusal's payload, at most 4,096 characters")
    raw_bytes: int = Field(description="the whole payload's size in bytes")
    raw_sha256: str
    truncated: bool
    field: str
    reason: str
    status: str
    resolve_reason = staticmethod(_shown_reason)


class DismissIn(Schema):
    note: str


class ConflictOut(Schema):
    id: int
    point_code: str = Field(alias="point.code")
    ts: datetime
    stored_value: float
    new_value: float
    received_at: datetime
    source: str
    resolved: bool


class ResolveIn(Schema):
    keep: str = Field(description="stored | new")


class RollupOut(Schema):
    bucket: datetime
    kind: str | None = None
    energy: float
    readings: int
    flagged_energy: float


class JobErrorOut(Schema):
    row: int
    field: str
    reason: str
    resolve_reason = staticmethod(_shown_reason)


class JobOut(Schema):
    """A background import (readings file, metering-point registry) or back-fill, with its
    progress: `done` of `total` rows (a point import counts them twice: phase check, then
    write)."""

    id: int
    kind: str
    status: str = Field(description="queued | running | done | failed")
    phase: str = Field(description="point imports: check | write")
    file_name: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    total: int
    done: int
    percent: int
    accepted: int
    duplicates: int
    conflicts: int
    rejected: int = Field(description="refused readings, or bad rows of a point import")
    created_points: int
    updated_points: int
    errors: list[JobErrorOut] = Field(description="the first refusals (capped; see rejected)")
    message: str

    @staticmethod
    def resolve_message(job) -> str:
        return shown(job.message) if job.kind != "backfill" else job.message


class QualityOut(Schema):
    completeness_today: float
    open_dead_letters: int
    open_conflicts: int
    open_gaps_today: int
    points: int
    as_of: datetime


class MoveIn(Schema):
    """A meter moves: from `effective_at` on it belongs to `enterprise_id` (null: the park's
    public loads) in `zone_id`; the periods before stay where they were."""

    enterprise_id: int | None = Field(description="null: the park's public loads")
    zone_id: int | None = None
    effective_at: datetime = Field(
        description="with a UTC offset, on a whole hour of park time, after the current "
        "assignment's start, not in the future"
    )
    reason: str = Field(max_length=300)


class AssignmentOut(Schema):
    id: int
    point_id: int
    enterprise_id: int | None
    zone_id: int | None
    valid_from: datetime
    valid_to: datetime | None
    reason: str


class MoveOut(AssignmentOut):
    closed_periods: list[str] = Field(
        description="closed periods the move reaches: their snapshots are unchanged and show "
        "the moved energy as arrived since closing until recomputed"
    )
