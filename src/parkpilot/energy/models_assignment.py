"""Dated ownership: which enterprise (or the park's public loads) and zone a metering point
belonged to, and from when. A point's assignments follow each other without gap or overlap,
from ASSIGNMENT_ORIGIN to the open one (valid_to empty), which the point's `owner` and `zone`
repeat as its current values. Energy is attributed by the assignment in effect at each rollup
bucket's start (energy/selectors_carbon.py), so moving a meter leaves past periods where they
were."""

from datetime import UTC, datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from parkpilot.tenancy.models import Enterprise, User, Zone
from parkpilot.tenancy.policy import Policy

__all__ = ["ASSIGNMENT_ORIGIN", "PointAssignment"]

# Where a point's first assignment starts: before any reading the platform could accept,
# whatever PARKPILOT_ENERGY_EARLIEST or a point's commissioning day later says.
ASSIGNMENT_ORIGIN = datetime(1970, 1, 1, tzinfo=UTC)


class PointAssignment(models.Model):
    # An enterprise's users read the spans their enterprise held (also after the meter moved
    # on: their past figures keep its energy); the park's staff read every span.
    tenancy_policy = Policy(park_path="point__park", enterprise_path="enterprise")

    point = models.ForeignKey(
        "energy.MeteringPoint", on_delete=models.CASCADE, related_name="assignments"
    )
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("empty for the park's public loads"),
    )
    zone = models.ForeignKey(
        Zone, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    valid_from = models.DateTimeField(_("effective from"))
    valid_to = models.DateTimeField(_("effective until"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        verbose_name = _("metering point assignment")
        verbose_name_plural = _("metering point assignments")
        ordering = ["point", "valid_from"]
        # The reads pick out the points that moved since a period's start.
        indexes = [models.Index(fields=["valid_from"], name="assignment_valid_from")]
        constraints = [
            models.UniqueConstraint(fields=["point", "valid_from"], name="assignment_start"),
            models.UniqueConstraint(
                fields=["point"], condition=models.Q(valid_to=None), name="assignment_one_open"
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to=None) | models.Q(valid_to__gt=models.F("valid_from")),
                name="assignment_not_empty",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.point_id} {self.valid_from:%Y-%m-%d %H:%M}"
