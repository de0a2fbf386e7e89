"""Economy figures. For now the park-level figures the documents publish, exactly as printed;
monthly enterprise statistics and computed indicators arrive with the cockpit issue."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from parkpilot.tenancy.models import Park
from parkpilot.tenancy.policy import Policy
from parkpilot.tenancy.roles import Role


class PublishedFigure(models.Model):
    tenancy_policy = Policy(park_path="park", shared_in_park=True)

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="published_figures")
    code = models.SlugField(max_length=80)
    period = models.CharField(_("period"), max_length=20)  # "2020" or "2022-01/08"
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=4)
    unit = models.CharField(_("unit"), max_length=20)
    growth_pct = models.DecimalField(
        _("growth (%)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    share_pct = models.DecimalField(
        _("share (%)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    group = models.CharField(_("group"), max_length=30)
    headline = models.BooleanField(_("headline figure"), default=False)
    source = models.CharField(_("source document"), max_length=200)

    class Meta:
        verbose_name = _("published figure")
        verbose_name_plural = _("published figures")
        constraints = [
            models.UniqueConstraint(fields=["park", "code", "period"], name="figure_per_period")
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.period} {self.name}"


# Monthly enterprise statistics. Money in 万元 (10,000 CNY), as the park's statistics office
# collects it; energy in tonnes of standard coal equivalent (吨标准煤, tce), as reported.
MEASURES = (
    "output_value",
    "value_added",
    "revenue",
    "tax",
    "employees",
    "rnd_spending",
    "energy_tce",
)


class EconomyProfile(models.Model):
    """How the statistics office classifies an enterprise for the park's indicators: which
    value added counts as 高新技术产业 and as 高端装备制造业. 规上 status and industry come from
    the enterprise register (tenancy.Enterprise)."""

    tenancy_policy = Policy(park_path="enterprise__park", enterprise_path="enterprise")

    enterprise = models.OneToOneField(
        "tenancy.Enterprise", on_delete=models.PROTECT, related_name="economy_profile"
    )
    high_tech = models.BooleanField(_("high-tech industry (高新技术产业)"), default=False)
    high_end_equipment = models.BooleanField(
        _("high-end equipment manufacturing (高端装备制造业)"), default=False
    )
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("economy profile")
        verbose_name_plural = _("economy profiles")

    def __str__(self) -> str:
        return f"{self.enterprise_id} profile"


class ImportBatch(models.Model):
    """One accepted statistics-office workbook: what was imported, by whom, from which file."""

    tenancy_policy = Policy(
        park_path="park",
        readers=frozenset({Role.PARK_ADMIN, Role.PARK_STAFF, Role.SUPERVISOR}),
    )

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(max_length=64)
    sheets = models.JSONField(_("sheets"), default=list)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created_by = models.ForeignKey(
        "tenancy.User", on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("statistics import")
        verbose_name_plural = _("statistics imports")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.file_name


class EnterpriseMonthly(models.Model):
    """One enterprise's figures for one calendar month (当月数, not cumulative)."""

    # Enterprise admins report their own month; the park's statistics staff may enter or import
    # anyone's. Nobody outside the park, and no enterprise another's.
    tenancy_policy = Policy(
        park_path="park",
        enterprise_path="enterprise",
        own_creators=frozenset({Role.ENTERPRISE_ADMIN}),
        own_writers=frozenset({Role.ENTERPRISE_ADMIN}),
        own_writable_fields=frozenset(MEASURES),
    )

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    enterprise = models.ForeignKey(
        "tenancy.Enterprise", on_delete=models.PROTECT, related_name="monthly_figures"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    output_value = models.DecimalField(
        _("industrial output value (10k CNY)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
    )
    value_added = models.DecimalField(
        _("industrial value added (10k CNY)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
    )
    revenue = models.DecimalField(
        _("revenue (10k CNY)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    tax = models.DecimalField(
        _("tax paid (10k CNY)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    rnd_spending = models.DecimalField(
        _("R&D spending (10k CNY)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    energy_tce = models.DecimalField(
        _("energy use (tce)"), max_digits=14, decimal_places=3, null=True, blank=True
    )
    source = models.CharField(_("source"), max_length=20, default="form")  # form|api|import|demo
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("monthly enterprise figures")
        verbose_name_plural = _("monthly enterprise figures")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "year", "month"], name="economy_monthly_per_enterprise"
            ),
            models.CheckConstraint(
                condition=models.Q(month__gte=1, month__lte=12), name="economy_month_1_12"
            ),
        ]
        indexes = [models.Index(fields=["park", "year", "month"])]
        ordering = ["year", "month", "enterprise_id"]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.enterprise_id}"
