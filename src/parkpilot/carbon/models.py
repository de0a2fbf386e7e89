"""Carbon: the versioned factor catalogue, per-year grading settings and industry averages,
stored accounts (each with the factor versions that made it), budgets, alerts and reports."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from parkpilot.tenancy.models import Enterprise, Park, User
from parkpilot.tenancy.policy import Policy
from parkpilot.tenancy.roles import PARK_ROLES, Role

PARK_OPERATORS = frozenset({Role.PARK_ADMIN, Role.PARK_STAFF})


class Carrier(models.TextChoices):
    """What a factor applies to. Steam is accounted as heat (mass × the meter's enthalpy)."""

    ELECTRICITY = "electricity", _("Electricity")
    NATURAL_GAS = "natural_gas", _("Natural gas")
    HEAT = "heat", _("Heat (steam)")


class Quantity(models.TextChoices):
    CO2 = "co2", _("CO2 emission factor")
    TCE = "tce", _("Standard-coal coefficient")


class Region(models.TextChoices):
    NATIONAL = "national", _("National")
    EAST_CHINA = "east_china", _("East China grid")
    ZHEJIANG = "zhejiang", _("Zhejiang")


class EmissionFactor(models.Model):
    """One factor of the catalogue. A new value for the same key (carrier, quantity, purpose,
    region, year) is a new version; the old row stays, so stored accounts that name it can be
    reproduced. Everyone in the park may read the catalogue (reports cite it)."""

    tenancy_policy = Policy(park_path="park", shared_in_park=True, park_writers=PARK_OPERATORS)

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    carrier = models.CharField(_("carrier"), max_length=16, choices=Carrier.choices)
    quantity = models.CharField(_("quantity"), max_length=4, choices=Quantity.choices)
    # "default" is what accounting uses; other purposes are kept for reference only (e.g. the
    # power-sector carbon-market factor, or the 等价值 standard-coal coefficient).
    purpose = models.CharField(_("purpose"), max_length=40, default="default")
    region = models.CharField(_("region"), max_length=16, choices=Region.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=6)
    unit = models.CharField(_("unit"), max_length=20)
    document = models.CharField(_("source document"), max_length=300)
    effective_from = models.DateField(_("effective from"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    superseded = models.BooleanField(_("superseded"), default=False)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        verbose_name = _("emission factor")
        verbose_name_plural = _("emission factors")
        constraints = [
            models.UniqueConstraint(
                fields=["park", "carrier", "quantity", "purpose", "region", "year", "version"],
                name="carbon_factor_version",
            )
        ]
        ordering = ["carrier", "quantity", "purpose", "region", "-year", "-version"]

    def __str__(self) -> str:
        return f"{self.carrier}/{self.quantity}/{self.region}/{self.year} v{self.version}"


class YearSettings(models.Model):
    """Per-year configuration of the 碳效码 rule (thresholds are revised yearly) and the
    time-of-use hours used for load profiles."""

    tenancy_policy = Policy(park_path="park", shared_in_park=True, park_writers=PARK_OPERATORS)

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    # Upper bounds of K for grades 1-4 (grade 5 above the last), inclusive.
    grade_bounds = models.JSONField(_("grade bounds (K)"), default=list)
    # Upper bounds of L for low and medium (high above), inclusive, tCO2 per 10,000 CNY.
    level_bounds = models.JSONField(_("level bounds (L)"), default=list)
    # {"sharp": [hours], "peak": [...], "valley": [...]}; the other hours are flat.
    tou_hours = models.JSONField(_("time-of-use hours"), default=dict)
    document = models.CharField(_("source document"), max_length=300, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("carbon year settings")
        constraints = [
            models.UniqueConstraint(fields=["park", "year"], name="carbon_settings_per_year")
        ]


class IndustryAverage(models.Model):
    """The province's average carbon intensity L of an industry (GB/T 4754 division) for a year."""

    tenancy_policy = Policy(park_path="park", shared_in_park=True, park_writers=PARK_OPERATORS)

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    industry_code = models.CharField(_("industry"), max_length=3)
    year = models.PositiveSmallIntegerField(_("year"))
    intensity = models.DecimalField(
        _("average carbon intensity (tCO2/10k CNY)"), max_digits=10, decimal_places=4
    )
    document = models.CharField(_("source document"), max_length=300, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("industry average")
        constraints = [
            models.UniqueConstraint(
                fields=["park", "industry_code", "year"], name="carbon_industry_avg"
            )
        ]


class Level(models.TextChoices):
    HOUR = "1h", _("hour")
    DAY = "1d", _("day")
    MONTH = "1mo", _("month")
    YEAR = "1y", _("year")


class AccountScope(models.TextChoices):
    PARK = "park", _("Park")
    ZONE = "zone", _("Zone")
    ENTERPRISE = "enterprise", _("Enterprise")
    PUBLIC = "public", _("Park public loads")


class CarbonAccount(models.Model):
    """A stored (closed) account of one scope, period and snapshot version. `figures` holds
    the whole result (physical energy, tce, CO2 by source) and `factor_ids` the factor versions
    that made it: showing it again never recomputes; `account_recompute` (audited) makes the
    next version and keeps this one."""

    tenancy_policy = Policy(park_path="park", enterprise_path="enterprise")

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    scope = models.CharField(max_length=10, choices=AccountScope.choices)
    scope_id = models.BigIntegerField()
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, null=True)
    level = models.CharField(max_length=3, choices=Level.choices)
    period_start = models.DateField()
    tce = models.FloatField()
    co2_t = models.FloatField()
    figures = models.JSONField()
    factor_ids = models.JSONField()
    computed_at = models.DateTimeField(auto_now=True)
    # The snapshot version it belongs to (models_closing.PeriodClose): a recompute adds new
    # rows with the next version and leaves these as they were.
    version = models.PositiveSmallIntegerField(default=1)
    closing = models.ForeignKey(
        "carbon.PeriodClose", on_delete=models.PROTECT, null=True, related_name="accounts"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["park", "scope", "scope_id", "level", "period_start", "version"],
                name="carbon_account_per_period_version",
            )
        ]
        ordering = ["-period_start", "scope", "scope_id"]

    def __str__(self) -> str:
        return f"{self.scope}:{self.scope_id} {self.level} {self.period_start}"


class Budget(models.Model):
    """碳受控: the park's (enterprise empty) or an enterprise's annual energy and carbon budget."""

    tenancy_policy = Policy(park_path="park", enterprise_path="enterprise")

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("year"))
    energy_tce = models.DecimalField(_("energy budget (tce)"), max_digits=14, decimal_places=3)
    co2_t = models.DecimalField(_("carbon budget (tCO2)"), max_digits=14, decimal_places=3)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("carbon budget")
        constraints = [
            models.UniqueConstraint(
                fields=["park", "enterprise", "year"], name="carbon_budget_per_year"
            ),
            models.UniqueConstraint(
                fields=["park", "year"],
                condition=models.Q(enterprise__isnull=True),
                name="carbon_park_budget_per_year",
            ),
        ]


class AlertKind(models.TextChoices):
    """Carbon's alerts to an enterprise, raised through parkpilot.alerts as "carbon.<kind>"
    (declared with their escalation in CarbonConfig.alert_kinds)."""

    BUDGET_ENERGY = "budget_energy", _("Energy budget projected to be exceeded")
    BUDGET_CO2 = "budget_co2", _("Carbon budget projected to be exceeded")
    GRADE_WORSE = "grade_worse", _("Carbon-efficiency grade worsened")


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class ReportBatch(models.Model):
    """Every enterprise's report of one period, issued in the background. `heartbeat_at` moves
    on with every report, so a batch whose worker died is seen as stale and finished."""

    tenancy_policy = Policy(park_path="park", readers=PARK_ROLES)

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()  # 0: the year's report
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=BatchStatus.choices, default="queued")
    # Per failed report: enterprise id and name, the reason and the attempts made.
    errors = models.JSONField(default=list)
    reason = models.CharField(max_length=500, blank=True)  # why a failed batch failed
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"batch {self.pk} {self.year}-{self.month:02d}"

    @property
    def finished(self) -> bool:
        return self.status in (BatchStatus.DONE, BatchStatus.FAILED)


class Report(models.Model):
    """One enterprise's 碳体检报告 for a month (or a year: month 0): its number and its
    issued versions (`ReportVersion`, immutable; the latest is `latest_version`)."""

    tenancy_policy = Policy(park_path="park", enterprise_path="enterprise")

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()  # 0: the year's report
    number = models.CharField(_("report number"), max_length=64, unique=True)
    latest_version = models.PositiveSmallIntegerField(default=0)
    batch = models.ForeignKey(ReportBatch, on_delete=models.SET_NULL, null=True)
    generated_at = models.DateTimeField(auto_now=True)  # when the latest version was issued

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "year", "month"],
                name="carbon_report_per_period",
            )
        ]
        ordering = ["-year", "-month", "enterprise_id"]

    def __str__(self) -> str:
        return self.number

    @property
    def period(self) -> str:
        return f"{self.year}-{self.month:02d}" if self.month else str(self.year)

    @property
    def latest(self) -> "ReportVersion":
        """The latest issued version (read each time: a re-issue may have added one)."""
        return self.versions.get(version=self.latest_version)

    # The latest version's files and figures, for callers that want "the report".
    @property
    def pdf(self) -> bytes:
        return self.latest.pdf

    @property
    def xlsx(self) -> bytes:
        return self.latest.xlsx

    @property
    def content(self) -> dict:
        return self.latest.content


# Defined in its own module (it refers to Report); imported here so Django finds it.
from parkpilot.carbon.models_closing import CloseRule, PeriodClose  # noqa: E402, F401
from parkpilot.carbon.models_green import *  # noqa: E402, F403
from parkpilot.carbon.models_reports import ReportVersion  # noqa: E402
