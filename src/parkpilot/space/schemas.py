import datetime
from decimal import Decimal

from ninja import Schema


class StepOut(Schema):
    status: str
    on: datetime.date
    document: str


class ParcelOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    use: str
    area_m2: Decimal
    planned_far: Decimal | None
    status: str
    zone_id: int | None
    enterprise_id: int | None
    project_id: int | None
    demo: bool
    steps: list[StepOut]

    @staticmethod
    def resolve_steps(obj):
        return list(obj.steps.all())


class BuildingOut(Schema):
    id: int
    name: str
    parcel_id: int
    demo: bool


class FloorOccupancyOut(Schema):
    number: int
    units: int
    let_units: int
    leasable_m2: Decimal
    let_m2: Decimal
    occupancy_pct: Decimal | None


class OccupancyOut(Schema):
    day: datetime.date
    units: int
    let_units: int
    leasable_m2: Decimal
    let_m2: Decimal
    vacant_m2: Decimal
    occupancy_pct: Decimal | None
    vacancy_pct: Decimal | None
    floors: list[FloorOccupancyOut]


class MovesUpOut(Schema):
    target: str | None
    needed: Decimal | None
    indicators: dict[str, Decimal | None]


class MujunOut(Schema):
    enterprise_id: int
    name: str
    rank: int
    of: int
    score: Decimal
    mujun_class: str  # A, B, C or D
    values: dict[str, Decimal | None]
    moves_up: MovesUpOut

    @staticmethod
    def resolve_mujun_class(obj):
        return obj["class"]


class IncubationSpaceOut(Schema):
    id: int
    name: str
    stage: str
    zone_id: int | None
    location: str
    area_m2: Decimal
    capacity: int
    occupied: int  # enterprises in it now
    operator_id: int | None
    demo: bool


class LadderStepOut(Schema):
    id: int
    enterprise_id: int
    space_id: int
    stage: str
    entered_on: datetime.date
    left_on: datetime.date | None
    outcome: str


class LadderMoveIn(Schema):
    """An enterprise moves up into a space of the rung above (types only: the service holds
    the rules and names the field it refuses)."""

    enterprise_id: int
    space_id: int
    on: datetime.date


# --- writes: types only; the services hold the bounds and name the field they refuse ---------


class ParcelIn(Schema):
    code: str
    name: str
    kind: str
    use: str
    area_m2: Decimal
    planned_far: Decimal | None = None
    zone_id: int | None = None
    enterprise_id: int | None = None
    project_id: int | None = None


class StepIn(Schema):
    status: str
    on: datetime.date
    document: str = ""


class OutlineIn(Schema):
    outline: dict  # a GeoJSON geometry, Feature or one-feature FeatureCollection
    datum: str = "wgs84"  # or "gcj02"


class LeaseIn(Schema):
    unit_id: int
    enterprise_id: int
    start: datetime.date
    end: datetime.date | None = None


class LeaseEndIn(Schema):
    end: datetime.date


class LeaseOut(Schema):
    id: int
    unit_id: int
    enterprise_id: int
    start: datetime.date
    end: datetime.date | None
