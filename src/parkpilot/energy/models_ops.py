"""Operational rows of energy intake: background jobs (file imports, the simulator's history
back-fill) with their progress, and the gateways' MQTT credentials.

Kept apart from models.py (the readings store) so intake's hot tables stay in one module."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from parkpilot.tenancy.models import Park, User
from parkpilot.tenancy.policy import Policy
from parkpilot.tenancy.roles import PARK_ROLES

__all__ = ["GatewayMqttCredential", "IntakeJob"]


class IntakeJob(models.Model):
    """A long intake run whose progress a page shows: a CSV/XLSX import, or a history back-fill."""

    # Park staff and admins (and the supervisor, read-only) see the park's jobs.
    tenancy_policy = Policy(park_path="park", readers=frozenset(PARK_ROLES))

    class Kind(models.TextChoices):
        IMPORT = "import", _("File import")
        BACKFILL = "backfill", _("History back-fill")
        POINTS = "points", _("Metering-point import")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    # Where the uploaded file waits for the task (under PARKPILOT_DATA_DIR); removed when done.
    stored_path = models.CharField(max_length=500, blank=True)
    # Progress: `done` of `total` units (rows for an import, chunks for a back-fill).
    total = models.PositiveBigIntegerField(default=0)
    done = models.PositiveBigIntegerField(default=0)
    accepted = models.PositiveBigIntegerField(default=0)
    duplicates = models.PositiveBigIntegerField(default=0)
    conflicts = models.PositiveBigIntegerField(default=0)
    rejected = models.PositiveBigIntegerField(default=0)
    # The first refusals (row, field, reason) so the page can say what was wrong.
    errors = models.JSONField(default=list, blank=True)
    message = models.CharField(max_length=300, blank=True)
    # A point import: checking every row first, then writing (`done` counts rows of the phase).
    phase = models.CharField(max_length=10, blank=True)
    created_points = models.PositiveIntegerField(default=0)
    updated_points = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("intake job")
        verbose_name_plural = _("intake jobs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(99, int(self.done * 100 / self.total)) if self.total else 0

    @property
    def range_label(self) -> str:
        """A back-fill's span, `2026-08-25 12:30 – 2026-11-23 12:30` (stored as ISO/ISO)."""
        start, _, end = self.message.partition("/")
        return f"{start[:16].replace('T', ' ')} – {end[:16].replace('T', ' ')}" if end else ""

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class GatewayMqttCredential(models.Model):
    """A gateway's MQTT login. Only the broker's own hash is stored (Mosquitto's PBKDF2-SHA512
    `$7$` format), so the password file can be regenerated without ever keeping the secret."""

    tenancy_policy = Policy(park_path="gateway__park", readers=frozenset(PARK_ROLES))

    gateway = models.OneToOneField(
        User, on_delete=models.CASCADE, primary_key=True, related_name="mqtt_credential"
    )
    password_hash = models.CharField(max_length=200)
    issued_at = models.DateTimeField()
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("gateway MQTT credential")
        verbose_name_plural = _("gateway MQTT credentials")

    def __str__(self) -> str:
        return self.gateway.username
