"""Investment projects (一本账): the register, its life stages with planned and actual dates and
the approvals behind them, progress updates, monthly investment, and the rules of its delay
alerts (the alerts themselves are parkpilot.alerts's)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkpilot.tenancy.models import Enterprise, Park, Zone
from parkpilot.tenancy.policy import Policy
from parkpilot.tenancy.roles import ENTERPRISE_ROLES, PARK_ROLES, Role
from parkpilot.tenancy.storage import attachments_storage


class Stage(models.IntegerChoices):
    """The life of a project, in order. The number is the order; 0 means no stage reached yet."""

    SIGNED = 1, _("Signed (签约)")
    LAND = 2, _("Land supplied (供地)")
    APPROVAL = 3, _("Approved or filed (立项/备案)")
    PLANNING_PERMIT = 4, _("Planning permit (规划许可)")
    CONSTRUCTION_PERMIT = 5, _("Construction permit (施工许可)")
    STARTED = 6, _("Construction started (开工)")
    COMPLETED = 7, _("Construction completed (竣工)")
    IN_USE = 8, _("In production or use (投产/投用)")
    AT_CAPACITY = 9, _("At capacity (达产/上规)")


# Stages granted by an approving body: the approval service zone (审批专区) times these.
APPROVAL_STAGES = frozenset(
    {Stage.LAND, Stage.APPROVAL, Stage.PLANNING_PERMIT, Stage.CONSTRUCTION_PERMIT}
)


class NoDeleteMixin:
    """Ledger rows are never deleted: history is the point of a ledger."""

    def delete(self, *args, **kwargs):
        raise PermissionError(f"{type(self).__name__} rows are never deleted")


class Project(NoDeleteMixin, models.Model):
    # Enterprises read their own projects and file progress and investment for them; the park
    # keeps the register itself.
    tenancy_policy = Policy(park_path="park", enterprise_path="enterprise")

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="projects")
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, null=True, blank=True)
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, null=True, blank=True, related_name="projects"
    )
    name = models.CharField(_("name"), max_length=200)
    investor = models.CharField(_("investor"), max_length=200, blank=True)
    investment_100m_cny = models.DecimalField(
        _("planned investment (100M CNY)"), max_digits=10, decimal_places=2, null=True
    )
    land_ha = models.DecimalField(_("land (ha)"), max_digits=10, decimal_places=2, null=True)
    floor_area_10k_m2 = models.DecimalField(
        _("floor area (10,000 m²)"), max_digits=10, decimal_places=2, null=True
    )
    capacity = models.CharField(_("capacity"), max_length=200, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    started_on = models.DateField(_("construction started on"), null=True, blank=True)
    in_use_on = models.DateField(_("in use since"), null=True, blank=True)
    in_production_year = models.PositiveSmallIntegerField(_("in production (year)"), null=True)
    status_note = models.CharField(_("status as published"), max_length=100, blank=True)
    facts = models.JSONField(_("other published facts"), default=dict, blank=True)
    source = models.CharField(_("source document"), max_length=200, blank=True)

    industry = models.CharField(_("industry"), max_length=100, blank=True)
    land_parcel = models.CharField(_("land parcel"), max_length=100, blank=True)
    # The one responsible person among park staff.
    contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contact_projects",
        verbose_name=_("contact person"),
    )
    completed_investment_100m_cny = models.DecimalField(
        _("completed investment (100M CNY)"), max_digits=10, decimal_places=2, default=0
    )
    # Kept by the services, so the ledger filters and counts without joining every stage.
    current_stage = models.PositiveSmallIntegerField(
        _("current stage"), choices=[(0, _("Not started")), *Stage.choices], default=0
    )
    land_to_start_days = models.IntegerField(_("land to construction start (days)"), null=True)
    is_delayed = models.BooleanField(_("delayed"), default=False)
    last_update_at = models.DateTimeField(_("last progress update"), null=True, blank=True)
    # "|152|省重点|": tag filtering by substring works alike on SQLite and PostgreSQL.
    tags_text = models.CharField(max_length=500, blank=True, default="", editable=False)
    demo_fields = models.JSONField(_("demo fields"), default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("investment project")
        verbose_name_plural = _("investment projects")
        constraints = [
            models.UniqueConstraint(fields=["park", "name"], name="project_name_per_park")
        ]
        indexes = [
            models.Index(fields=["park", "current_stage"], name="project_park_stage"),
            models.Index(fields=["park", "is_delayed"], name="project_park_delayed"),
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.tags_text = "".join(f"|{t}" for t in self.tags) + ("|" if self.tags else "")
        if kwargs.get("update_fields") is not None and "tags" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "tags_text"}
        super().save(*args, **kwargs)


_PROJECT_CHILD = {"park_path": "project__park", "enterprise_path": "project__enterprise"}


class ProjectStage(NoDeleteMixin, models.Model):
    tenancy_policy = Policy(**_PROJECT_CHILD)

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="stages")
    stage = models.PositiveSmallIntegerField(_("stage"), choices=Stage.choices)
    planned_on = models.DateField(_("planned date"), null=True, blank=True)
    actual_on = models.DateField(_("actual date"), null=True, blank=True)
    # 审批专区: who approves, when the application went in and when it was granted.
    approving_body = models.CharField(_("approving body"), max_length=100, blank=True)
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("project stage")
        verbose_name_plural = _("project stages")
        constraints = [
            models.UniqueConstraint(fields=["project", "stage"], name="one_row_per_stage")
        ]
        ordering = ["project", "stage"]

    def __str__(self) -> str:
        return f"{self.project} · {self.get_stage_display()}"

    @property
    def approval_days(self) -> int | None:
        if self.submitted_on and self.approved_on:
            return (self.approved_on - self.submitted_on).days
        return None


class ProgressUpdate(NoDeleteMixin, models.Model):
    """进度填报, by the enterprise or the contact person."""

    tenancy_policy = Policy(**_PROJECT_CHILD, own_creators=ENTERPRISE_ROLES)

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="updates")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    stage = models.PositiveSmallIntegerField(_("stage"), choices=Stage.choices, null=True)
    text = models.TextField(_("progress"))
    photo = models.FileField(
        _("photo"), upload_to="projects/photos/%Y/%m/", blank=True, storage=attachments_storage
    )

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.project} {self.at:%Y-%m-%d}"


class ProjectDocument(NoDeleteMixin, models.Model):
    """A document attached to a project, usually to one stage (an approval, a permit, a
    completion certificate)."""

    tenancy_policy = Policy(**_PROJECT_CHILD)

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="documents")
    stage = models.PositiveSmallIntegerField(_("stage"), choices=Stage.choices, null=True)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(
        _("file"), upload_to="projects/documents/%Y/%m/", storage=attachments_storage
    )
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("project document")
        verbose_name_plural = _("project documents")
        ordering = ["stage", "id"]

    def __str__(self) -> str:
        return self.title


class MonthlyInvestment(NoDeleteMixin, models.Model):
    """Planned and completed investment of one month (亿元); years are sums of months."""

    tenancy_policy = Policy(**_PROJECT_CHILD, own_creators=ENTERPRISE_ROLES)

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="investments")
    month = models.DateField(_("month"))  # always the first day of the month
    planned_100m_cny = models.DecimalField(
        _("planned (100M CNY)"), max_digits=10, decimal_places=2, default=0
    )
    actual_100m_cny = models.DecimalField(
        _("completed (100M CNY)"), max_digits=10, decimal_places=2, null=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("monthly investment")
        verbose_name_plural = _("monthly investment")
        constraints = [
            models.UniqueConstraint(fields=["project", "month"], name="one_row_per_month")
        ]
        ordering = ["project", "month"]

    def __str__(self) -> str:
        return f"{self.project} {self.month:%Y-%m}"


class AlertKind(models.TextChoices):
    """The ledger's delay alerts, kept by parkpilot.alerts as "projects.<kind>" (ProjectsConfig
    declares them). The scan here decides when each is raised, cleared and escalated."""

    STAGE_OVERDUE = "stage_overdue", _("Stage overdue")
    INVESTMENT_BEHIND = "investment_behind", _("Investment behind plan")
    NO_UPDATE = "no_update", _("No progress update")


class AlertRule(models.Model):
    """Per-park thresholds for delay alerts (defaults apply when a park has no row): when the
    scan raises "no update" and when it escalates an alert not yet closed."""

    tenancy_policy = Policy(
        park_path="park",
        readers=PARK_ROLES,
        park_writers=frozenset({Role.PARK_ADMIN}),
    )

    park = models.OneToOneField(Park, on_delete=models.PROTECT, related_name="+")
    no_update_days = models.PositiveSmallIntegerField(
        _("alert when no progress update for (days)"), default=30
    )
    escalate_after_days = models.PositiveSmallIntegerField(
        _("escalate an alert not closed after (days)"), default=7
    )

    class Meta:
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")

    def __str__(self) -> str:
        return f"{self.park}: {self.no_update_days}d / {self.escalate_after_days}d"
