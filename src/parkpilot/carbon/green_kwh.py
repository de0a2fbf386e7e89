"""Green kWh of a period: each green-power purchase's MWh spread over its days, the days
inside the period (selectors_green explains the market-based figure they feed). Below both
selectors and selectors_green, so a close's snapshot (selectors) reads them without importing
the module that imports selectors."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from parkpilot.carbon.models_green import GreenPowerPurchase
from parkpilot.carbon.periods import Period


def days(per: Period, tz: str) -> tuple[date, date]:
    """The period as local dates [first, after last)."""
    zone = ZoneInfo(tz)
    return per.start.astimezone(zone).date(), per.end.astimezone(zone).date()


def kwh_inside(p: GreenPowerPurchase, first: date, after: date) -> float:
    """A purchase's MWh spread over its days: the kWh of the days in [first, after)."""
    span = (p.period_end - p.period_start).days + 1
    inside = (min(p.period_end + timedelta(days=1), after) - max(p.period_start, first)).days
    return float(p.quantity_mwh) * 1000 * max(inside, 0) / span


def green_kwh_by_enterprise(*, park, per: Period) -> dict[int, float]:
    """Every enterprise's green kWh in the period, in one read (what a close stores)."""
    first, after = days(per, park.timezone)
    out: dict[int, float] = {}
    for p in GreenPowerPurchase.objects.filter(
        park=park, period_start__lt=after, period_end__gte=first
    ):
        out[p.enterprise_id] = out.get(p.enterprise_id, 0.0) + kwh_inside(p, first, after)
    return out
