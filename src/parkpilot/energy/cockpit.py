"""Energy's tiles on the data cockpit (registered on EnergyConfig.cockpit_tiles)."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from parkpilot.energy import selectors
from parkpilot.energy.kinds import EnergyKind
from parkpilot.energy.models import IngestBatch, Level, PointAssignment, PointState, Scope
from parkpilot.plugins import TileData


def data_version(park) -> str:
    """Changes whenever a rollup pass or an intake batch lands (cheap: two indexed maxima)."""
    last_state = PointState.objects.filter(point__park=park).order_by("-last_received_at")
    last = last_state.values_list("last_received_at", flat=True).first()
    pending = IngestBatch.objects.order_by("-id").values_list("id", flat=True).first()
    # A meter move re-attributes energy without new readings (any park's: one indexed maximum).
    moved = PointAssignment.objects.order_by("-id").values_list("id", flat=True).first()
    return f"{last}-{pending}-{moved}"


def electricity_today(user, park) -> TileData:
    today = selectors.local_midnight(park.pk)
    rows = selectors.rollup_series(
        user=user, scope=Scope.PARK, scope_id=park.pk, level=Level.HOUR,
        start=today, end=today + timedelta(days=1), kind=EnergyKind.GRID_IMPORT,
    )  # fmt: skip
    total = sum(r["energy"] for r in rows)
    hours = [timezone.localtime(r["bucket"]).strftime("%H:00") for r in rows]
    return TileData(
        value=round(total / 1000, 1),
        unit="MWh",
        caption=_("grid electricity today, all metering points"),
        link=reverse("energy:quality"),
        chart={
            "xAxis": {"type": "category", "data": hours},
            "yAxis": {"type": "value", "name": "kWh"},
            "series": [{"type": "bar", "data": [round(r["energy"], 1) for r in rows]}],
        },
        as_of=timezone.localtime().strftime("%H:%M"),
        demo=selectors.park_has_demo_points(park_id=park.pk),
    )


def meter_completeness(user, park) -> TileData:
    summary = selectors.quality_summary(user=user, park_id=park.pk)
    rate = summary["completeness_today"]
    status = "ok" if rate >= 0.98 else "warn" if rate >= 0.9 else "alert"
    alerts = []
    if summary["open_dead_letters"]:
        alerts.append(
            {
                "text": _("%(n)d rejected readings to review")
                % {"n": summary["open_dead_letters"]},
                "link": reverse("energy:quality"),
                "status": "warn",
            }
        )
    return TileData(
        value=round(rate * 100, 1),
        unit="%",
        caption=_("meter data completeness today (%(points)d points)")
        % {"points": summary["points"]},
        link=reverse("energy:quality"),
        status=status,
        extra={"alerts": alerts},
        as_of=timezone.localtime().strftime("%H:%M"),
    )
