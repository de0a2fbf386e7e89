"""Reads for energy. Pages and APIs read rollups and the registry, never scan raw readings."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Case, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Least
from django.utils import timezone

from parkpilot.energy.buckets import aware
from parkpilot.energy.models import (
    DeadLetter,
    EnergyRollup,
    Gap,
    Level,
    MeteringPoint,
    PointRollup,
    ReadingConflict,
)
from parkpilot.energy.models_ops import IntakeJob
from parkpilot.tenancy import access

POINT_STATUSES = ("active", "inactive")


def point_list(
    *,
    user,
    kind: str = "",
    owner_id: int | None = None,
    gateway_id: int | None = None,
    status: str = "",
    q: str = "",
) -> QuerySet:
    """Points the user may see, filtered: `status` active / inactive (empty: both)."""
    qs = access.scoped(user, MeteringPoint).select_related("owner", "zone", "gateway")
    if kind:
        qs = qs.filter(kind=kind)
    if owner_id is not None:
        qs = qs.filter(owner_id=owner_id)
    if gateway_id is not None:
        qs = qs.filter(gateway_id=gateway_id)
    if status in POINT_STATUSES:
        qs = qs.filter(active=status == "active")
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q))
    return qs.order_by("code", "pk")


def point_filter_choices(*, user) -> dict:
    """The enterprises and gateways the user's points name, for the list's filters."""
    points = access.scoped(user, MeteringPoint)
    owners = points.exclude(owner=None).values_list("owner_id", "owner__name").distinct()
    gateways = points.exclude(gateway=None).values_list("gateway_id", "gateway__username")
    return {
        "enterprises": sorted(set(owners), key=lambda o: o[1]),
        "gateways": sorted(set(gateways.distinct()), key=lambda g: g[1]),
    }


def intake_job_list(*, user, kind: str = "", status: str = "") -> QuerySet:
    qs = access.scoped(user, IntakeJob).select_related("created_by")
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-id")


def intake_job_get(*, user, job_id: int) -> IntakeJob:
    return access.get_for(user, IntakeJob, job_id)


def point_export_rows(*, user) -> list[dict]:
    """The registry as rows of the import format (services.IMPORT_COLUMNS), so an export can be
    edited and imported again."""

    def blank_if_none(value):
        return "" if value is None else value

    return [
        {
            "code": p.code,
            "name": p.name,
            "owner_credit_code": p.owner.credit_code if p.owner else "",
            "zone_code": p.zone.code if p.zone else "",
            "building": p.building,
            "kind": p.kind,
            "unit": p.unit,
            "register": p.register,
            "multiplier": p.multiplier,
            "rollover": blank_if_none(p.rollover),
            "rated_max_per_h": p.rated_max_per_h,
            "interval_s": p.interval_s,
            "parent_code": p.parent.code if p.parent else "",
            "gateway": p.gateway.username if p.gateway else "",
            "enthalpy_gj_per_t": blank_if_none(p.enthalpy_gj_per_t),
            "commissioned_on": p.commissioned_on.isoformat() if p.commissioned_on else "",
        }
        for p in point_list(user=user).select_related("parent")
    ]


def point_get(*, user, point_id: int) -> MeteringPoint:
    return access.get_for(
        user, MeteringPoint.objects.select_related("owner", "zone", "gateway"), point_id
    )


def point_assignments(*, user, point: MeteringPoint) -> QuerySet:
    """The point's dated owners and zones the user may read, oldest first (an enterprise's
    users see the spans their enterprise held)."""
    from parkpilot.energy.models_assignment import PointAssignment

    return (
        access.scoped(user, PointAssignment)
        .filter(point=point)
        .select_related("enterprise", "zone")
        .order_by("valid_from")
    )


def dead_letter_list(*, user, status: str = "open", point_code: str = "") -> QuerySet:
    qs = access.scoped(user, DeadLetter)
    if status:
        qs = qs.filter(status=status)
    if point_code:
        qs = qs.filter(point_code=point_code)
    return qs.order_by("-received_at", "-id")


def dead_letter_get(*, user, letter_id: int) -> DeadLetter:
    return access.get_for(user, DeadLetter, letter_id)


def conflict_list(*, user, resolved: bool = False) -> QuerySet:
    return (
        access.scoped(user, ReadingConflict)
        .filter(resolved=resolved)
        .select_related("point")
        .order_by("-received_at", "-id")
    )


def conflict_get(*, user, conflict_id: int) -> ReadingConflict:
    return access.get_for(user, ReadingConflict.objects.select_related("point"), conflict_id)


def rollup_series(
    *,
    user,
    scope: str,
    scope_id: int,
    level: str,
    start: datetime,
    end: datetime,
    kind: str = "",
) -> list[dict]:
    """Energy per bucket of a scope (park, zone, enterprise, public) in [start, end)."""
    qs = access.scoped(user, EnergyRollup).filter(
        scope=scope, scope_id=scope_id, level=level, bucket__gte=start, bucket__lt=end
    )
    if kind:
        qs = qs.filter(kind=kind)
    return list(
        qs.order_by("bucket", "kind").values(
            "bucket", "kind", "energy", "readings", "flagged_energy"
        )
    )


def point_series(*, user, point_id: int, level: str, start: datetime, end: datetime) -> list:
    point = point_get(user=user, point_id=point_id)
    return list(
        PointRollup.objects.filter(point=point, level=level, bucket__gte=start, bucket__lt=end)
        .order_by("bucket")
        .values("bucket", "energy", "readings", "flagged_energy")
    )


@dataclass
class DayCompleteness:
    day: datetime
    expected: int  # readings expected by the end of the day, or by now for today
    received: int

    @property
    def rate(self) -> float:
        return round(self.received / self.expected, 4) if self.expected else 0.0


def expected_readings(interval_s: int, start: datetime, end: datetime) -> int:
    """Readings a point reporting every interval_s is expected to have sent in [start, end)."""
    return max(0, int((end - start).total_seconds()) // interval_s)


def park_completeness(
    *, user, park_id: int, days: int = 14, now: datetime | None = None
) -> list[DayCompleteness]:
    """Received vs expected readings per local day, park-wide (all active points). Today
    counts against the readings expected so far (by 04:00, 16 of a 15-minute meter's 96), so
    perfect meters show 100% all day rather than climbing from 0% every morning."""
    now = now or timezone.now()
    points = dict(
        access.scoped(user, MeteringPoint)
        .filter(park_id=park_id, active=True)
        .values_list("pk", "interval_s")
    )
    today = local_midnight(park_id, now)
    start = today - timedelta(days=days - 1)
    so_far = int((now - today).total_seconds())
    # Per point (sub-meters included: each is expected to report), not the park total.
    # A point that reports more often than declared counts as complete, not as over 100%.
    # Each point counts at most what it was expected to send that day (so far, today).
    seconds = Case(When(bucket=today, then=Value(so_far)), default=Value(86400))
    capped = Least(F("readings"), seconds / F("point__interval_s"))
    # The ids as a list: PostgreSQL then walks the (point, level, bucket) key per point instead
    # of scanning every point's rollups (measured 31 ms → a few with a year of data).
    received = dict(
        PointRollup.objects.filter(point_id__in=list(points), level=Level.DAY, bucket__gte=start)
        .values("bucket")
        .annotate(n=Sum(capped))
        .values_list("bucket", "n")
    )
    out = []
    for day in (start + timedelta(days=i) for i in range(days)):
        seconds = so_far if day == today else 86400
        expected = sum(seconds // interval for interval in points.values())
        out.append(DayCompleteness(day, expected, received.get(day, 0)))
    return out


@dataclass
class PeriodCompleteness:
    """Readings received vs expected over a period, up to now when it is still running: each
    point counts at most what it was expected to send, so one chatty meter never hides a
    silent one. `points` lists every point below 100% (worst first) for closing records."""

    start: datetime
    through: datetime  # the end of the period, or now if earlier
    expected: int
    received: int
    point_count: int
    points: list[dict]

    @property
    def rate(self) -> float:
        # No point was expected to report (none active, or the period not begun): nothing missing.
        return round(self.received / self.expected, 4) if self.expected else 1.0

    def as_dict(self) -> dict:
        return {
            "points": self.point_count,
            "expected": self.expected,
            "received": self.received,
            "rate": self.rate,
            "through": self.through.isoformat(),
        }


def period_completeness(
    *,
    user,
    park_id: int,
    start: datetime,
    end: datetime,
    now: datetime | None = None,
    owner_id: int | None = None,
) -> PeriodCompleteness:
    """Completeness of a day, month or year against the readings expected so far, park-wide or
    for one owner's active points (day rollups: a month is at most 31 rows per point)."""
    through = max(start, min(end, now or timezone.now()))
    qs = access.scoped(user, MeteringPoint).filter(park_id=park_id, active=True)
    if owner_id is not None:
        qs = qs.filter(owner_id=owner_id)
    points = {
        pk: (code, interval) for pk, code, interval in qs.values_list("pk", "code", "interval_s")
    }
    got = dict(
        PointRollup.objects.filter(
            point_id__in=list(points), level=Level.DAY, bucket__gte=start, bucket__lt=through
        )
        .values("point_id")
        .annotate(n=Sum("readings"))
        .values_list("point_id", "n")
    )
    expected = received = 0
    short = []
    for pk, (code, interval) in points.items():
        want = expected_readings(interval, start, through)
        have = min(got.get(pk, 0), want)
        expected, received = expected + want, received + have
        if have < want:
            short.append({"code": code, "expected": want, "received": have,
                          "rate": round(have / want, 4)})  # fmt: skip
    short.sort(key=lambda r: (r["rate"], r["code"]))
    return PeriodCompleteness(start, through, expected, received, len(points), short)


def local_midnight(park_id: int, now: datetime | None = None) -> datetime:
    from zoneinfo import ZoneInfo

    from parkpilot.tenancy.models import Park

    tz = ZoneInfo(Park.objects.values_list("timezone", flat=True).get(pk=park_id))
    now = now or timezone.now()
    return now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)


def point_quality(*, user, park_id: int, day: datetime | None = None, limit: int = 50) -> list:
    """Per point for one local day: last reading, completeness, open gaps, dead letters,
    worst completeness first."""
    now = timezone.now()
    day = day or local_midnight(park_id, now)
    # Today counts against the readings expected so far, as park_completeness does.
    seconds = max(0, min(86400, int((now - day).total_seconds())))
    points = access.scoped(user, MeteringPoint).filter(park_id=park_id, active=True)
    received = dict(
        PointRollup.objects.filter(point__in=points, level=Level.DAY, bucket=day).values_list(
            "point_id", "readings"
        )
    )
    gaps = dict(
        Gap.objects.filter(point__in=points, end__gte=day)
        .values("point_id")
        .annotate(n=Count("id"))
        .values_list("point_id", "n")
    )
    letters = dict(
        access.scoped(user, DeadLetter)
        .filter(status=DeadLetter.Status.OPEN)
        .values("point_code")
        .annotate(n=Count("id"))
        .values_list("point_code", "n")
    )
    rows = []
    for p in points.select_related("state", "owner").order_by("code"):
        expected = seconds // p.interval_s
        state = getattr(p, "state", None)
        rows.append(
            {
                "point": p,
                "last_reading": state.rolled_ts if state else None,
                "received": received.get(p.pk, 0),
                "expected": expected,
                "rate": round(min(received.get(p.pk, 0), expected) / expected, 4)
                if expected
                else 1.0,
                "gaps": gaps.get(p.pk, 0),
                "dead_letters": letters.get(p.code, 0),
            }
        )
    rows.sort(key=lambda r: (r["rate"], r["point"].code))
    return rows[:limit]


def quality_summary(*, user, park_id: int, now: datetime | None = None) -> dict:
    days = park_completeness(user=user, park_id=park_id, days=1, now=now)
    return {
        "completeness_today": days[0].rate if days else 0.0,
        "open_dead_letters": dead_letter_list(user=user).count(),
        "open_conflicts": conflict_list(user=user).count(),
        "open_gaps_today": access.scoped(user, Gap).filter(end__gte=days[0].day).count()
        if days
        else 0,
        "points": access.scoped(user, MeteringPoint).filter(active=True).count(),
        "as_of": aware(timezone.now().timestamp()),
    }


def park_has_demo_points(*, park_id: int) -> bool:
    return MeteringPoint.objects.filter(park_id=park_id, is_demo=True).exists()


# --- counter cleaning: suspect decisions and quarantined points ----------------------------


def suspect_list(*, user, point_code: str = "", decision: str = "", status: str = "") -> QuerySet:
    """The cleaner's decisions about readings that broke their counter's trend, newest first."""
    from parkpilot.energy.models_quality import SuspectDecision

    qs = access.scoped(user, SuspectDecision).select_related("point")
    if point_code:
        qs = qs.filter(point__code=point_code)
    if decision:
        qs = qs.filter(decision=decision)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-ts", "-id")


def suspect_get(*, user, decision_id: int):
    from parkpilot.energy.models_quality import SuspectDecision

    return access.get_for(user, SuspectDecision.objects.select_related("point"), decision_id)


def quarantine_list(*, user) -> QuerySet:
    from parkpilot.energy.models_quality import PointQuarantine

    return access.scoped(user, PointQuarantine).select_related("point").order_by("since")


def quarantine_get(*, user, point_id: int):
    from parkpilot.energy.models_quality import PointQuarantine

    return access.get_for(user, PointQuarantine.objects.select_related("point"), point_id)


def held_points(*, user, limit: int = 20) -> list:
    """Points holding readings that broke their counter's trend, still awaiting a decision
    (their figures stop at the last good reading until then, at most counters.HOLD_MAX_S)."""
    rows = (
        access.scoped(user, MeteringPoint)
        .filter(state__held_since__isnull=False)
        .order_by("state__held_since")
        .values_list("code", "state__rolled_ts", "state__held_since")[:limit]
    )
    return [(code, rolled, aware(since)) for code, rolled, since in rows]
