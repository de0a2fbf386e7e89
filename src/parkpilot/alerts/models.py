"""Alerts raised by any app: one row per condition while it is open, with who did what when."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parkpilot.stored_text import shown
from parkpilot.tenancy.models import Enterprise, Park, User
from parkpilot.tenancy.policy import Policy
from parkpilot.tenancy.roles import ENTERPRISE_ROLES, PARK_OPERATORS


class State(models.TextChoices):
    OPEN = "open", pgettext_lazy("alert state", "Open")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("alert state", "Acknowledged")
    ESCALATED = "escalated", pgettext_lazy("alert state", "Escalated")
    CLOSED = "closed", pgettext_lazy("alert state", "Closed")


class Step(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", pgettext_lazy("alert step", "acknowledge")
    ESCALATE = "escalate", pgettext_lazy("alert step", "escalate")
    CLOSE = "close", pgettext_lazy("alert step", "close")


# The state machine, in one table: (state, step) -> the state after it. The scheduler escalates
# only open alerts (escalate_due); an app whose own rule says "not closed in time" (the ledger,
# the service clock) escalates an acknowledged one too. Each alert is escalated at most once.
TRANSITIONS = {
    (State.OPEN, Step.ACKNOWLEDGE): State.ACKNOWLEDGED,
    (State.OPEN, Step.ESCALATE): State.ESCALATED,
    (State.OPEN, Step.CLOSE): State.CLOSED,
    (State.ESCALATED, Step.ACKNOWLEDGE): State.ACKNOWLEDGED,
    (State.ESCALATED, Step.CLOSE): State.CLOSED,
    (State.ACKNOWLEDGED, Step.ESCALATE): State.ESCALATED,
    (State.ACKNOWLEDGED, Step.CLOSE): State.CLOSED,
}


class Alert(models.Model):
    # Park operators handle every alert of the park; an enterprise's people acknowledge its own.
    # Supervisors read them (as every park role does) but act through supervision cases.
    tenancy_policy = Policy(
        park_path="park",
        enterprise_path="enterprise",
        actions={
            Step.ACKNOWLEDGE: PARK_OPERATORS | ENTERPRISE_ROLES,
            Step.CLOSE: PARK_OPERATORS,
            Step.ESCALATE: PARK_OPERATORS,
        },
    )

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=60)  # "<app>.<kind>", declared by the app
    # What it is about, stable across scans ("projects.project:42/stage:3"): one open alert per
    # (park, kind, subject).
    subject = models.CharField(_("subject"), max_length=120)
    # Title and detail are stored texts (parkpilot.stored_text): msgid and parameters, shown in
    # each reader's language (a night task that raises an alert has no reader).
    title = models.CharField(_("title"), max_length=1000)
    detail = models.CharField(_("detail"), max_length=2000, blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)  # a path inside the platform
    figure = models.JSONField(_("figure"), default=dict, blank=True)  # what triggered it
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.OPEN)
    raised_at = models.DateTimeField(_("raised at"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    close_reason = models.CharField(_("reason for closing"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["park", "kind", "subject"],
                condition=~models.Q(state="closed"),
                name="one_open_alert_per_subject",
            )
        ]
        indexes = [models.Index(fields=["park", "state"], name="alert_park_state")]
        ordering = ["-raised_at", "-id"]

    def __str__(self) -> str:
        return shown(self.title)

    @property
    def source(self) -> str:
        return self.kind.split(".", 1)[0]
