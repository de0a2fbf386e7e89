"""The digital bus's API at /api/v1/bus/: the lines, and one's bookings (an enterprise's
administrator: its staff's; the park and dispatchers: all)."""

from ninja import Router
from ninja.pagination import paginate

from parkpilot.bus import selectors, services
from parkpilot.bus.schemas import BookingIn, BookingOut, LineOut
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
