"""GTFS-Realtime feeds from the buses' GPS fixes (gtfs-realtime-bindings' protobuf classes):
VehiclePositions, the latest fix of each bus reported within `FRESH`, with the trip it runs;
TripUpdates, that trip's expected arrivals at the stops ahead (bus/eta.py)."""

from django.utils import timezone
from google.transit import gtfs_realtime_pb2

from parkpilot.bus import selectors_live
from parkpilot.bus.models import VehiclePosition
from parkpilot.bus.selectors_live import FRESH
from parkpilot.tenancy import access

SCHEDULED = gtfs_realtime_pb2.TripDescriptor.SCHEDULED
STOP_SCHEDULED = gtfs_realtime_pb2.TripUpdate.StopTimeUpdate.SCHEDULED


def _feed(now) -> gtfs_realtime_pb2.FeedMessage:
    feed = gtfs_realtime_pb2.FeedMessage()
    feed.header.gtfs_realtime_version = "2.0"
    feed.header.incrementality = gtfs_realtime_pb2.FeedHeader.FULL_DATASET
    feed.header.timestamp = int(now.timestamp())
    return feed


def trip_updates(*, user, now=None) -> bytes:
    now = now or timezone.now()
    feed = _feed(now)
    for fix, day, estimate in selectors_live.estimates(user=user, now=now):
        entity = feed.entity.add()
        entity.id = fix.trip.gtfs_id
        update = entity.trip_update
        update.trip.trip_id = fix.trip.gtfs_id
        update.trip.start_date = day.strftime("%Y%m%d")
        update.trip.schedule_relationship = SCHEDULED  # said, not left to the default
        update.vehicle.id = fix.vehicle.code
        update.timestamp = int(fix.at.timestamp())
        update.delay = estimate.delay_s
        for ahead in estimate.ahead:
            stop_update = update.stop_time_update.add()
            stop_update.stop_sequence = ahead.stop.sequence
            stop_update.stop_id = ahead.stop.stop_id
            stop_update.schedule_relationship = STOP_SCHEDULED
            stop_update.arrival.time = int(ahead.expected.timestamp())
            stop_update.departure.time = int(ahead.expected_departure.timestamp())
    return feed.SerializeToString()


def vehicle_positions(*, user, now=None) -> bytes:
    now = now or timezone.now()
    feed = _feed(now)
    latest = {}
    fixes = (
        access.scoped(user, VehiclePosition)
        .filter(at__gte=now - FRESH, at__lte=now)
        .select_related("vehicle", "trip")
        .order_by("vehicle_id", "-at")
    )
    for fix in fixes:
        latest.setdefault(fix.vehicle_id, fix)
    for fix in latest.values():
        entity = feed.entity.add()
        entity.id = fix.vehicle.code
        position = entity.vehicle
        position.vehicle.id = fix.vehicle.code
        if fix.vehicle.plate.isascii():
            position.vehicle.license_plate = fix.vehicle.plate
        position.position.latitude = float(fix.lat)
        position.position.longitude = float(fix.lon)
        position.timestamp = int(fix.at.timestamp())
        if fix.trip is not None:
            position.trip.trip_id = fix.trip.gtfs_id
            position.trip.start_date = timezone.localtime(fix.at).strftime("%Y%m%d")
            position.trip.schedule_relationship = SCHEDULED
    return feed.SerializeToString()
