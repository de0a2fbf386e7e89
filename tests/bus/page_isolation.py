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


def _demand_request(personas, ent_a):
    from parkpilot.bus import services_demand
    from parkpilot.bus.models import DemandZone

    bus.network(ent_a.park)
    zone = DemandZone.objects.get(park=ent_a.park)
    hub = bus.Stop.objects.get(park=ent_a.park, gtfs_id="S1")
    made = services_demand.demand_request_create(
        actor=personas["ent_a_user"], zone=zone, day=bus.DAY, time_s="10:00",
        pickup_stop=hub.pk, dropoff_lat="30.265", dropoff_lon="119.87", now=bus.BEFORE,
    )  # fmt: skip
    return {"request_id": made.pk}, made


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
    # A demand-responsive request is its rider's alone: not a colleague's administrator's, not
    # a neighbour's, not another park's.
    "bus:demand_cancel": PageCase(
        _demand_request,
        owner="ent_a_user",
        outsiders=("ent_a_admin", "ent_b_user", "resident", "other_park_admin"),
    ),
}
