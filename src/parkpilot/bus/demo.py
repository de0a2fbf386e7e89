"""The demo park's bus network (AppConfig.demo_loader), idempotent.

From the documents (shared/seed-facts.yaml, transit): since 2022-07 a 数字巴士 of 5 express
lines, 14 buses and 308 trips serves the metro's last mile; the bus hub 青山湖科技城公交中心站
(opened 2020-12-12, room for 8 lines) beside the metro station 青山湖科技城; lines 864, 848 and
847 adjusted, the 852 loop and a night metro feeder added. The documents give no period for the
308 trips: the demo treats them as one working day's timetable (and the pages say so). Where
the stops are, the lines' courses, the times, seats, plates and drivers are invented for the
demo (is_demo, shown as 演示数据). The stops' coordinates are typed in as GCJ-02, as copied from
a Chinese map, and converted to WGS84 at the door (geo.py).

Metro line 16 (杭州地铁16号线, 绿汀路—九州街) stops at 青山湖科技城 beside the hub; the documents
publish no timetable for it, so the demo's trains are invented (演示数据, `is_demo`): both
directions on working days, every 7 minutes in the peaks (07:00-09:30, 16:30-19:00) and every
11 minutes otherwise, from about 06:10 to 22:40, the second direction 3 minutes after the
first. The express buses were not timed against these trains, so the metro page shows trains
without a bus: what a planner would fix."""

import datetime

from django.db.models import Count
from django.utils import timezone

from parkpilot import workcalendar
from parkpilot.bus.geo import inside, six_decimals, to_gcj02, to_wgs84
from parkpilot.bus.models import (
    DISPATCHER,
    DRIVER,
    Agency,
    DayRule,
    DemandRequest,
    DemandZone,
    Driver,
    Line,
    LineKind,
    MetroArrival,
    ServiceCalendar,
    Stop,
    StopKind,
    StopTime,
    Trip,
    Vehicle,
)
from parkpilot.demo.services import LoadReport, upsert
from parkpilot.tenancy.models import Enterprise, Park, Role, User

EXPRESS_TRIPS = (62, 62, 62, 61, 61)  # 308 in all (the documents' figure)
EXPRESS_BUSES = (3, 3, 3, 3, 2)  # 14 in all (the documents' figure)
SEATS = 30  # demo: the documents give no vehicle size
SEGMENT_S = 4 * 60  # demo: four minutes between stops
FIRST_S, LAST_S = 6 * 3600 + 30 * 60, 21 * 3600 + 30 * 60
# Demo positions as a Chinese map shows them (GCJ-02), near the TOD zone of the demo outline.
METRO_GCJ = (30.2300, 119.8060)
HUB_GCJ = (30.2312, 119.8074)
ZONES = ("tod", "gongchuang", "xinzhizao", "linkpark", "huanqiu")
DEMO_LOGINS = (
    ("bus-dispatcher", DISPATCHER, "数字巴士调度员"),
    ("bus-driver", DRIVER, "数字巴士驾驶员"),
)


def load(*, park: Park, data: dict, report: LoadReport) -> None:
    agency = upsert(
        report, "bus agency", Agency, {"park": park, "gtfs_id": "QSH_DIGITAL_BUS"},
        {"name": "青山湖科技城数字巴士", "url": "https://bus.example.com/", "is_demo": True},
    )  # fmt: skip
    public = upsert(
        report, "bus agency", Agency, {"park": park, "gtfs_id": "QSH_HUB_LINES"},
        {"name": "青山湖科技城公交中心站线路", "url": "https://bus.example.com/hub/",
         "is_demo": True},
    )  # fmt: skip
    working = upsert(
        report, "bus calendar", ServiceCalendar, {"park": park, "gtfs_id": "WORKDAYS"},
        {"name": "工作日（含调休）", "rule": DayRule.WORKING_DAYS,
         "start_date": datetime.date(2026, 1, 1), "end_date": datetime.date(2027, 12, 31)},
    )  # fmt: skip
    daily = upsert(
        report, "bus calendar", ServiceCalendar, {"park": park, "gtfs_id": "DAILY"},
        {"name": "每日", "rule": DayRule.EVERY_DAY,
         "start_date": datetime.date(2026, 1, 1), "end_date": datetime.date(2027, 12, 31)},
    )  # fmt: skip
    metro = _stop(
        report, park, "METRO_QSHKJC", "青山湖科技城（地铁16号线）", METRO_GCJ, StopKind.METRO
    )
    hub = _stop(report, park, "HUB_QSHKJC", "青山湖科技城公交中心站", HUB_GCJ, StopKind.HUB)
    _metro_trains(report, park, metro, working)
    zone_stops = _zone_stops(report, park, data)
    vehicles = [
        upsert(
            report,
            "bus vehicle",
            Vehicle,
            {"park": park, "code": f"DB{n:02d}"},
            {"plate": f"浙A·演{n:03d}", "seats": SEATS, "is_demo": True},
        )
        for n in range(1, 15)
    ]
    logins = _logins(report, park)
    drivers = []
    for n, _vehicle in enumerate(vehicles, start=1):
        driver = Driver.objects.filter(park=park, name=f"驾驶员{n:02d}").first()
        if driver is None:
            driver = Driver.objects.create(park=park, name=f"驾驶员{n:02d}", is_demo=True)
            report.count("bus driver", created=True, changed=True)
        drivers.append(driver)
    if drivers[0].user_id != logins[DRIVER].pk:
        Driver.objects.filter(pk=drivers[0].pk).update(user=logins[DRIVER])
    bus = 0
    for n, zone in enumerate(ZONES):
        line = _line(
            report, park, agency, f"DB{n + 1}", f"快线{n + 1}号",
            f"地铁青山湖科技城站—{zone_stops[zone][-1].name}", LineKind.EXPRESS, bookable=True,
        )  # fmt: skip
        fleet = list(
            zip(
                vehicles[bus : bus + EXPRESS_BUSES[n]],
                drivers[bus : bus + EXPRESS_BUSES[n]],
                strict=True,
            )
        )
        bus += EXPRESS_BUSES[n]
        _trips(
            report,
            line,
            working,
            [metro, hub, *zone_stops[zone]],
            EXPRESS_TRIPS[n],
            FIRST_S,
            LAST_S,
            fleet,
        )
    z = zone_stops
    courses = {
        "864": ("864路", [hub, *z["tod"], *z["gongchuang"], *z["linkpark"]], LineKind.PUBLIC),
        "848": ("848路", [hub, *z["huanqiu"], *z["xinzhizao"]], LineKind.PUBLIC),
        "847": ("847路", [hub, *z["linkpark"], *z["tod"]], LineKind.PUBLIC),
        "852": (
            "852路区间环线",
            [hub, *z["gongchuang"], *z["huanqiu"], *z["xinzhizao"], hub],
            LineKind.LOOP,
        ),
    }
    for code, (name, course, kind) in courses.items():
        line = _line(report, park, public, f"L{code}", code, name, kind, bookable=False)
        _trips(
            report,
            line,
            daily,
            course,
            20,
            6 * 3600,
            19 * 3600 + 40 * 60,
            [],
            loop=kind == LineKind.LOOP,
        )
    night = _line(
        report, park, public, "NIGHT", "夜间接驳", "青山湖科技城夜间地铁接驳线", LineKind.NIGHT,
        bookable=False,
    )  # fmt: skip
    _trips(
        report,
        night,
        daily,
        [metro, hub, *zone_stops["tod"], *zone_stops["linkpark"]],
        6,
        21 * 3600,
        23 * 3600 + 30 * 60,
        [],
    )
    drt = _line(
        report,
        park,
        agency,
        "DRT",
        "定制公交",
        "科技城定制公交（预约）",
        LineKind.DEMAND,
        bookable=False,
    )
    outline = [list(p) for p in data.get("map_demo", {}).get("zones", {}).get("xinzhizao", [])]
    if outline:
        zone = upsert(
            report, "bus zone", DemandZone, {"park": park, "gtfs_id": "DRT_XINZHIZAO"},
            {"line": drt, "service": working, "name": "新智造产业园定制公交区",
             "outline": {"type": "Polygon", "coordinates": [[*outline, outline[0]]]},
             "window_start_s": 9 * 3600, "window_end_s": 16 * 3600 + 30 * 60,
             "prior_notice_min": 30, "message": "请在App中至少提前30分钟预约（演示数据）",
             "is_demo": True},
        )  # fmt: skip
        _demand_requests(report, park, zone, metro, hub)


# Demo line 16 trains at 青山湖科技城 (演示数据: the documents publish no timetable).
METRO_LINE = "16号线"
METRO_DIRECTIONS = ((0, "往九州街", 0), (1, "往绿汀路", 3 * 60))  # direction, headsign, offset
METRO_FIRST_S, METRO_LAST_S = 6 * 3600 + 10 * 60, 22 * 3600 + 40 * 60
METRO_PEAKS = ((7 * 3600, 9 * 3600 + 30 * 60), (16 * 3600 + 30 * 60, 19 * 3600))
METRO_PEAK_S, METRO_OFFPEAK_S = 7 * 60, 11 * 60


def metro_times() -> list[int]:
    """One direction's arrivals (seconds after midnight): 7-minute waves in the peaks, 11
    otherwise."""
    times, at = [], METRO_FIRST_S
    while at <= METRO_LAST_S:
        times.append(at)
        peak = any(start <= at < end for start, end in METRO_PEAKS)
        at += METRO_PEAK_S if peak else METRO_OFFPEAK_S
    return times


def _metro_trains(report, park, station, service) -> None:
    """Written only when the station has no trains yet, so a reload changes nothing."""
    if MetroArrival.objects.filter(station=station).exists():
        return
    trains = [
        MetroArrival(
            park=park,
            station=station,
            service=service,
            metro_line=METRO_LINE,
            direction=direction,
            headsign=headsign,
            arrival_s=at + offset,
            is_demo=True,
        )
        for direction, headsign, offset in METRO_DIRECTIONS
        for at in metro_times()
    ]
    MetroArrival.objects.bulk_create(trains)
    report.created["bus metro arrival"] = report.created.get("bus metro arrival", 0) + len(trains)


# Demo requests for the next working day (演示数据): when, how many seats, and where to. The
# pick-ups are points inside the zone (fractions of its box, east and south of its north-west
# corner); half the riders go to the metro station (the last mile), the others to the hub or
# to another point in the zone.
DEMAND_DEMO = (
    ("09:05", 1, (0.30, 0.40), "metro"), ("09:10", 1, (0.55, 0.35), "metro"),
    ("09:20", 2, (0.45, 0.60), "metro"), ("09:25", 1, (0.65, 0.55), "hub"),
    ("09:40", 1, (0.40, 0.45), (0.60, 0.65)), ("10:30", 1, (0.50, 0.50), "metro"),
    ("11:45", 3, (0.35, 0.55), "hub"), ("12:10", 1, (0.60, 0.40), (0.40, 0.60)),
    ("13:30", 1, (0.45, 0.35), "metro"), ("14:50", 2, (0.55, 0.60), "hub"),
    ("15:20", 1, (0.50, 0.45), "metro"), ("15:40", 1, (0.40, 0.50), (0.60, 0.50)),
)  # fmt: skip


def _demand_requests(report, park, zone, metro, hub) -> None:
    """The demo riders' requests for the next working day from today, so the planners' page
    shows a plan on a fresh demo (each request marked is_demo). A reload on the same day
    changes nothing; on a later day it adds that day's."""
    riders = list(
        User.objects.filter(
            park=park, is_active=True,
            role__in=[Role.RESIDENT, Role.ENTERPRISE_USER, Role.ENTERPRISE_ADMIN],
        ).order_by("username")
    )  # fmt: skip
    if not riders:
        return
    day = timezone.localdate() + datetime.timedelta(days=1)
    while not workcalendar.is_working_day(day):
        day += datetime.timedelta(days=1)
    # Riders are dealt by position, and later apps' demos add users (the bank's, the seller's):
    # a second deal would give other riders and new requests, so a day's are written once.
    if DemandRequest.objects.filter(zone=zone, day=day, is_demo=True).exists():
        return
    ring = zone.outline["coordinates"][0]
    west, east = min(p[0] for p in ring), max(p[0] for p in ring)
    south, north = min(p[1] for p in ring), max(p[1] for p in ring)

    def point(fx, fy):
        lon, lat = west + fx * (east - west), north - fy * (north - south)
        if not inside(lat, lon, zone.outline):  # a concave outline: its box's centre instead
            lon, lat = (west + east) / 2, (north + south) / 2
        return six_decimals(lat), six_decimals(lon)

    for n, (clock, seats, pickup, to) in enumerate(DEMAND_DEMO):
        hours, minutes = map(int, clock.split(":"))
        from_lat, from_lon = point(*pickup)
        stop = {"metro": metro, "hub": hub}.get(to) if isinstance(to, str) else None
        to_lat, to_lon = (stop.lat, stop.lon) if stop else point(*to)
        upsert(
            report, "bus demand request", DemandRequest,
            {"zone": zone, "day": day, "rider": riders[n % len(riders)],
             "time_s": hours * 3600 + minutes * 60, "is_demo": True},
            {"park": park, "seats": seats, "pickup_lat": from_lat, "pickup_lon": from_lon,
             "dropoff_stop": stop, "dropoff_lat": to_lat, "dropoff_lon": to_lon},
        )  # fmt: skip


def _stop(report, park, gtfs_id, name, gcj, kind, enterprise=None) -> Stop:
    lat, lon = to_wgs84(*gcj, datum="gcj02")
    return upsert(
        report, "bus stop", Stop, {"park": park, "gtfs_id": gtfs_id},
        {"name": name, "lat": lat, "lon": lon, "kind": kind, "enterprise": enterprise,
         "is_demo": True},
    )  # fmt: skip


def _zone_stops(report, park, data) -> dict[str, list[Stop]]:
    """Per demo zone: a stop at the zone's centre and one at each of up to two of its demo
    enterprises (the documents publish no stops)."""
    outlines = data.get("map_demo", {}).get("zones", {})
    by_zone = {}
    for code in ZONES:
        ring = outlines.get(code) or [[119.80, 30.23]]
        lon = sum(p[0] for p in ring) / len(ring)
        lat = sum(p[1] for p in ring) / len(ring)
        stops = [
            _stop(
                report,
                park,
                f"Z_{code.upper()}",
                f"{_zone_name(park, code)}站",
                to_gcj02(lat, lon),
                StopKind.STOP,
            )
        ]
        enterprises = Enterprise.objects.filter(park=park, zone__code=code).order_by("name")[:2]
        for i, enterprise in enumerate(enterprises, start=1):
            at = to_gcj02(lat + 0.002 * i, lon + 0.002 * (i % 2 * 2 - 1))
            name = f"{enterprise.short_name or enterprise.name}站"
            stops.append(
                _stop(
                    report, park, f"E_{enterprise.credit_code}", name, at, StopKind.STOP, enterprise
                )
            )
        by_zone[code] = stops
    return by_zone


def _zone_name(park, code) -> str:
    from parkpilot.tenancy.models import Zone

    zone = Zone.objects.filter(park=park, code=code).first()
    return zone.name if zone else code


def _line(report, park, agency, gtfs_id, short, long, kind, *, bookable) -> Line:
    colours = {
        "express": "0B6E4F",
        "public": "1F5FAD",
        "loop": "8A4BAF",
        "night": "2B2D42",
        "demand": "D17A00",
    }
    return upsert(
        report, "bus line", Line, {"park": park, "gtfs_id": gtfs_id},
        {"agency": agency, "short_name": short, "long_name": long, "kind": kind,
         "color": colours[kind], "bookable": bookable, "is_demo": True},
    )  # fmt: skip


def _trips(report, line, service, course, count, first_s, last_s, fleet, loop=False) -> None:
    """`count` trips evenly spread over the day, alternating direction (a loop always runs
    one way); written only when the line has none yet, so a reload changes nothing."""
    have = Trip.objects.filter(line=line).aggregate(n=Count("id"))["n"]
    if have:
        return
    step = (last_s - first_s) // max(count - 1, 1)
    trips, times = [], []
    for i in range(count):
        direction = 0 if loop else i % 2
        stops = course if direction == 0 else course[::-1]
        start = first_s + i * step
        vehicle, driver = fleet[i % len(fleet)] if fleet else (None, None)
        trip = Trip(
            park=line.park, line=line, service=service, gtfs_id=f"{line.gtfs_id}_{i + 1:03d}",
            headsign=stops[-1].name, direction=direction, vehicle=vehicle, driver=driver,
            starts_s=start,
        )  # fmt: skip
        trips.append(trip)
        times.append([(stop, start + n * SEGMENT_S) for n, stop in enumerate(stops)])
    Trip.objects.bulk_create(trips)
    saved = {t.gtfs_id: t for t in Trip.objects.filter(line=line)}
    StopTime.objects.bulk_create(
        StopTime(trip=saved[trip.gtfs_id], stop=stop, sequence=n + 1, arrival_s=at, departure_s=at)
        for trip, rows in zip(trips, times, strict=True)
        for n, (stop, at) in enumerate(rows)
    )
    report.created["bus trip"] = report.created.get("bus trip", 0) + count


def _logins(report, park) -> dict[str, User]:
    from django.conf import settings

    made = {}
    for username, role, display in DEMO_LOGINS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, role=Role.RESIDENT, park=park, display_name=display)
            user.set_password(settings.PARKPILOT_DEMO_PASSWORD)
            user.granted_roles = [role]
            user.save()
            report.count("user", created=True, changed=True)
        made[role] = user
    return made
