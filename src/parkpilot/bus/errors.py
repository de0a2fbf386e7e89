"""The digital bus's refusal codes (FieldError.code)."""

from enum import StrEnum


class ErrorCode(StrEnum):
    NOT_RUNNING = "not_running"  # the trip does not run on that day
    NOT_BOOKABLE = "not_bookable"  # a line whose seats are not booked ahead
    DEPARTED = "departed"  # too late to book: the bus has left
    CANCEL_CLOSED = "cancel_closed"  # past the cancellation cut-off
    ALREADY_BOOKED = "already_booked"
    NOT_STAFF = "not_staff"  # an enterprise books only for its own staff
    CODE_UNKNOWN = "code_unknown"  # a boarding code not on this driver's departures
    NOT_BOARDING = "not_boarding"  # a booking that holds no seat (waitlisted, cancelled)
    GTFS = "gtfs"  # a GTFS feed that does not read
    OUTSIDE_ZONE = "outside_zone"  # a point on the map outside the demand-responsive zone
    TOO_LATE = "too_late"  # asked with less than the zone's prior notice
    DAY_PLANNED = "day_planned"  # the day's plan is accepted: no more requests, no replanning
    PLAN_CHANGED = "plan_changed"  # the requests changed while the plan was being made
