"""Each gateway's committed watermark: the end-to-end delivery protocol (docs/energy-mqtt.md).

A gateway numbers its messages 1, 2, 3, … (`{"seq": n, "readings": [...]}`) and keeps each one
until the platform's watermark covers it. The watermark is contiguous: every message of that
gateway numbered up to `seq` has been committed (its readings stored or filed as dead letters).
Messages committed out of order (several workers, redeliveries) wait in `above` until the gap
below them closes."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from parkpilot.tenancy.models import User
from parkpilot.tenancy.policy import Policy
from parkpilot.tenancy.roles import PARK_ROLES

__all__ = ["GatewayWatermark"]


class GatewayWatermark(models.Model):
    # Park staff read their park's; a gateway reads its own (to resume from it).
    tenancy_policy = Policy(
        park_path="gateway__park", gateway_path="gateway", readers=frozenset(PARK_ROLES)
    )

    gateway = models.OneToOneField(
        User, on_delete=models.CASCADE, primary_key=True, related_name="watermark"
    )
    seq = models.PositiveBigIntegerField(_("committed up to"), default=0)
    # Committed sequence numbers above `seq` (sorted): a gap below them is still open.
    above = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("gateway watermark")
        verbose_name_plural = _("gateway watermarks")

    def __str__(self) -> str:
        return f"{self.gateway_id}@{self.seq}"

    def advance(self, committed: set[int]) -> bool:
        """Take in newly committed sequence numbers; True when `seq` moved."""
        pending = {n for n in (*self.above, *committed) if n > self.seq}
        start = self.seq
        while self.seq + 1 in pending:
            self.seq += 1
            pending.discard(self.seq)
        self.above = sorted(pending)
        return self.seq != start
