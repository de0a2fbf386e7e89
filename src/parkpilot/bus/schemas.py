import datetime

from ninja import Schema


class LineOut(Schema):
    id: int
    gtfs_id: str
    short_name: str
    long_name: str
    kind: str
    bookable: bool
    is_demo: bool


class BookingIn(Schema):
    trip_id: int
    day: datetime.date
    rider_id: int | None = None  # an enterprise's administrator books for its staff


class BookingOut(Schema):
    id: int
    status: str
    code: str
    trip_id: int
    line: str
    day: datetime.date
    departs_at: datetime.datetime
    rider: str

    @staticmethod
    def resolve_trip_id(obj):
        return obj.departure.trip_id

    @staticmethod
    def resolve_line(obj):
        return obj.departure.trip.line.short_name

    @staticmethod
    def resolve_day(obj):
        return obj.departure.day

    @staticmethod
    def resolve_departs_at(obj):
        return obj.departure.departs_at

    @staticmethod
    def resolve_rider(obj):
        return obj.rider.username


class MetroArrivalOut(Schema):
    id: int
    station: str
    metro_line: str
    direction: int
    headsign: str
    arrival_s: int
    time: str
    is_demo: bool

    @staticmethod
    def resolve_station(obj):
        return obj.station.name

    @staticmethod
    def resolve_time(obj):
        return f"{obj.arrival_s // 3600:02d}:{obj.arrival_s % 3600 // 60:02d}"


class MetroDelayIn(Schema):
    """Types only: the service holds the bounds (0 to 180 minutes; a day the train runs)."""

    arrival_id: int
    day: datetime.date
    minutes: int


class MetroDelayOut(Schema):
    id: int
    arrival_id: int
    day: datetime.date
    minutes: int
    flagged: list[int]  # trips whose connection this entry broke (their riders were told)
    cleared: list[int]  # trips whose connection it restored
