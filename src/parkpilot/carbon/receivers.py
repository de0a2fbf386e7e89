"""Carbon's answers to lower layers' events (connected in CarbonConfig.ready)."""

from django.dispatch import receiver

from parkpilot.carbon import selectors
from parkpilot.energy.signals import point_moved


@receiver(point_moved, dispatch_uid="parkpilot.carbon.point_moved")
def _closed_periods_reached(sender, park, effective_at, **kwargs) -> list[str]:
    """A meter moved from `effective_at` on: the closed periods that reaches keep their
    snapshots (one basis per figure) and show the change as arrived since closing."""
    return selectors.closed_periods_ending_after(park=park, instant=effective_at)
