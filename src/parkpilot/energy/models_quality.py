"""Counter cleaning and isolation rows: what the cleaner decided about readings that broke a
counter's trend, the staff decisions it must follow, and points whose processing failed.

Kept apart from models.py (the readings store) so intake's hot tables stay in one module."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from parkpilot.tenancy.models import User
from parkpilot.tenancy.policy import Policy
from parkpilot.tenancy.roles import PARK_ROLES

__all__ = ["CounterAnchor", "PointQuarantine", "SuspectDecision"]

# Park staff and admins (and the supervisor, read-only) see the park's data quality.
_PARK_ONLY = Policy(park_path="point__park", readers=frozenset(PARK_ROLES))


class SuspectDecision(models.Model):
    """A reading that broke its counter's trend, and what became of it (counters.py): refused
    (a dip, zero or spike that recovered), a replacement or reset adopted, a frozen value,
    or a staff decision. Written by the rollup stage; staff may override it."""

    tenancy_policy = _PARK_ONLY

    class Decision(models.TextChoices):
        REFUSED = "refused", _("Refused")
        REPLACED = "replaced", _("Meter replacement or reset adopted")
        FORCED = "forced", _("New counter base adopted after the holding time")
        STUCK = "stuck", _("Frozen value, energy spread")
        CONFIRMED = "confirmed", _("Replacement confirmed by staff")
        ACCEPTED = "accepted", _("Reading accepted by staff")

    class Status(models.TextChoices):
        AUTOMATIC = "auto", _("Automatic")
        OVERRIDDEN = "overridden", _("Overridden by staff")

    point = models.ForeignKey("energy.MeteringPoint", on_delete=models.PROTECT, related_name="+")
    ts = models.DateTimeField()
    value = models.FloatField()
    base = models.FloatField(null=True)  # the counter's last good value before it
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reason = models.CharField(max_length=20)  # spike / dip / zero / reset / frozen / staff
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.AUTOMATIC)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("suspect reading decision")
        verbose_name_plural = _("suspect reading decisions")
        ordering = ["-ts", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["point", "ts", "decision"], name="suspect_decision_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.point_id}@{self.ts:%Y-%m-%d %H:%M}: {self.decision}"


class CounterAnchor(models.Model):
    """A staff decision the cleaner follows whenever it recomputes the point: the meter was
    replaced at `ts` with its counter at `start_value`; or (no start value) the reading at `ts`
    is true and must be taken as it is."""

    tenancy_policy = _PARK_ONLY

    point = models.ForeignKey("energy.MeteringPoint", on_delete=models.PROTECT, related_name="+")
    ts = models.DateTimeField()
    start_value = models.FloatField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["point", "ts"], name="counter_anchor_per_ts")
        ]
        ordering = ["point", "ts"]

    def __str__(self) -> str:
        return f"{self.point_id}@{self.ts:%Y-%m-%d %H:%M}"


class PointQuarantine(models.Model):
    """A point whose part of a rollup pass failed: set aside with the reason so every other
    point keeps flowing, and retried (automatically with backoff, or by staff) after a fix.
    `span_lo`..`span_hi` (epoch seconds) is the readings' span still to roll up."""

    tenancy_policy = _PARK_ONLY

    point = models.OneToOneField(
        "energy.MeteringPoint", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    reason = models.CharField(max_length=500)
    since = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=1)
    retry_at = models.DateTimeField()
    span_lo = models.FloatField()
    span_hi = models.FloatField()

    class Meta:
        verbose_name = _("quarantined metering point")
        verbose_name_plural = _("quarantined metering points")
        ordering = ["since"]

    def __str__(self) -> str:
        return f"{self.point_id}: {self.reason[:60]}"
