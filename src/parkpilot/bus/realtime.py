"""GTFS-Realtime VehiclePositions from the buses' GPS fixes (gtfs-realtime-bindings' protobuf
classes): the latest fix of each bus reported within `FRESH`, with the trip it runs."""

import datetime

from django.utils import timezone
from google.transit import gtfs_realtime_pb2

from parkpilot.bus.models import VehiclePosition
from parkpilot.tenancy import access

FRESH = datetime.timedelta(minutes=5)


def vehicle_positions(*, user, now=None) -> bytes:
    now = now or timezone.now()
    feed = gtfs_realtime_pb2.FeedMessage()
    feed.header.gtfs_realtime_version = "2.0"
    feed.header.incrementality = gtfs_realtime_pb2.FeedHeader.FULL_DATASET
    feed.header.timestamp = int(now.timestamp())
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
    return feed.SerializeToString()
