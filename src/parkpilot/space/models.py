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


class Datum(models.TextChoices):
    """The coordinates an outline is typed in; stored always in WGS 84."""

    WGS84 = "wgs84", _("WGS 84 (GPS, most GIS exports)")
    GCJ02 = "gcj02", _("GCJ-02 (AMap, Tencent and WeChat maps)")


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


# --- the 大孵化器 ladder ---------------------------------------------------------------------


class Stage(models.TextChoices):
    """The incubation ladder, bottom to top: an enterprise moves up one rung at a time."""

    NURSERY = "nursery", _("nursery")  # 苗圃
    MAKERSPACE = "makerspace", _("maker space")  # 众创空间
    INCUBATOR = "incubator", _("incubator")  # 孵化器
    ACCELERATOR = "accelerator", _("accelerator")  # 加速器
    SMALL_PARK = "small_park", _("small-enterprise park")  # 小微园


LADDER = [s.value for s in Stage]


class Operator(models.Model):
    """A professional operator (运营机构) running incubation spaces under a contract; removed
    on the grounds of its evaluations (in 2020 the park removed 5 and brought in 3)."""

    tenancy_policy = _PARK_ONLY

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    contract_start = models.DateField(_("contract start"))
    contract_end = models.DateField(_("contract end"), null=True, blank=True)
    removed_on = models.DateField(_("removed on"), null=True, blank=True)
    removal_grounds = models.CharField(_("grounds for removal"), max_length=500, blank=True)
    demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("space operator")
        verbose_name_plural = _("space operators")
        constraints = [models.UniqueConstraint(fields=["park", "name"], name="space_operator_name")]

    def __str__(self) -> str:
        return self.name


class OperatorEvaluation(models.Model):
    """An operator's annual evaluation (年度考核): a score out of 100 and the grounds."""

    tenancy_policy = Policy(park_path="operator__park", readers=PARK_ROLES)

    operator = models.ForeignKey(Operator, on_delete=models.PROTECT, related_name="evaluations")
    year = models.PositiveSmallIntegerField(_("year"))
    score = models.DecimalField(_("score"), max_digits=4, decimal_places=1)
    passed = models.BooleanField(_("passed"))
    grounds = models.CharField(_("grounds"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("operator evaluation")
        verbose_name_plural = _("operator evaluations")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["operator", "year"], name="space_evaluation_year")
        ]


class IncubationSpace(models.Model):
    """A space of the ladder, in the park (a zone) or off-site (飞地, e.g. 廊湾 in Shenzhen)."""

    tenancy_policy = _PARK_ONLY

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    operator = models.ForeignKey(
        Operator, on_delete=models.PROTECT, null=True, blank=True, related_name="spaces"
    )
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, null=True, blank=True)
    location = models.CharField(_("off-site location"), max_length=200, blank=True)
    area_m2 = models.DecimalField(_("area (m²)"), max_digits=12, decimal_places=2)
    capacity = models.PositiveIntegerField(_("capacity (enterprises)"))
    opened = models.DateField(_("opened"), null=True, blank=True)
    demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("incubation space")
        verbose_name_plural = _("incubation spaces")
        constraints = [
            models.UniqueConstraint(fields=["park", "name"], name="space_incubation_name")
        ]

    def __str__(self) -> str:
        return self.name


class ServicePlatform(models.Model):
    """A public service platform (公共服务平台) of the incubation system: testing, IP, finance."""

    tenancy_policy = _PARK_ONLY

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    opened = models.DateField(_("opened"), null=True, blank=True)
    demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("public service platform")
        verbose_name_plural = _("public service platforms")


class Measure(models.TextChoices):
    """What a graduation criterion measures, each read from the platform's own records."""

    MONTHS_IN_STAGE = "months_in_stage", _("months in the stage")
    EMPLOYEES = "employees", _("employees")  # the latest monthly figure (economy)
    REVENUE_12M = "revenue_12m", _("revenue of the last 12 months reported (10k CNY)")


class GraduationRule(models.Model):
    """One criterion to move up from `stage` to the next rung, with its document."""

    tenancy_policy = Policy(park_path="park", shared_in_park=True)

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    measure = models.CharField(_("measure"), max_length=20, choices=Measure.choices)
    minimum = models.DecimalField(_("minimum"), max_digits=14, decimal_places=2)
    document = models.CharField(_("document"), max_length=300)
    demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("graduation criterion")
        verbose_name_plural = _("graduation criteria")
        constraints = [
            models.UniqueConstraint(fields=["park", "stage", "measure"], name="space_criterion")
        ]


class LadderStep(models.Model):
    """An enterprise in a space of the ladder from `entered_on` until `left_on` (its last day,
    open while it stays). Its steps are the record; its rung now is its open step's stage."""

    class Outcome(models.TextChoices):
        MOVED_UP = "moved_up", _("moved up")
        GRADUATED = "graduated", _("graduated")  # left the top rung, or the ladder, succeeding
        LEFT = "left", _("left the ladder")

    tenancy_policy = Policy(park_path="space__park", enterprise_path="enterprise")

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    space = models.ForeignKey(IncubationSpace, on_delete=models.PROTECT, related_name="steps")
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)  # the space's then
    entered_on = models.DateField(_("entered on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("ladder step")
        verbose_name_plural = _("ladder steps")
        ordering = ["entered_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"], condition=models.Q(left_on__isnull=True),
                name="space_one_open_step",
            ),
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True)
                | models.Q(left_on__gte=models.F("entered_on")),
                name="space_step_dates",
            ),
        ]  # fmt: skip


class IncubationTarget(models.Model):
    """The park's targets for the ladder by a year (2025: 35 spaces, 3,000,000 m², 20+
    operators, 15+ public service platforms), with their document."""

    tenancy_policy = Policy(park_path="park", shared_in_park=True)

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    spaces = models.PositiveIntegerField(_("spaces"))
    area_m2 = models.DecimalField(_("area (m²)"), max_digits=12, decimal_places=2)
    operators = models.PositiveIntegerField(_("operators"))
    platforms = models.PositiveIntegerField(_("public service platforms"))
    document = models.CharField(_("document"), max_length=300)

    class Meta:
        verbose_name = _("incubation target")
        verbose_name_plural = _("incubation targets")
        constraints = [models.UniqueConstraint(fields=["park", "year"], name="space_target_year")]
