"""Digital bus page routes that name an object (tests/tenancy/test_page_isolation.py)."""

from helpers import PageCase, isolation_module

bus = isolation_module("bus")


def _trip(personas, ent_a):
    trip = bus.network(ent_a.park)
    return {"trip_id": trip.pk}, trip


def _stop(personas, ent_a):
    stop = bus.network(ent_a.park).stop_times.first().stop
    return {"stop_id": stop.pk}, stop


def _booking(personas, ent_a):
    booking = bus.booked(personas, ent_a)
    return {"booking_id": booking.pk}, booking


PAGE_CASES = {
    # The timetable is the park's: any of its people may book; another park cannot see it.
    "bus:book": PageCase(_trip, owner="resident", outsiders=("other_park_admin",)),
    # A stop's expected arrivals are the park's: another park gets 404.
    "bus:stop": PageCase(_stop, owner="resident", outsiders=("other_park_admin",)),
    # A ride is its rider's (and their enterprise administrator's): not a colleague's, not a
    # neighbour's, not another park's.
    "bus:cancel": PageCase(
        _booking, owner="ent_a_user", outsiders=("ent_b_user", "resident", "other_park_admin")
    ),
}
