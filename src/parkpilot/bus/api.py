"""The digital bus's API at /api/v1/bus/: the lines, and one's bookings (an enterprise's
administrator: its staff's; the park and dispatchers: all); the metro timetable and a feed's
train delays (the park's staff and dispatchers)."""

from ninja import Router
from ninja.pagination import paginate

from parkpilot.bus import selectors, services, services_metro
from parkpilot.bus.schemas import (
    BookingIn,
    BookingOut,
    LineOut,
    MetroArrivalOut,
    MetroDelayIn,
    MetroDelayOut,
)
from parkpilot.pagination import LimitOffsetPagination

router = Router(tags=["bus"])


@router.get("/lines", response=list[LineOut])
def line_list(request):
    return list(selectors.lines(user=request.auth))


@router.get("/bookings", response=list[BookingOut])
@paginate(LimitOffsetPagination)
def booking_list(request, everyone: bool = False):
    """One's own bookings; with `everyone`, all one may read (staff's, the park's)."""
    return selectors.bookings_for_api(user=request.auth, everyone=everyone)


@router.post("/bookings", response={201: BookingOut})
def booking_create(request, data: BookingIn):
    trip = selectors.trip_get(user=request.auth, trip_id=data.trip_id)
    rider = (
        selectors.staff_member(user=request.auth, rider_id=data.rider_id)
        if data.rider_id and data.rider_id != request.auth.pk
        else None
    )
    return 201, services.booking_create(actor=request.auth, trip=trip, day=data.day, rider=rider)


@router.post("/bookings/{booking_id}/cancel", response=BookingOut)
def booking_cancel(request, booking_id: int):
    booking = selectors.my_booking(user=request.auth, booking_id=booking_id)
    return services.booking_cancel(actor=request.auth, booking=booking)


@router.get("/metro/arrivals", response=list[MetroArrivalOut])
def metro_arrival_list(request):
    """The metro trains arriving at the park's stations, by the timetable."""
    return list(selectors.metro_arrivals(user=request.auth))


@router.post("/metro/delays", response={201: MetroDelayOut})
def metro_delay_create(request, data: MetroDelayIn):
    """A train's delay on a day (again for the same train and day: replaced); the trips whose
    connection breaks are flagged and their riders told once."""
    arrival = selectors.metro_arrival_get(user=request.auth, arrival_id=data.arrival_id)
    delay = services_metro.metro_delay_record(
        actor=request.auth, arrival=arrival, day=data.day, minutes=data.minutes, via="api"
    )
    return 201, delay
