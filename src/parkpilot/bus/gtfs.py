"""The network as a GTFS feed: export (`feed_export`) and import (`feed_import`), so that
importing an export gives the same network (tests/bus/test_gtfs.py).

Beside static GTFS the feed carries one GTFS-Flex demand-responsive zone per `DemandZone`:
the zone's polygon in locations.geojson, its booking rule in booking_rules.txt, and one trip
whose two stop times name the zone (`location_id`) with a pick-up/drop-off window.

Service calendars run on the Chinese working calendar, which no weekday pattern can say:
calendar.txt carries the pattern (Monday to Friday for working days) and calendar_dates.txt
every holiday that falls on a weekday (removed) and every make-up weekend day (added).

Two columns the GTFS reference does not have (`pp_kind`, `pp_bookable` in routes.txt,
`pp_kind` in stops.txt) keep what the platform knows beyond GTFS; validators list them as
unknown columns (a notice, not an error) and other consumers ignore them."""

import csv
import datetime
import io
import json
import zipfile
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from parkpilot import workcalendar
from parkpilot.bus.errors import ErrorCode
from parkpilot.bus.models import (
    Agency,
    DayRule,
    DemandZone,
    Line,
    LineKind,
    ServiceCalendar,
    Stop,
    StopTime,
    Trip,
)
from parkpilot.tenancy import access
from parkpilot.tenancy.audit import audit_record
from parkpilot.tenancy.errors import ValidationFailed

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
PATTERNS = {
    DayRule.WORKING_DAYS: (1, 1, 1, 1, 1, 0, 0),
    DayRule.REST_DAYS: (0, 0, 0, 0, 0, 1, 1),
    DayRule.EVERY_DAY: (1, 1, 1, 1, 1, 1, 1),
}
BUS = 3  # GTFS route_type


def gtfs_time(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def parse_time(text: str) -> int:
    h, m, s = (int(part) for part in text.strip().split(":"))
    return h * 3600 + m * 60 + s


def _ymd(day: datetime.date) -> str:
    return day.strftime("%Y%m%d")


def _ascii(value: str, where: str) -> str:
    if not value.isascii():
        raise ValidationFailed.single(where, _("GTFS ids must be ASCII"), ErrorCode.GTFS)
    return value


def exceptions(service: ServiceCalendar) -> list[tuple[str, int]]:
    """calendar_dates rows (date, 1 added / 2 removed) where the working calendar departs from
    the weekday pattern."""
    if service.rule == DayRule.EVERY_DAY:
        return []
    pattern = PATTERNS[service.rule]
    rows = []
    day = service.start_date
    while day <= service.end_date:
        by_pattern = bool(pattern[day.weekday()])
        working = workcalendar.is_working_day(day)
        runs = working if service.rule == DayRule.WORKING_DAYS else not working
        if runs != by_pattern:
            rows.append((_ymd(day), 1 if runs else 2))
        day += datetime.timedelta(days=1)
    return rows


# --- export -----------------------------------------------------------------------------------


def _csv(rows: list[dict], columns: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="raise")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def feed_files(*, user) -> dict[str, bytes]:
    """The park's network as GTFS files (name -> content), as the user may read it."""
    agencies = access.scoped(user, Agency).order_by("gtfs_id")
    stops = access.scoped(user, Stop).order_by("gtfs_id")
    lines = access.scoped(user, Line).select_related("agency").order_by("gtfs_id")
    services = access.scoped(user, ServiceCalendar).order_by("gtfs_id")
    trips = (
        access.scoped(user, Trip)
        .filter(demand_day__isnull=True)  # an accepted day's runs: the zone's Flex trip says it
        .select_related("line", "service")
        .order_by("gtfs_id")
    )
    zones = access.scoped(user, DemandZone).select_related("line", "service").order_by("gtfs_id")
    files = {
        "agency.txt": _csv(
            [
                {
                    "agency_id": _ascii(a.gtfs_id, "agency_id"),
                    "agency_name": a.name,
                    "agency_url": a.url,
                    "agency_timezone": a.timezone,
                    "agency_lang": "zh",
                    "agency_phone": a.phone,
                }
                for a in agencies
            ],
            [
                "agency_id",
                "agency_name",
                "agency_url",
                "agency_timezone",
                "agency_lang",
                "agency_phone",
            ],
        ),
        "stops.txt": _csv(
            [
                {
                    "stop_id": _ascii(s.gtfs_id, "stop_id"),
                    "stop_name": s.name,
                    "stop_lat": f"{s.lat:.6f}",
                    "stop_lon": f"{s.lon:.6f}",
                    "location_type": 0,
                    "pp_kind": s.kind,
                }
                for s in stops
            ],
            ["stop_id", "stop_name", "stop_lat", "stop_lon", "location_type", "pp_kind"],
        ),
        "routes.txt": _csv(
            [
                {
                    "route_id": _ascii(r.gtfs_id, "route_id"),
                    "agency_id": r.agency.gtfs_id,
                    "route_short_name": r.short_name,
                    "route_long_name": r.long_name,
                    "route_type": BUS,
                    "route_color": r.color,
                    "route_text_color": "FFFFFF",
                    "pp_kind": r.kind,
                    "pp_bookable": int(r.bookable),
                }
                for r in lines
            ],
            [
                "route_id",
                "agency_id",
                "route_short_name",
                "route_long_name",
                "route_type",
                "route_color",
                "route_text_color",
                "pp_kind",
                "pp_bookable",
            ],
        ),
    }
    trip_rows = [
        {
            "route_id": t.line.gtfs_id,
            "service_id": t.service.gtfs_id,
            "trip_id": _ascii(t.gtfs_id, "trip_id"),
            "trip_headsign": t.headsign,
            "direction_id": t.direction,
        }
        for t in trips
    ]
    stop_time_columns = [
        "trip_id", "arrival_time", "departure_time", "stop_id", "location_id", "stop_sequence",
        "start_pickup_drop_off_window", "end_pickup_drop_off_window", "pickup_type",
        "drop_off_type", "pickup_booking_rule_id", "drop_off_booking_rule_id", "timepoint",
    ]  # fmt: skip
    blank = dict.fromkeys(stop_time_columns, "")
    stop_times = [
        blank
        | {
            "trip_id": st.trip.gtfs_id,
            "arrival_time": gtfs_time(st.arrival_s),
            "departure_time": gtfs_time(st.departure_s),
            "stop_id": st.stop.gtfs_id,
            "stop_sequence": st.sequence,
            "pickup_type": 0,
            "drop_off_type": 0,
            "timepoint": 1,
        }
        for st in access.scoped(user, StopTime)
        .select_related("trip", "stop")
        .order_by("trip__gtfs_id", "sequence")
    ]
    booking_rules = []
    features = []
    for zone in zones:
        trip_id = _ascii(f"{zone.gtfs_id}_trip", "trip_id")
        rule_id = f"{zone.gtfs_id}_booking"
        trip_rows.append(
            {
                "route_id": zone.line.gtfs_id,
                "service_id": zone.service.gtfs_id,
                "trip_id": trip_id,
                "trip_headsign": zone.name,
                "direction_id": 0,
            }
        )
        window = {
            "start_pickup_drop_off_window": gtfs_time(zone.window_start_s),
            "end_pickup_drop_off_window": gtfs_time(zone.window_end_s),
            "pickup_booking_rule_id": rule_id,
            "drop_off_booking_rule_id": rule_id,
        }
        # Picked up anywhere in the zone (on request), set down anywhere in it.
        stop_times.append(
            blank
            | window
            | {"trip_id": trip_id, "location_id": zone.gtfs_id, "stop_sequence": 1}
            | {"pickup_type": 2, "drop_off_type": 1}
        )
        stop_times.append(
            blank
            | window
            | {"trip_id": trip_id, "location_id": zone.gtfs_id, "stop_sequence": 2}
            | {"pickup_type": 1, "drop_off_type": 2}
        )
        booking_rules.append(
            {
                "booking_rule_id": rule_id,
                "booking_type": 1,  # up to same-day booking with advance notice
                "prior_notice_duration_min": zone.prior_notice_min,
                "message": zone.message,
                "phone_number": zone.phone,
            }
        )
        features.append(
            {
                "type": "Feature",
                "id": _ascii(zone.gtfs_id, "location_id"),
                "geometry": zone.outline,
                "properties": {"stop_name": zone.name},
            }
        )
    files["trips.txt"] = _csv(
        trip_rows, ["route_id", "service_id", "trip_id", "trip_headsign", "direction_id"]
    )
    files["stop_times.txt"] = _csv(stop_times, stop_time_columns)
    files["calendar.txt"] = _csv(
        [
            {"service_id": _ascii(s.gtfs_id, "service_id")}
            | dict(zip(WEEKDAYS, PATTERNS[s.rule], strict=True))
            | {"start_date": _ymd(s.start_date), "end_date": _ymd(s.end_date)}
            for s in services
        ],
        ["service_id", *WEEKDAYS, "start_date", "end_date"],
    )
    files["calendar_dates.txt"] = _csv(
        [
            {"service_id": s.gtfs_id, "date": day, "exception_type": kind}
            for s in services
            for day, kind in exceptions(s)
        ],
        ["service_id", "date", "exception_type"],
    )
    if zones:
        files["booking_rules.txt"] = _csv(
            booking_rules,
            [
                "booking_rule_id",
                "booking_type",
                "prior_notice_duration_min",
                "message",
                "phone_number",
            ],
        )
        files["locations.geojson"] = json.dumps(
            {"type": "FeatureCollection", "features": features}, ensure_ascii=False, indent=1
        ).encode("utf-8")
    if services:
        first = agencies.first()
        files["feed_info.txt"] = _csv(
            [
                {
                    "feed_publisher_name": first.name if first else "",
                    "feed_publisher_url": first.url if first else "",
                    "feed_lang": "zh",
                    "feed_start_date": _ymd(min(s.start_date for s in services)),
                    "feed_end_date": _ymd(max(s.end_date for s in services)),
                    "feed_version": "1",
                }
            ],
            [
                "feed_publisher_name", "feed_publisher_url", "feed_lang", "feed_start_date",
                "feed_end_date", "feed_version",
            ],
        )  # fmt: skip
    return files


def feed_export(*, user) -> bytes:
    """The feed as a zip, files in a fixed order with a fixed time stamp (the same network
    gives the same bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as feed:
        for name, content in sorted(feed_files(user=user).items()):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            feed.writestr(info, content)
    return out.getvalue()


# --- import -----------------------------------------------------------------------------------


def _read(feed: zipfile.ZipFile, name: str, required: bool = True) -> list[dict]:
    try:
        text = feed.read(name).decode("utf-8-sig")
    except KeyError:
        if required:
            raise ValidationFailed.single(
                name, _("missing from the feed"), ErrorCode.GTFS
            ) from None
        return []
    return list(csv.DictReader(io.StringIO(text)))


def _rule_of(row: dict) -> str:
    pattern = tuple(int(row[d]) for d in WEEKDAYS)
    for rule, wanted in PATTERNS.items():
        if pattern == wanted:
            return rule
    raise ValidationFailed.single(
        "calendar.txt",
        _("service %(id)s runs on a weekday pattern the platform does not know")
        % {"id": row["service_id"]},
        ErrorCode.GTFS,
    )


def _date(text: str) -> datetime.date:
    return datetime.datetime.strptime(text, "%Y%m%d").date()


@transaction.atomic
def feed_import(*, actor, park, data: bytes) -> dict[str, int]:
    """Load a GTFS feed into the park's network (rows matched on their GTFS ids; a trip's stop
    times are replaced). Returns how many rows of each kind the feed held."""
    access.require(actor, access.CREATE, Line)
    try:
        feed = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ValidationFailed.single("file", _("not a zip file"), ErrorCode.GTFS) from None
    try:
        counts = _load(feed, park)
    except (KeyError, ValueError) as exc:
        raise ValidationFailed.single(
            "file", _("the feed does not read: %(error)s") % {"error": exc}, ErrorCode.GTFS
        ) from None
    audit_record(
        actor=actor, via="ui", action="bus.gtfs.import", obj=park, before=None, after=counts,
        park_id=park.pk,
    )  # fmt: skip
    return counts


def _upsert(model, park, gtfs_id: str, values: dict):
    obj, _made = model.objects.update_or_create(park=park, gtfs_id=gtfs_id, defaults=values)
    return obj


def _load(feed: zipfile.ZipFile, park) -> dict[str, int]:
    agencies = {
        r["agency_id"]: _upsert(
            Agency,
            park,
            r["agency_id"],
            {
                "name": r["agency_name"],
                "url": r["agency_url"],
                "timezone": r["agency_timezone"],
                "phone": r.get("agency_phone", ""),
            },
        )
        for r in _read(feed, "agency.txt")
    }
    stops = {
        r["stop_id"]: _upsert(
            Stop,
            park,
            r["stop_id"],
            {
                "name": r["stop_name"],
                "lat": Decimal(r["stop_lat"]),
                "lon": Decimal(r["stop_lon"]),
                "kind": r.get("pp_kind") or "stop",
            },
        )
        for r in _read(feed, "stops.txt")
    }
    lines = {
        r["route_id"]: _upsert(
            Line,
            park,
            r["route_id"],
            {
                "agency": agencies.get(r.get("agency_id", "")) or next(iter(agencies.values())),
                "short_name": r["route_short_name"],
                "long_name": r.get("route_long_name", ""),
                "color": r.get("route_color") or "0B6E4F",
                "kind": r.get("pp_kind") or LineKind.PUBLIC,
                "bookable": r.get("pp_bookable") == "1",
            },
        )
        for r in _read(feed, "routes.txt")
    }
    services = {
        r["service_id"]: _upsert(
            ServiceCalendar,
            park,
            r["service_id"],
            {
                "name": r["service_id"],
                "rule": _rule_of(r),
                "start_date": _date(r["start_date"]),
                "end_date": _date(r["end_date"]),
            },
        )
        for r in _read(feed, "calendar.txt")
    }
    times: dict[str, list[dict]] = {}
    for r in _read(feed, "stop_times.txt"):
        times.setdefault(r["trip_id"], []).append(r)
    rules = {r["booking_rule_id"]: r for r in _read(feed, "booking_rules.txt", required=False)}
    locations = {}
    if "locations.geojson" in feed.namelist():
        for f in json.loads(feed.read("locations.geojson"))["features"]:
            locations[f["id"]] = f
    trips = 0
    zones = 0
    for r in _read(feed, "trips.txt"):
        rows = sorted(times.get(r["trip_id"], []), key=lambda t: int(t["stop_sequence"]))
        if rows and rows[0].get("location_id"):
            _load_zone(park, r, rows, lines, services, rules, locations)
            zones += 1
            continue
        trip = _upsert(
            Trip, park, r["trip_id"],
            {"line": lines[r["route_id"]], "service": services[r["service_id"]],
             "headsign": r.get("trip_headsign", ""), "direction": int(r.get("direction_id") or 0),
             "starts_s": parse_time(rows[0]["departure_time"]) if rows else 0},
        )  # fmt: skip
        trip.stop_times.all().delete()
        StopTime.objects.bulk_create(
            StopTime(
                trip=trip,
                stop=stops[t["stop_id"]],
                sequence=int(t["stop_sequence"]),
                arrival_s=parse_time(t["arrival_time"]),
                departure_s=parse_time(t["departure_time"]),
            )
            for t in rows
        )
        trips += 1
    return {
        "agencies": len(agencies), "stops": len(stops), "lines": len(lines),
        "services": len(services), "trips": trips, "zones": zones,
    }  # fmt: skip


def _load_zone(park, trip_row, rows, lines, services, rules, locations) -> None:
    first = rows[0]
    location = locations[first["location_id"]]
    rule = rules.get(first.get("pickup_booking_rule_id", ""), {})
    _upsert(
        DemandZone, park, first["location_id"],
        {"line": lines[trip_row["route_id"]], "service": services[trip_row["service_id"]],
         "name": location.get("properties", {}).get("stop_name", first["location_id"]),
         "outline": location["geometry"],
         "window_start_s": parse_time(first["start_pickup_drop_off_window"]),
         "window_end_s": parse_time(first["end_pickup_drop_off_window"]),
         "prior_notice_min": int(rule.get("prior_notice_duration_min") or 0),
         "phone": rule.get("phone_number", ""), "message": rule.get("message", "")},
    )  # fmt: skip
