"""Parks, zones, enterprises, people and their roles, API tokens and the audit log."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from parkpilot.tenancy.policy import Policy
from parkpilot.tenancy.roles import ENTERPRISE_ROLES, PARK_ROLES, Role


class Park(models.Model):
    tenancy_policy = Policy(park_path="pk", shared_in_park=True)

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    district = models.CharField(_("district"), max_length=100, blank=True)
    region_code = models.CharField(_("administrative division code"), max_length=6, blank=True)
    timezone = models.CharField(_("time zone"), max_length=50, default="Asia/Shanghai")
    facts = models.JSONField(_("published facts"), default=dict, blank=True)
    # GeoJSON geometry (a Polygon, WGS 84 lon/lat) in a plain column, the same on both databases;
    # shapes are computed with shapely, never by the database.
    outline = models.JSONField(_("outline"), null=True, blank=True)
    outline_is_demo = models.BooleanField(_("outline is demo data"), default=False)

    class Meta:
        verbose_name = _("park")
        verbose_name_plural = _("parks")

    def __str__(self) -> str:
        return self.name


class Zone(models.Model):
    tenancy_policy = Policy(park_path="park", shared_in_park=True)

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="zones")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    area_ha = models.DecimalField(_("area (ha)"), max_digits=10, decimal_places=2, null=True)
    area_mu = models.DecimalField(_("area (mu)"), max_digits=10, decimal_places=1, null=True)
    floor_area_10k_m2 = models.DecimalField(
        _("floor area (10,000 m²)"), max_digits=10, decimal_places=2, null=True
    )
    opened_on = models.DateField(_("opened on"), null=True)
    facts = models.JSONField(_("published facts"), default=dict, blank=True)
    outline = models.JSONField(_("outline"), null=True, blank=True)  # GeoJSON, as Park's
    outline_is_demo = models.BooleanField(_("outline is demo data"), default=False)

    class Meta:
        verbose_name = _("zone")
        verbose_name_plural = _("zones")
        constraints = [models.UniqueConstraint(fields=["park", "code"], name="zone_code_per_park")]
        ordering = ["park", "id"]

    def __str__(self) -> str:
        return self.name


class EnterpriseKind(models.TextChoices):
    # A partner organisation (the talent pool's lending bank) signs in and is scoped like an
    # enterprise, but it is not one of the park's enterprises: it is not counted, graded,
    # ranked or sent a 碳体检报告.
    TENANT = "tenant", _("enterprise in the park")
    PARTNER = "partner", _("partner organisation")


class EnterpriseQuerySet(models.QuerySet):
    def tenants(self) -> "EnterpriseQuerySet":
        """The park's enterprises, partner organisations left out."""
        return self.filter(kind=EnterpriseKind.TENANT)


class Enterprise(models.Model):
    # Enterprise admins keep their own profile up to date; registry facts (name, credit code,
    # zone, 规上 status) are the park's to change.
    tenancy_policy = Policy(
        park_path="park",
        enterprise_path="pk",
        own_writers=frozenset({Role.ENTERPRISE_ADMIN}),
        own_writable_fields=frozenset(
            {"short_name", "industry_code", "floor_area_m2", "employees"}
        ),
    )

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="enterprises")
    zone = models.ForeignKey(
        Zone, on_delete=models.PROTECT, related_name="enterprises", null=True, blank=True
    )
    # db_default too: rows written by code that predates the column (the data migrations'
    # historical models) are enterprises in the park.
    kind = models.CharField(
        _("kind"), max_length=10, choices=EnterpriseKind.choices,
        default=EnterpriseKind.TENANT, db_default=EnterpriseKind.TENANT,
    )  # fmt: skip
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    # 统一社会信用代码, GB 32100-2015; validated in services.py.
    credit_code = models.CharField(_("unified social credit code"), max_length=18)
    # GB/T 4754-2017 section letter + division, e.g. "C34".
    industry_code = models.CharField(_("industry (GB/T 4754-2017)"), max_length=3, blank=True)
    above_scale = models.BooleanField(_("above designated size (规上)"), default=False)
    floor_area_m2 = models.PositiveIntegerField(_("floor area (m²)"), null=True, blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    # Figures the source documents publish about this enterprise, shown as published.
    published = models.JSONField(_("published figures"), default=dict, blank=True)
    # Names of the fields whose values the demo invented (shown with a "demo data" badge).
    demo_fields = models.JSONField(_("demo fields"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        constraints = [
            models.UniqueConstraint(fields=["park", "credit_code"], name="credit_code_per_park"),
            models.UniqueConstraint(fields=["park", "name"], name="enterprise_name_per_park"),
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_demo(self) -> bool:
        return bool(self.demo_fields)


class User(AbstractUser):
    # The park's people are its administrators' to see and manage (lockouts, everyone's tokens,
    # invitations, roles); an enterprise's administrators manage their own staff's names, roles
    # and whether they may sign in, nothing else (no further roles, no other enterprise).
    tenancy_policy = Policy(
        park_path="park",
        enterprise_path="enterprise",
        readers=frozenset({Role.PARK_ADMIN, Role.ENTERPRISE_ADMIN}),
        park_writers=frozenset({Role.PARK_ADMIN}),
        own_creators=frozenset({Role.ENTERPRISE_ADMIN}),
        own_writers=frozenset({Role.ENTERPRISE_ADMIN}),
        own_writable_fields=frozenset({"display_name", "email", "role", "is_active"}),
    )

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.RESIDENT)
    park = models.ForeignKey(
        Park, on_delete=models.PROTECT, related_name="users", null=True, blank=True
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="users", null=True, blank=True
    )
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    # Roles held beside the primary one: a resident who is also a party member, an employee who
    # drives a bus (codes from tenancy.roles.registry(), app roles included). Changed only by
    # tenancy.services.user_roles_set; read by access.roles_of without a query.
    granted_roles = models.JSONField(_("further roles"), default=list, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                name="enterprise_roles_have_enterprise",
                condition=~models.Q(role__in=sorted(r.value for r in ENTERPRISE_ROLES))
                | models.Q(enterprise__isnull=False),
            )
        ]

    @property
    def roles(self) -> frozenset[str]:
        return frozenset({self.role, *self.granted_roles})

    @property
    def is_park_role(self) -> bool:
        return bool(self.roles & PARK_ROLES)

    @property
    def is_enterprise_role(self) -> bool:
        return bool(self.roles & ENTERPRISE_ROLES) and self.enterprise_id is not None

    def __str__(self) -> str:
        return self.display_name or self.username


class TokenScope(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")
    GATEWAY = "gateway", _("Meter gateway")


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is stored; the secret is shown once, when made. It
    works until it expires or is revoked; a read token may only read."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, blank=True)
    scope = models.CharField(
        _("scope"), max_length=10, choices=TokenScope.choices, default=TokenScope.WRITE
    )
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class AuditLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("the audit log is append-only")

    def delete(self):
        raise PermissionError("the audit log is append-only")


class AuditLog(models.Model):
    """Who changed what, when, with the values before and after. Append-only: the model refuses
    updates and deletes, and database triggers (migration 0002) refuse them below the ORM too."""

    tenancy_policy = Policy(
        park_path="park",
        readers=frozenset({Role.PARK_ADMIN, Role.SUPERVISOR}),
        park_writers=frozenset(),
    )

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    park = models.ForeignKey(Park, on_delete=models.PROTECT, null=True, related_name="+")
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    actor_label = models.CharField(max_length=150)
    via = models.CharField(max_length=20)  # ui, api, token, cli, admin, system
    action = models.CharField(max_length=60)  # e.g. enterprise.update
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200)
    before = models.JSONField(null=True)
    after = models.JSONField(null=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("the audit log is append-only")
