"""Grid governance (青和翼): the park divided into grids with their workers, reports from anyone,
and the cases the grid's worker resolves.

- `Grid`: a polygon (GeoJSON in a plain column, the same on SQLite and PostgreSQL) with a code in
  the national style (GB/T 30428 unit grid: district 6 + street 3 + community 3 + sequence 3
  digits) and effective dates: a redraw retires grids (`valid_to`) and creates new ones, never
  edits a boundary in place, so a case's grid is always one that existed when it was assigned.
- `GridMember`: a worker or supervisor of a grid, for a shift (day, night or both), with dates.
- `Department`: 城管, 交警, 环保, 街道; a case referred to one gets its SLA; `DepartmentMember` says
  who works there.
- `Case`: one event at one place, in one grid; `Report`: each person's report of it (the first,
  and every "+1"), with its tracking code; `Photo`: the photos, as received (EXIF location kept
  for the case) and as published (no EXIF).

Who reads what (the access rule, tenancy.access): park staff and grid supervisors read every case
of the park (`Case.tenancy_policy`); a reporter reads the cases they reported or joined
(`OwnCase`, personal through their reports), everyone of the park the published ones
(`PublicCase`); a worker reads the cases of the grids they work in, a department the cases
referred to it (selectors.case_queryset narrows through the person's own `GridMember` and
`DepartmentMember` rows)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parkpilot.grid.roles import (  # noqa: F401 (re-exported for the app's modules)
    CASE_READERS,
    CITY_DEPARTMENT,
    GRID_MANAGERS,
    GRID_SUPERVISOR,
    GRID_WORKER,
    ROSTER_READERS,
)
from parkpilot.tenancy.models import Park, User
from parkpilot.tenancy.policy import Policy
from parkpilot.tenancy.storage import attachments_storage


class Grid(models.Model):
    # Grids are the park's map: everyone of the park reads them (to see where they report).
    tenancy_policy = Policy(park_path="park", shared_in_park=True, park_writers=GRID_MANAGERS)

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("grid code"), max_length=15)
    name = models.CharField(_("name"), max_length=100)
    boundary = models.JSONField(_("boundary"))  # GeoJSON Polygon, WGS84 lon/lat
    valid_from = models.DateTimeField(_("valid from"))
    valid_to = models.DateTimeField(_("valid to"), null=True, blank=True)
    redraw = models.ForeignKey(
        "Redraw", on_delete=models.PROTECT, null=True, blank=True, related_name="created"
    )
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        constraints = [
            models.UniqueConstraint(
                fields=["park", "code"],
                condition=models.Q(valid_to__isnull=True),
                name="grid_code_current",
            )
        ]
        indexes = [models.Index(fields=["park", "valid_to"], name="grid_current")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Redraw(models.Model):
    """One redraw, split or merge: which grids it retired and how many open cases it moved."""

    tenancy_policy = Policy(park_path="park", readers=CASE_READERS, park_writers=GRID_MANAGERS)

    class Kind(models.TextChoices):
        REDRAW = "redraw", pgettext_lazy("grid change", "Redraw")
        SPLIT = "split", pgettext_lazy("grid change", "Split")
        MERGE = "merge", pgettext_lazy("grid change", "Merge")

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    effective_at = models.DateTimeField(_("effective at"))
    retired = models.JSONField(_("retired grids"), default=list)  # grid ids
    cases_moved = models.PositiveIntegerField(_("cases moved"), default=0)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("grid redraw")
        verbose_name_plural = _("grid redraws")


class Duty(models.TextChoices):
    WORKER = "worker", pgettext_lazy("grid duty", "Grid worker")
    SUPERVISOR = "supervisor", pgettext_lazy("grid duty", "Grid supervisor")


class Shift(models.TextChoices):
    DAY = "day", pgettext_lazy("duty shift", "Day (08:00-20:00)")
    NIGHT = "night", pgettext_lazy("duty shift", "Night (20:00-08:00)")
    ALL = "all", pgettext_lazy("duty shift", "Day and night")


class GridMember(models.Model):
    tenancy_policy = Policy(
        park_path="grid__park", readers=ROSTER_READERS, park_writers=GRID_MANAGERS
    )

    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="members")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    duty = models.CharField(_("duty"), max_length=12, choices=Duty.choices, default=Duty.WORKER)
    shift = models.CharField(_("shift"), max_length=6, choices=Shift.choices, default=Shift.ALL)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("grid member")
        verbose_name_plural = _("grid members")


class Department(models.Model):
    tenancy_policy = Policy(park_path="park", shared_in_park=True, park_writers=GRID_MANAGERS)

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    sla_days = models.PositiveSmallIntegerField(_("SLA in working days"))

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.UniqueConstraint(fields=["park", "code"], name="grid_department_code")
        ]

    def __str__(self) -> str:
        return self.name


class DepartmentMember(models.Model):
    tenancy_policy = Policy(
        park_path="department__park", readers=ROSTER_READERS, park_writers=GRID_MANAGERS
    )

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="members")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("department member")
        verbose_name_plural = _("department members")
        constraints = [
            models.UniqueConstraint(fields=["department", "user"], name="grid_department_member")
        ]


class Status(models.TextChoices):
    DISPATCHED = "dispatched", pgettext_lazy("case status", "Dispatched")
    ACCEPTED = "accepted", pgettext_lazy("case status", "Accepted")
    REFERRED = "referred", pgettext_lazy("case status", "With a department")
    RESOLVED = "resolved", pgettext_lazy("case status", "Resolved, to confirm")
    CLOSED = "closed", pgettext_lazy("case status", "Closed")
    REJECTED = "rejected", pgettext_lazy("case status", "Not accepted")


OPEN_STATUSES = (Status.DISPATCHED, Status.ACCEPTED, Status.REFERRED, Status.RESOLVED)


class Case(models.Model):
    tenancy_policy = Policy(
        park_path="park",
        readers=CASE_READERS,
        park_writers=GRID_MANAGERS,
        # The grid's worker works the case (selectors check it is their grid); a department
        # takes what is referred to it.
        actions={
            "handle": GRID_MANAGERS | {GRID_WORKER},
            "take": GRID_MANAGERS | {CITY_DEPARTMENT},
        },
    )

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="cases")
    category = models.CharField(_("category"), max_length=8)  # catalogue.EVENTS code
    description = models.TextField(_("description"), max_length=2000)
    lon = models.FloatField(_("longitude (WGS84)"))
    lat = models.FloatField(_("latitude (WGS84)"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DISPATCHED
    )
    public = models.BooleanField(_("published"), default=True)
    worker = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    reported_at = models.DateTimeField(_("reported at"))
    due_on = models.DateField(_("due on"))
    calendar_estimated = models.BooleanField(default=False)  # the calendar's year is not known
    department_due_on = models.DateField(_("department due on"), null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    referred_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    reopened = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    resolution = models.TextField(_("what was done"), blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    supporters = models.PositiveIntegerField(_("supporters"), default=1)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["park", "status"], name="grid_case_status"),
            models.Index(fields=["grid", "status"], name="grid_case_grid"),
            # The likely-duplicates query of every report: same category, a band of latitude.
            models.Index(fields=["park", "category", "lat"], name="grid_case_near"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class OwnCase(Case):
    """The cases a person reported or joined ("+1"): personal to them through their reports."""

    tenancy_policy = Policy(park_path="park", user_path="reports__reporter")

    class Meta:
        proxy = True


class PublishedManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(public=True)


class PublicCase(Case):
    """The published cases: everyone of the park reads them (with the published photos)."""

    tenancy_policy = Policy(park_path="park", shared_in_park=True)
    objects = PublishedManager()

    class Meta:
        proxy = True


class Report(models.Model):
    """One person's report of a case: the first, or a "+1" joining it. Personal to the reporter;
    an anonymous one has no reporter and is followed by its tracking code alone."""

    tenancy_policy = Policy(park_path="case__park", user_path="reporter")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reports")
    reporter = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    tracking_code = models.CharField(_("tracking code"), max_length=12, unique=True)
    first = models.BooleanField(default=True)  # the report that opened the case
    text = models.TextField(_("text"), max_length=2000, blank=True)
    via = models.CharField(max_length=12, default="web")  # web | open311
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "reporter"],
                condition=models.Q(reporter__isnull=False),
                name="grid_report_once_per_person",
            )
        ]


class PhotoKind(models.TextChoices):
    REPORT = "report", pgettext_lazy("photo kind", "Reported")
    BEFORE = "before", pgettext_lazy("photo kind", "Before handling")
    AFTER = "after", pgettext_lazy("photo kind", "After handling")


class Photo(models.Model):
    tenancy_policy = Policy(park_path="case__park", readers=CASE_READERS)

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="photos")
    kind = models.CharField(_("kind"), max_length=8, choices=PhotoKind.choices)
    original = models.FileField(upload_to="grid/original/%Y/%m/", storage=attachments_storage)
    # Empty until the background task has made it (grid.tasks.photos_publish): "处理中".
    published = models.FileField(
        upload_to="grid/published/%Y/%m/", storage=attachments_storage, blank=True
    )
    content_type = models.CharField(max_length=40, blank=True)  # the published copy's
    exif_lon = models.FloatField(null=True, blank=True)  # kept for the case, never published
    exif_lat = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")


class Event(models.Model):
    """A step of a case (dispatched, accepted, referred, resolved, reopened, closed, rated): its
    timeline, shown to the reporter."""

    tenancy_policy = Policy(park_path="case__park", readers=CASE_READERS)

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    step = models.CharField(max_length=20)
    note = models.CharField(max_length=500, blank=True)
    by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "pk"]
