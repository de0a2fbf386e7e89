from django.db.models import QuerySet

from parkpilot.economy.models import PublishedFigure
from parkpilot.tenancy import access


def published_figures(*, user, park_id: int, headline_only: bool = False) -> QuerySet:
    qs = access.scoped(user, PublishedFigure).filter(park_id=park_id)
    if headline_only:
        qs = qs.filter(headline=True)
    return qs.order_by("id")


def economy_chart(*, user, park_id: int, period: str = "2020") -> dict:
    """The added-value indicators of a period with their growth: bars (亿元) and a line (%)."""
    rows = (
        published_figures(user=user, park_id=park_id)
        .filter(period=period, group="economy", unit="亿元", growth_pct__isnull=False)
        .order_by("-value")
    )
    return {
        "period": period,
        "names": [r.name for r in rows],
        "values": [float(r.value) for r in rows],
        "growth_pct": [float(r.growth_pct) for r in rows],
        "source": rows[0].source if rows else "",
    }
