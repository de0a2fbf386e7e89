"""数字巴士: the park's bus network as data, and the seats booked on it.

The network follows GTFS (agencies, lines = routes, stops, trips, stop times, service calendars)
so it exports and imports as a GTFS feed (gtfs.py); IDs (`gtfs_id`) are ASCII. Coordinates are
stored in WGS84; GCJ-02 input (AMap, WeChat) is converted at the door (geo.py). A service
calendar runs on the project's working calendar (parkpilot.workcalendar): "working days" follow
the State Council's holidays and make-up days, not just Monday to Friday.

A booking is for one trip on one day: a `Departure`, made on first booking, holds the seats of
the trip's vehicle and how many are taken. Seats are taken by a guarded conditional UPDATE
(`booked < seats`), never read-then-write, so the last seat is never sold twice; who did not get
one waits in line and is promoted when someone cancels."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parkpilot.tenancy.models import Enterprise, Park, User
from parkpilot.tenancy.policy import Policy
from parkpilot.tenancy.roles import PARK_OPERATORS, PARK_ROLES, Role

# The app's roles (AppConfig.roles): who runs the service and who drives.
DISPATCHER = "bus_dispatcher"
DRIVER = "bus_driver"
NETWORK_WRITERS = PARK_OPERATORS | {DISPATCHER}
NETWORK_READERS = PARK_ROLES | {DISPATCHER}


def _network_policy(park_path: str = "park") -> Policy:
    """The published network: everyone of the park reads it, operators and dispatchers edit."""
    return Policy(park_path=park_path, shared_in_park=True, park_writers=NETWORK_WRITERS)


class Agency(models.Model):
    tenancy_policy = _network_policy()

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    gtfs_id = models.CharField(_("GTFS id"), max_length=64)
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("website"), blank=True)
    timezone = models.CharField(_("time zone"), max_length=40, default="Asia/Shanghai")
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        constraints = [models.UniqueConstraint(fields=["park", "gtfs_id"], name="bus_agency_id")]

    def __str__(self) -> str:
        return self.name


class StopKind(models.TextChoices):
    STOP = "stop", pgettext_lazy("bus stop kind", "Stop")
    METRO = "metro", _("Metro station")
    HUB = "hub", _("Bus hub")


class Stop(models.Model):
    tenancy_policy = _network_policy()

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    gtfs_id = models.CharField(_("GTFS id"), max_length=64)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=StopKind.choices, default="stop")
    # WGS84, degrees; six decimals (about 0.1 m) as GTFS feeds write them.
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    lon = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("stop")
        verbose_name_plural = _("stops")
        constraints = [models.UniqueConstraint(fields=["park", "gtfs_id"], name="bus_stop_id")]

    def __str__(self) -> str:
        return self.name


class LineKind(models.TextChoices):
    EXPRESS = "express", _("Digital bus express line")
    PUBLIC = "public", _("Public bus line")
    LOOP = "loop", _("Loop line")
    NIGHT = "night", _("Night metro feeder")
    DEMAND = "demand", _("Demand-responsive service")


class Line(models.Model):
    """A GTFS route."""

    tenancy_policy = _network_policy()

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="lines")
    gtfs_id = models.CharField(_("GTFS id"), max_length=64)
    short_name = models.CharField(_("short name"), max_length=20)
    long_name = models.CharField(_("long name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=LineKind.choices)
    color = models.CharField(_("colour"), max_length=6, default="0B6E4F")
    bookable = models.BooleanField(_("seats booked in advance"), default=False)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("line")
        verbose_name_plural = _("lines")
        constraints = [models.UniqueConstraint(fields=["park", "gtfs_id"], name="bus_line_id")]

    def __str__(self) -> str:
        return self.short_name


class DayRule(models.TextChoices):
    WORKING_DAYS = "working", _("Working days (Chinese calendar)")
    REST_DAYS = "rest", _("Rest days and holidays")
    EVERY_DAY = "daily", _("Every day")


class ServiceCalendar(models.Model):
    tenancy_policy = _network_policy()

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    gtfs_id = models.CharField(_("GTFS id"), max_length=64)
    name = models.CharField(_("name"), max_length=100)
    rule = models.CharField(_("runs on"), max_length=10, choices=DayRule.choices)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"))

    class Meta:
        verbose_name = _("service calendar")
        verbose_name_plural = _("service calendars")
        constraints = [models.UniqueConstraint(fields=["park", "gtfs_id"], name="bus_calendar_id")]

    def __str__(self) -> str:
        return self.name


class Vehicle(models.Model):
    tenancy_policy = Policy(
        park_path="park", readers=NETWORK_READERS | {DRIVER}, park_writers=NETWORK_WRITERS
    )

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("fleet number"), max_length=20)
    plate = models.CharField(_("plate"), max_length=20, blank=True)
    seats = models.PositiveSmallIntegerField(_("seats"))
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        constraints = [models.UniqueConstraint(fields=["park", "code"], name="bus_vehicle_code")]

    def __str__(self) -> str:
        return self.code


class Driver(models.Model):
    tenancy_policy = Policy(
        park_path="park", readers=NETWORK_READERS | {DRIVER}, park_writers=NETWORK_WRITERS
    )

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=50)
    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("driver")
        verbose_name_plural = _("drivers")

    def __str__(self) -> str:
        return self.name


class Trip(models.Model):
    tenancy_policy = _network_policy()

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="trips")
    service = models.ForeignKey(ServiceCalendar, on_delete=models.PROTECT, related_name="trips")
    gtfs_id = models.CharField(_("GTFS id"), max_length=64)
    headsign = models.CharField(_("headsign"), max_length=100, blank=True)
    direction = models.PositiveSmallIntegerField(_("direction"), default=0)  # GTFS 0 or 1
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.SET_NULL, null=True, blank=True, related_name="trips"
    )
    driver = models.ForeignKey(
        Driver, on_delete=models.SET_NULL, null=True, blank=True, related_name="trips"
    )
    # Seconds after midnight of the service day, as GTFS counts (may pass 24:00:00).
    starts_s = models.PositiveIntegerField(_("first departure"), db_index=True)
    # A demand-responsive run made from an accepted plan: for that day only, its riders' times
    # on their requests; no stop times, not in the timetable nor in the static GTFS feed (the
    # zone's GTFS-Flex trip describes the service).
    demand_day = models.ForeignKey(
        "DemandDay", on_delete=models.PROTECT, null=True, blank=True, related_name="trips"
    )

    class Meta:
        verbose_name = _("trip")
        verbose_name_plural = _("trips")
        constraints = [models.UniqueConstraint(fields=["park", "gtfs_id"], name="bus_trip_id")]

    def __str__(self) -> str:
        return self.gtfs_id


class StopTime(models.Model):
    tenancy_policy = _network_policy("trip__park")

    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="stop_times")
    stop = models.ForeignKey(Stop, on_delete=models.PROTECT, related_name="+")
    sequence = models.PositiveSmallIntegerField(_("sequence"))
    arrival_s = models.PositiveIntegerField(_("arrival"))
    departure_s = models.PositiveIntegerField(_("departure"))

    class Meta:
        verbose_name = _("stop time")
        verbose_name_plural = _("stop times")
        ordering = ["trip", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["trip", "sequence"], name="bus_stop_time_seq")
        ]


class DemandZone(models.Model):
    """A demand-responsive (定制公交) zone: riders are picked up and set down anywhere inside,
    booked ahead by phone or in the app (GTFS-Flex: locations.geojson and booking_rules.txt)."""

    tenancy_policy = _network_policy()

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="zones")
    service = models.ForeignKey(ServiceCalendar, on_delete=models.PROTECT, related_name="+")
    gtfs_id = models.CharField(_("GTFS id"), max_length=64)
    name = models.CharField(_("name"), max_length=100)
    outline = models.JSONField(_("outline"))  # GeoJSON Polygon, WGS84
    window_start_s = models.PositiveIntegerField(_("service from"))
    window_end_s = models.PositiveIntegerField(_("service until"))
    prior_notice_min = models.PositiveIntegerField(_("book at least (minutes) ahead"))
    phone = models.CharField(_("booking phone"), max_length=30, blank=True)
    message = models.CharField(_("booking message"), max_length=200, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("demand-responsive zone")
        verbose_name_plural = _("demand-responsive zones")
        constraints = [models.UniqueConstraint(fields=["park", "gtfs_id"], name="bus_zone_id")]

    def __str__(self) -> str:
        return self.name


class DemandDay(models.Model):
    """A zone's day whose plan a planner accepted: its trips and bookings are made, and the day
    takes no more requests. Unique per zone and day, so two planners accepting at once cannot
    both make trips (the second insert fails)."""

    tenancy_policy = Policy(park_path="park", readers=NETWORK_READERS, park_writers=NETWORK_WRITERS)

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    zone = models.ForeignKey(DemandZone, on_delete=models.PROTECT, related_name="days")
    day = models.DateField(_("day"))
    accepted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    accepted_at = models.DateTimeField(_("accepted at"))

    class Meta:
        verbose_name = _("accepted demand-responsive day")
        verbose_name_plural = _("accepted demand-responsive days")
        constraints = [models.UniqueConstraint(fields=["zone", "day"], name="bus_demand_day_once")]


class DemandStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested: waiting for the day's plan")
    SCHEDULED = "scheduled", _("Scheduled")
    UNSERVED = "unserved", _("Not served")
    CANCELLED = "cancelled", pgettext_lazy("demand request status", "Cancelled")


class DemandRequest(models.Model):
    """A rider's request for the demand-responsive service: from here to there (a stop, or a
    point on the map inside the zone), around this time, on that day, in a zone (定制公交).
    The planner (drt.py, through selectors.demand_plan) puts the day's requests on the buses;
    when a planner accepts the day (services_demand.demand_day_accept) each request is either
    scheduled, with its booking and planned times, or unserved, with the planner's reason."""

    tenancy_policy = Policy(park_path="park", readers=NETWORK_READERS, park_writers=NETWORK_WRITERS)

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    zone = models.ForeignKey(DemandZone, on_delete=models.PROTECT, related_name="requests")
    rider = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    status = models.CharField(
        _("status"), max_length=12, choices=DemandStatus.choices, default=DemandStatus.REQUESTED
    )
    # Set when the rider chose a stop (its coordinates are copied into the point fields).
    pickup_stop = models.ForeignKey(
        Stop, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("pick-up stop"),
    )  # fmt: skip
    dropoff_stop = models.ForeignKey(
        Stop, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("drop-off stop"),
    )  # fmt: skip
    pickup_lat = models.DecimalField(_("pick-up latitude"), max_digits=9, decimal_places=6)
    pickup_lon = models.DecimalField(_("pick-up longitude"), max_digits=9, decimal_places=6)
    dropoff_lat = models.DecimalField(_("drop-off latitude"), max_digits=9, decimal_places=6)
    dropoff_lon = models.DecimalField(_("drop-off longitude"), max_digits=9, decimal_places=6)
    time_s = models.PositiveIntegerField(_("requested pick-up time"))  # seconds since midnight
    seats = models.PositiveSmallIntegerField(_("seats"), default=1)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    # From the accepted plan: the seat, and when the bus picks up and sets down (seconds since
    # midnight); or, unserved, the planner's reason (drt.Reason).
    booking = models.ForeignKey(
        "Booking", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    planned_pickup_s = models.PositiveIntegerField(_("planned pick-up"), null=True, blank=True)
    planned_dropoff_s = models.PositiveIntegerField(_("planned drop-off"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=20, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("demand-responsive request")
        verbose_name_plural = _("demand-responsive requests")
        indexes = [models.Index(fields=["zone", "day", "time_s"], name="bus_demand_day")]


class Departure(models.Model):
    """One trip on one day: its seats and how many are taken (moved only by guarded UPDATEs)."""

    tenancy_policy = _network_policy()

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    trip = models.ForeignKey(Trip, on_delete=models.PROTECT, related_name="departures")
    day = models.DateField(_("day"))
    seats = models.PositiveSmallIntegerField(_("seats"))
    booked = models.PositiveSmallIntegerField(_("seats booked"), default=0)
    departs_at = models.DateTimeField(_("departs at"))

    class Meta:
        verbose_name = _("departure")
        verbose_name_plural = _("departures")
        constraints = [
            models.UniqueConstraint(fields=["trip", "day"], name="bus_departure_once"),
            models.CheckConstraint(
                name="bus_departure_not_overbooked",
                condition=models.Q(booked__lte=models.F("seats")),
            ),
        ]

    @property
    def free(self) -> int:
        return self.seats - self.booked


class BookingStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Seat confirmed")
    WAITLISTED = "waitlisted", _("On the waiting list")
    CANCELLED = "cancelled", pgettext_lazy("booking status", "Cancelled")
    BOARDED = "boarded", _("Boarded")
    NO_SHOW = "no_show", _("Did not show up")


HOLDS_A_SEAT = (BookingStatus.CONFIRMED, BookingStatus.BOARDED)


class Booking(models.Model):
    """A rider's seat on a departure. The park, its dispatchers and drivers read every booking;
    an enterprise's administrator its own staff's (`enterprise`); a rider reads their own
    through selectors.my_bookings (the row names them)."""

    tenancy_policy = Policy(
        park_path="park",
        enterprise_path="enterprise",
        readers=PARK_ROLES | {Role.ENTERPRISE_ADMIN, DISPATCHER, DRIVER},
        park_writers=NETWORK_WRITERS,
        own_creators=frozenset({Role.ENTERPRISE_ADMIN}),
        own_writers=frozenset({Role.ENTERPRISE_ADMIN}),
        own_writable_fields=frozenset({"status"}),
        actions={"board": frozenset({DRIVER, DISPATCHER}) | PARK_OPERATORS},
    )

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    departure = models.ForeignKey(Departure, on_delete=models.PROTECT, related_name="bookings")
    rider = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    # The rider's enterprise when they ride as its staff (a commute pass), else empty.
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    booked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=12, choices=BookingStatus.choices)
    code = models.CharField(_("boarding code"), max_length=12, unique=True)
    booked_at = models.DateTimeField(_("booked at"), db_index=True)
    promoted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        indexes = [models.Index(fields=["departure", "status", "booked_at"], name="bus_queue")]
        constraints = [
            # One live booking per rider and departure (a second one is the same seat).
            models.UniqueConstraint(
                fields=["departure", "rider"],
                name="bus_booking_once",
                condition=models.Q(status__in=["confirmed", "waitlisted", "boarded"]),
            )
        ]

    def __str__(self) -> str:
        return self.code


class VehiclePosition(models.Model):
    """A GPS fix a bus reported (WGS84)."""

    tenancy_policy = Policy(
        park_path="park", readers=NETWORK_READERS | {DRIVER}, park_writers=NETWORK_WRITERS
    )

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="positions")
    trip = models.ForeignKey(
        Trip, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    lat = models.DecimalField(max_digits=9, decimal_places=6)
    lon = models.DecimalField(max_digits=9, decimal_places=6)
    at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("vehicle position")
        verbose_name_plural = _("vehicle positions")


# --- metro last mile -------------------------------------------------------------------------


class MetroArrival(models.Model):
    """A train of a metro line arriving at a metro station (杭州地铁16号线 at 青山湖科技城): one
    wave of riders for the buses that leave from the station's stop. Seconds after midnight of
    the service day, on a service calendar (working days follow the Chinese calendar, as the
    buses' do). The park's staff and dispatchers read it; operators and dispatchers edit it."""

    tenancy_policy = Policy(park_path="park", readers=NETWORK_READERS, park_writers=NETWORK_WRITERS)

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    station = models.ForeignKey(
        Stop, on_delete=models.PROTECT, related_name="metro_arrivals", verbose_name=_("station")
    )
    service = models.ForeignKey(ServiceCalendar, on_delete=models.PROTECT, related_name="+")
    metro_line = models.CharField(_("metro line"), max_length=20)
    direction = models.PositiveSmallIntegerField(_("direction"), default=0)  # 0 or 1
    headsign = models.CharField(_("towards"), max_length=50)
    arrival_s = models.PositiveIntegerField(_("arrival"))
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("metro arrival")
        verbose_name_plural = _("metro arrivals")
        ordering = ["arrival_s", "direction"]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "service", "direction", "arrival_s"], name="bus_metro_arrival"
            )
        ]

    def __str__(self) -> str:
        hours, minutes = divmod(self.arrival_s // 60, 60)
        return f"{self.metro_line} {self.headsign} {hours:02d}:{minutes:02d}"


class MetroDelay(models.Model):
    """A train's delay on one day, entered by a planner or posted by a feed; one row per
    arrival and day (a second entry replaces the minutes; 0 says the train is on time)."""

    tenancy_policy = Policy(park_path="park", readers=NETWORK_READERS, park_writers=NETWORK_WRITERS)

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    arrival = models.ForeignKey(MetroArrival, on_delete=models.PROTECT, related_name="delays")
    day = models.DateField(_("day"))
    minutes = models.PositiveSmallIntegerField(_("minutes late"))
    entered_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(_("entered at"))

    class Meta:
        verbose_name = _("metro delay")
        verbose_name_plural = _("metro delays")
        constraints = [
            models.UniqueConstraint(fields=["arrival", "day"], name="bus_metro_delay_once")
        ]


class BrokenConnection(models.Model):
    """A bus trip on a day whose metro connection a delay broke: the delayed train's riders
    reach the stop after it leaves, and no other bus of its line leaves within the longest
    wait. Unique per trip and day; `cleared_at` set when a corrected delay restores the
    connection. Its riders are told when the flag goes up (once, not again for the same
    delay). Riders see the flag on the trip, so the published network's policy."""

    tenancy_policy = _network_policy()

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    trip = models.ForeignKey(Trip, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    arrival = models.ForeignKey(MetroArrival, on_delete=models.PROTECT, related_name="+")
    delay_min = models.PositiveSmallIntegerField(_("minutes late"))
    flagged_at = models.DateTimeField(_("flagged at"))
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)

    class Meta:
        verbose_name = _("broken metro connection")
        verbose_name_plural = _("broken metro connections")
        constraints = [
            models.UniqueConstraint(fields=["trip", "day"], name="bus_broken_connection_once")
        ]
