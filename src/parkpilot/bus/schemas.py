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
