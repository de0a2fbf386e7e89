"""Closed periods: each close (and each explicit recompute) of a park's month or year is one
numbered, immutable snapshot version. Its CarbonAccount rows hold the accounts of every scope;
the closing row holds what the pages, API, cockpit and report need besides them (indicators,
grades, K, rank, month-on-month and year-on-year bases, year-to-date use for budgets, the
factor ids), so no figure of a closed period is ever computed from today's factors."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parkpilot.tenancy.models import Park, User
from parkpilot.tenancy.policy import Policy
from parkpilot.tenancy.roles import PARK_ROLES


class CloseRule(models.TextChoices):
    COMPLETENESS = "completeness", _("data completeness reached the threshold")
    DAYS = "days", _("the configured number of days after the period's end passed")
    STAFF = "staff", _("closed by staff")
    RECOMPUTE = "recompute", _("recomputed by staff")


class PeriodClose(models.Model):
    """One snapshot version of a closed period (version 1: the close; n+1: a recompute). Only
    the newest is `current`; older versions are kept as they were, with their accounts."""

    tenancy_policy = Policy(park_path="park", readers=PARK_ROLES)

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    level = models.CharField(max_length=3)
    period_start = models.DateField()
    version = models.PositiveSmallIntegerField(default=1)
    current = models.BooleanField(default=True)
    rule = models.CharField(max_length=12, choices=CloseRule.choices)
    reason = models.CharField(pgettext_lazy("carbon period", "reason"), max_length=500, blank=True)
    closed_at = models.DateTimeField(auto_now_add=True)
    closed_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    via = models.CharField(max_length=16, default="system")
    # {"points", "expected", "received", "rate", "through", "threshold"}
    completeness = models.JSONField(default=dict)
    incomplete_points = models.JSONField(default=list)  # [{code, expected, received, rate}]
    quarantined_points = models.JSONField(default=list)  # [{code, ...}] from energy's hook
    factor_ids = models.JSONField(default=list)
    # Per enterprise id (as a string: JSON keys): the four indicators' figures and intensities,
    # and the grade fields (grade, level, k, rank, rank_of, averages, why).
    indicators = models.JSONField(default=dict)
    grades = models.JSONField(default=dict)
    grade_error = models.CharField(max_length=300, blank=True)
    # {"<enterprise id>" | "park": {"previous": {...} | None, "year_ago": {...} | None}}
    compare = models.JSONField(default=dict)
    # {"<enterprise id>" | "park": {"tce", "co2_t"}}: used from 1 January to the period's end.
    ytd = models.JSONField(default=dict)
    # Version n+1 only: per scope, before/after/difference against version n.
    difference = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["park", "level", "period_start", "version"], name="carbon_close_version"
            ),
            models.UniqueConstraint(
                fields=["park", "level", "period_start"],
                condition=models.Q(current=True),
                name="carbon_close_one_current",
            ),
        ]
        ordering = ["-period_start", "-version"]

    def __str__(self) -> str:
        return f"{self.level} {self.period_start} v{self.version}"

    def info(self) -> dict:
        """What a page or the API says about the closing."""
        return {
            "version": self.version,
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
            "rule": self.rule,
            "reason": self.reason,
            "completeness": self.completeness,
            "incomplete_points": len(self.incomplete_points),
            "quarantined_points": len(self.quarantined_points),
        }
