"""Metering points, raw readings, rejected and conflicting readings, gaps, and energy rollups.

Storage layout (docs/architecture.md): readings and per-point rollups are keyed by
(point_id, ts/bucket) — composite primary keys, no surrogate id, no foreign key from a
reading table to anything but the point registry — so they can later be distributed by
point id (Citus) without changing the code that reads them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from parkpilot.energy.kinds import EnergyKind
from parkpilot.tenancy.models import Enterprise, Park, User, Zone
from parkpilot.tenancy.policy import Policy
from parkpilot.tenancy.roles import Role


class RegisterType(models.TextChoices):
    CUMULATIVE = "cumulative", _("Cumulative counter")
    INTERVAL = "interval", _("Interval value")


class MeteringPoint(models.Model):
    # Enterprise users read their own points; public loads (owner empty) are the park's;
    # a gateway reads the points it may write.
    tenancy_policy = Policy(park_path="park", enterprise_path="owner", gateway_path="gateway")

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="metering_points")
    code = models.CharField(_("code"), max_length=64)
    name = models.CharField(_("name"), max_length=200, blank=True)
    owner = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="metering_points",
        help_text=_("empty for the park's public loads (street lights, chargers)"),
    )
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, null=True, blank=True)
    building = models.CharField(_("building"), max_length=100, blank=True)
    kind = models.CharField(_("energy kind"), max_length=24, choices=EnergyKind.choices)
    unit = models.CharField(_("unit"), max_length=8)
    register = models.CharField(_("register type"), max_length=12, choices=RegisterType.choices)
    multiplier = models.FloatField(_("multiplier (CT×PT)"), default=1.0)
    rollover = models.FloatField(_("counter roll-over value"), null=True, blank=True)
    # Rated maximum flow in unit per hour (kW for electricity): the plausibility cap.
    rated_max_per_h = models.FloatField(_("rated maximum per hour"))
    interval_s = models.PositiveIntegerField(_("expected reading interval (s)"), default=60)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    gateway = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="metering_points",
        limit_choices_to={"role": Role.GATEWAY},
    )
    # Steam: net enthalpy (GJ per tonne) to turn mass into heat for carbon accounting.
    # Derived from the condition below when a pressure is configured (energy/steam.py); kept as
    # a column, the stored result, so the accounting SQL multiplies by it directly.
    enthalpy_gj_per_t = models.FloatField(_("steam enthalpy (GJ/t)"), null=True, blank=True)
    # Readings dated before this local day are refused (a meter cannot have read before it
    # was installed); empty: only the platform's earliest date applies.
    commissioned_on = models.DateField(_("commissioned on"), null=True, blank=True)
    steam_pressure_mpa = models.FloatField(_("steam pressure (MPa)"), null=True, blank=True)
    steam_pressure_absolute = models.BooleanField(
        _("steam pressure is absolute"), default=False, help_text=_("default: gauge pressure")
    )
    steam_temperature_c = models.FloatField(
        _("steam temperature (°C)"),
        null=True,
        blank=True,
        help_text=_("empty: saturated vapour at the pressure"),
    )
    steam_feed_water_c = models.FloatField(
        _("feed-water temperature (°C)"), null=True, blank=True, help_text=_("empty: 20 °C")
    )
    active = models.BooleanField(_("active"), default=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("metering point")
        verbose_name_plural = _("metering points")
        constraints = [
            models.UniqueConstraint(fields=["park", "code"], name="point_code_per_park"),
        ]
        ordering = ["park", "code"]

    def __str__(self) -> str:
        return self.code

    def save(self, *args, **kwargs):
        from parkpilot.energy.steam import derive_enthalpy

        derive_enthalpy(self)
        fields = kwargs.get("update_fields")
        if fields is not None and any(f.startswith("steam_") for f in fields):
            kwargs["update_fields"] = {*fields, "enthalpy_gj_per_t"}
        super().save(*args, **kwargs)


class Reading(models.Model):
    """A raw reading as the meter sent it, in the point's own unit (before multiplier)."""

    pk = models.CompositePrimaryKey("point_id", "ts")
    # The primary key already indexes point_id first; no separate index, no FK constraint.
    point = models.ForeignKey(
        MeteringPoint, on_delete=models.PROTECT, db_constraint=False, db_index=False
    )
    ts = models.DateTimeField()
    value = models.FloatField()
    received_at = models.DateTimeField()

    class Meta:
        verbose_name = _("reading")
        verbose_name_plural = _("readings")


class IngestBatch(models.Model):
    """One committed intake batch and the time range it added per point: the rollup stage's
    work list (deleted once rolled up). One row per batch keeps intake to one extra insert."""

    created_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=12)  # mqtt, http, file, direct, simulator
    accepted = models.PositiveIntegerField()
    # The batch's own interval energy per point and quarter, and each point's time span
    # (ingest/deltas.py), compact JSON. Empty when the item was made elsewhere (a resolved
    # conflict): then `ranges` names the spans and the stage recomputes from the readings.
    deltas = models.TextField(blank=True, default="")
    # {point_id: [min_ts_epoch, max_ts_epoch]} of the readings added, for items without deltas
    ranges = models.JSONField(default=dict)


class DeadLetter(models.Model):
    """A reading refused at intake, kept with its raw payload and the reason (never dropped).

    Bounded: the same refusal repeated (same writer, point, field and reason within a window)
    is one letter with a count and its first and last time; `raw` keeps at most a few KB of
    the payload, with the whole payload's size and SHA-256 (ingest/refusals.py)."""

    tenancy_policy = Policy(park_path="park")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        REPROCESSED = "reprocessed", _("Reprocessed")
        DISMISSED = "dismissed", _("Dismissed")

    park = models.ForeignKey(Park, on_delete=models.PROTECT, null=True)
    received_at = models.DateTimeField(db_index=True)
    source = models.CharField(max_length=12)
    gateway = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    point_code = models.CharField(max_length=64, blank=True, db_index=True)
    raw = models.TextField()
    field = models.CharField(max_length=32)
    reason = models.CharField(max_length=300)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    resolved_at = models.DateTimeField(null=True)
    # Aggregation: how many refusals this letter stands for, and the last one's time
    # (`received_at` is the first's).
    count = models.PositiveIntegerField(default=1)
    last_at = models.DateTimeField(null=True)
    # The payload as received: its size in UTF-8 bytes and hash, also when `raw` is cut short.
    raw_bytes = models.PositiveIntegerField(default=0)
    raw_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("rejected reading")
        verbose_name_plural = _("rejected readings")
        ordering = ["-received_at", "-id"]
        indexes = [
            # The per-writer refusal budget counts a writer's recent letters.
            models.Index(
                fields=["gateway", "source", "received_at"], name="deadletter_writer_recent"
            )
        ]

    @property
    def truncated(self) -> bool:
        return self.raw_bytes > len(self.raw.encode("utf-8", "replace"))


class ReadingConflict(models.Model):
    """A redelivered reading whose value differs from the stored one: kept for review."""

    tenancy_policy = Policy(park_path="point__park", enterprise_path="point__owner")

    point = models.ForeignKey(MeteringPoint, on_delete=models.PROTECT)
    ts = models.DateTimeField()
    stored_value = models.FloatField()
    new_value = models.FloatField()
    received_at = models.DateTimeField()
    source = models.CharField(max_length=12)
    resolved = models.BooleanField(default=False)

    class Meta:
        ordering = ["-received_at", "-id"]


class Gap(models.Model):
    """A stretch with no readings longer than the point's expected interval allows."""

    tenancy_policy = Policy(park_path="point__park", enterprise_path="point__owner")

    point = models.ForeignKey(MeteringPoint, on_delete=models.PROTECT)
    start = models.DateTimeField()  # the last reading before the gap
    end = models.DateTimeField()  # the first reading after it
    missing_intervals = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["point", "start"], name="gap_per_start")]
        ordering = ["-start"]


class PointState(models.Model):
    """How far the rollup stage has consumed each point's readings (its watermark)."""

    point = models.OneToOneField(
        MeteringPoint, on_delete=models.CASCADE, primary_key=True, related_name="state"
    )
    rolled_ts = models.DateTimeField()
    rolled_value = models.FloatField()
    last_received_at = models.DateTimeField()
    # Since when the counter has shown rolled_value (the stuck-value rule, counters.py), and the
    # first reading after the watermark still held as suspect (NULL: none; while set, the point
    # is recomputed from its readings after the watermark until they are decided). Epoch
    # seconds: the rollup stage reads and writes them for every point on every pass.
    run_start = models.FloatField(null=True)
    held_since = models.FloatField(null=True)


class Level(models.TextChoices):
    QUARTER = "15m", _("15 minutes")
    HOUR = "1h", _("hour")
    DAY = "1d", _("day")
    MONTH = "1mo", _("month")


class PointRollup(models.Model):
    """Energy of one point per bucket, in the kind's canonical unit, multiplier applied.
    Buckets start at local (Asia/Shanghai) boundaries and are stored as UTC instants."""

    pk = models.CompositePrimaryKey("point_id", "level", "bucket")
    point = models.ForeignKey(
        MeteringPoint, on_delete=models.PROTECT, db_constraint=False, db_index=False
    )
    level = models.CharField(max_length=3, choices=Level.choices)
    bucket = models.DateTimeField()
    energy = models.FloatField()
    readings = models.PositiveIntegerField()
    # Energy that came from an interval spanning a gap, a counter reset or a roll-over.
    flagged_energy = models.FloatField(default=0.0)


class Scope(models.TextChoices):
    PARK = "park", _("Park")
    ZONE = "zone", _("Zone")
    ENTERPRISE = "enterprise", _("Enterprise")
    PUBLIC = "public", _("Park public loads")


class EnergyRollup(models.Model):
    """Energy per park / zone / enterprise / public loads, per kind and bucket (what pages read).
    Public loads: points without an owner (street lights, chargers); scope_id is the park's id."""

    tenancy_policy = Policy(park_path="park", enterprise_path="enterprise")

    pk = models.CompositePrimaryKey("park_id", "scope", "scope_id", "kind", "level", "bucket")
    park = models.ForeignKey(Park, on_delete=models.PROTECT)
    scope = models.CharField(max_length=10, choices=Scope.choices)
    scope_id = models.BigIntegerField()  # park, zone or enterprise id (the park's id for public)
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, null=True)
    kind = models.CharField(max_length=24, choices=EnergyKind.choices)
    level = models.CharField(max_length=3, choices=Level.choices)
    bucket = models.DateTimeField()
    energy = models.FloatField()
    readings = models.PositiveIntegerField()
    flagged_energy = models.FloatField(default=0.0)


from parkpilot.energy.models_ops import *  # noqa
from parkpilot.energy.models_quality import *  # noqa
from parkpilot.energy.models_watermark import *  # noqa
from parkpilot.energy.models_assignment import *  # noqa
