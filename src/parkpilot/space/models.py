"""Land and space: parcels (宗地) with their dated pipeline, buildings with floors and units,
leases of units to enterprises, and the data of the 亩均效益 evaluation.

Occupancy and vacancy are never stored: they are the leases in force at a date
(selectors.occupancy). A parcel's status is its last step's; the steps are the record."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parkpilot.tenancy.models import Enterprise, Park, Zone
from parkpilot.tenancy.policy import Policy
from parkpilot.tenancy.roles import PARK_ROLES

# The park's land and buildings: its staff keep them, park roles read them.
_PARK_ONLY = Policy(park_path="park", readers=PARK_ROLES)


class ParcelKind(models.TextChoices):
    SUPPLY = "supply", _("state construction land")  # 国有建设用地 (出让)
    REQUISITION = "requisition", _("requisitioned land")  # 征收
    VILLAGE_RESERVED = "village_reserved", _("village reserved land")  # 村级留用地


class LandUse(models.TextChoices):
    INDUSTRIAL = "industrial", _("industrial")  # 工业用地
    RESEARCH = "research", _("research and development")  # 科研用地
    COMMERCIAL = "commercial", _("commercial")
    RESIDENTIAL = "residential", _("residential")
    PUBLIC = "public", _("public services")
    MIXED = "mixed", _("mixed use")


class Status(models.TextChoices):
    """The pipeline, in order: each parcel moves one step at a time."""

    APPROVED = "approved", _("approved, not supplied")  # 批而未供
    SUPPLIED = "supplied", pgettext_lazy("land", "supplied")  # 供地
    STARTED = "started", _("construction started")  # 开工
    COMPLETED = "completed", _("construction completed")  # 竣工
    OPERATING = "operating", _("in production")  # 投产


PIPELINE = [s.value for s in Status]


class Parcel(models.Model):
    tenancy_policy = _PARK_ONLY

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, null=True, blank=True)
    code = models.CharField(_("parcel code"), max_length=19)  # 宗地代码, GB/T 37346-2019
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=ParcelKind.choices)
    use = models.CharField(_("land use"), max_length=20, choices=LandUse.choices)
    area_m2 = models.DecimalField(_("area (m²)"), max_digits=12, decimal_places=2)
    planned_far = models.DecimalField(
        _("planned floor-area ratio"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, blank=True)
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outline = models.JSONField(_("outline"), null=True, blank=True)  # GeoJSON Polygon, WGS 84
    demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("land parcel")
        verbose_name_plural = _("land parcels")
        constraints = [models.UniqueConstraint(fields=["park", "code"], name="space_parcel_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ParcelStep(models.Model):
    tenancy_policy = Policy(park_path="parcel__park", readers=PARK_ROLES)

    parcel = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="steps")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    on = models.DateField(_("date"))
    document = models.CharField(_("document"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("parcel step")
        verbose_name_plural = _("parcel steps")
        ordering = ["on", "id"]
        constraints = [models.UniqueConstraint(fields=["parcel", "status"], name="space_step_once")]


class Building(models.Model):
    tenancy_policy = _PARK_ONLY

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    parcel = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="buildings")
    name = models.CharField(_("name"), max_length=200)
    footprint = models.JSONField(_("footprint"), null=True, blank=True)  # GeoJSON Polygon
    demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")

    def __str__(self) -> str:
        return self.name


class Floor(models.Model):
    tenancy_policy = Policy(park_path="building__park", readers=PARK_ROLES)

    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="floors")
    number = models.SmallIntegerField(_("floor"))  # negative below ground
    area_m2 = models.DecimalField(_("floor area (m²)"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("floor")
        verbose_name_plural = _("floors")
        constraints = [
            models.UniqueConstraint(fields=["building", "number"], name="space_floor_number")
        ]


class Unit(models.Model):
    tenancy_policy = Policy(park_path="floor__building__park", readers=PARK_ROLES)

    floor = models.ForeignKey(Floor, on_delete=models.PROTECT, related_name="units")
    code = models.CharField(_("unit"), max_length=40)
    area_m2 = models.DecimalField(_("leasable area (m²)"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [models.UniqueConstraint(fields=["floor", "code"], name="space_unit_code")]

    def __str__(self) -> str:
        return self.code


class Lease(models.Model):
    """A unit let to an enterprise from `start` to `end` (inclusive; open-ended when null)."""

    tenancy_policy = Policy(park_path="unit__floor__building__park", enterprise_path="enterprise")

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="leases")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), null=True, blank=True)
    demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("lease")
        verbose_name_plural = _("leases")
        indexes = [models.Index(fields=["unit", "start"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
                name="space_lease_dates",
            )
        ]


class SchemeBasis(models.TextChoices):
    """Where a scheme's figures come from, shown beside them."""

    PROVINCE = "province", _("Zhejiang's default shape")  # 浙政发〔2018〕5号, not a county's own
    PARK = "park", _("the park's own scheme")
    DEMO = "demo", _("demo data")


class MujunScheme(models.Model):
    """A year's 亩均效益 evaluation rules as data, with the document they come from:
    `weights` {indicator: points}, `cutoffs` {"A": 20, "B": 70, "C": 95} (a class holds the
    ranks up to that percent of the enterprises evaluated, D the rest), `cap` (an indicator
    scores at most cap × its weight) and `sector_rules` {industry-code prefix: {"weights":
    {indicator: points}}}, laid over the weights for the enterprises of that sector (0 leaves an
    indicator out)."""

    tenancy_policy = Policy(park_path="park", shared_in_park=True)

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    document = models.CharField(_("document"), max_length=300)
    weights = models.JSONField(_("weights"))
    cutoffs = models.JSONField(_("class cut-offs"))
    cap = models.DecimalField(_("score cap"), max_digits=4, decimal_places=2, default=2)
    sector_rules = models.JSONField(_("sector rules"), default=dict, blank=True)
    basis = models.CharField(
        _("basis"), max_length=20, choices=SchemeBasis.choices, default=SchemeBasis.PARK
    )
    demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("亩均 evaluation scheme")
        verbose_name_plural = _("亩均 evaluation schemes")
        constraints = [models.UniqueConstraint(fields=["park", "year"], name="space_scheme_year")]


class Emissions(models.Model):
    """An enterprise's emissions of the major pollutants in a year (tonnes), as entered from
    the environmental statistics (环境统计)."""

    tenancy_policy = Policy(park_path="park", enterprise_path="enterprise")

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    cod_t = models.DecimalField("COD (t)", max_digits=12, decimal_places=3)
    nh3n_t = models.DecimalField("NH3-N (t)", max_digits=12, decimal_places=3)
    so2_t = models.DecimalField("SO2 (t)", max_digits=12, decimal_places=3)
    nox_t = models.DecimalField("NOx (t)", max_digits=12, decimal_places=3)
    source = models.CharField(_("source"), max_length=200, blank=True)
    demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("pollutant emissions")
        verbose_name_plural = _("pollutant emissions")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "year"], name="space_emissions_year")
        ]
