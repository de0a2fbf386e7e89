"""The drill-down (issue 23): park → zone → enterprise → metering point, over year → month →
day. Each level is one figure (a kind's energy in the period), its trend in the period's
sub-buckets (months, days or hours) and its breakdown by the level below, all from one read
(energy.selectors_carbon.drill_rows) on the carbon figures' basis.

Who may open a level is the access rule's answer: the park and zone levels need whole-park
reach (tenancy.access.whole_park); an enterprise and a point are loaded with access.get_for, so
an enterprise's user opens its own and gets NotFound (404) for anything else."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from parkpilot.energy.kinds import CANONICAL_UNIT, EnergyKind
from parkpilot.energy.models import Level, MeteringPoint
from parkpilot.energy.selectors_carbon import drill_rows
from parkpilot.tenancy import access
from parkpilot.tenancy.errors import Code, NotFound, ValidationFailed
from parkpilot.tenancy.models import Enterprise, Zone

LEVELS = ("park", "zone", "enterprise", "point")
_LABELS = {Level.MONTH: "%Y-%m", Level.DAY: "%m-%d", Level.HOUR: "%H:00"}


@dataclass(frozen=True)
class DrillPeriod:
    """A year, a month or a day of park time, written "2026", "2026-11" or "2026-11-05"."""

    text: str
    start: datetime
    end: datetime
    sub_level: str  # the rollup level of its trend's buckets
    buckets: list[datetime] = field(hash=False)

    def child(self, bucket: datetime) -> str | None:
        """The period one step finer that a trend bucket opens (None below a day)."""
        if self.sub_level == Level.MONTH:
            return bucket.strftime("%Y-%m")
        if self.sub_level == Level.DAY:
            return bucket.strftime("%Y-%m-%d")
        return None

    def label(self, bucket: datetime) -> str:
        return bucket.strftime(_LABELS[self.sub_level])


def drill_period(text: str | None, tz: str) -> DrillPeriod:
    """Parse the period; none given: the current month. Bad input names the field."""
    zone = ZoneInfo(tz)
    if not text:
        text = timezone.localtime(timezone.now(), zone).strftime("%Y-%m")
    parts = text.split("-")
    try:
        if len(parts) > 3 or not all(p.isdigit() for p in parts):
            raise ValueError
        numbers = [int(p) for p in parts] + [1] * (3 - len(parts))
        first = date(*numbers)
        if not 2000 <= first.year <= 2100:
            raise ValueError
    except (TypeError, ValueError):
        raise ValidationFailed.single(
            "period", _("Write a year, a month or a day: 2026, 2026-11 or 2026-11-05.")
        ) from None
    if len(parts) == 1:
        after, sub = date(first.year + 1, 1, 1), Level.MONTH
    elif len(parts) == 2:
        after, sub = (first.replace(day=28) + timedelta(days=4)).replace(day=1), Level.DAY
    else:
        after, sub = first + timedelta(days=1), Level.HOUR
    start = datetime(first.year, first.month, first.day, tzinfo=zone)
    end = datetime(after.year, after.month, after.day, tzinfo=zone)
    step = {Level.MONTH: None, Level.DAY: timedelta(days=1), Level.HOUR: timedelta(hours=1)}[sub]
    buckets, at = [], start
    while at < end:
        buckets.append(at)
        if step is None:
            at = (at.replace(day=28) + timedelta(days=4)).replace(day=1)
        else:  # in UTC, so a day is 24 hours whatever the zone
            at = (at.astimezone(ZoneInfo("UTC")) + step).astimezone(zone)
    return DrillPeriod(text, start, end, sub, buckets)


def drill_level(*, user, park, level: str, pk: int | None, per: DrillPeriod, kind: str) -> dict:
    """One level of the drill-down: its figure, trend, breakdown and breadcrumb."""
    if kind not in EnergyKind.values:
        raise ValidationFailed.single("kind", _("Unknown energy kind."), Code.UNKNOWN)
    if level not in LEVELS:
        raise NotFound
    whole = access.whole_park(user, Enterprise, park.pk)
    crumbs = []
    filters: dict = {}
    if level in ("park", "zone") and not whole:
        raise NotFound  # an enterprise's user drills only within its own enterprise
    if level == "zone":
        zone = access.get_for(user, Zone, pk)
        filters["zone_id"] = zone.pk
        crumbs.append(("zone", zone.pk, zone.name))
    elif level == "enterprise":
        ent = access.get_for(user, Enterprise, pk)
        filters["owner_id"] = ent.pk
        if ent.zone_id:
            crumbs.append(("zone", ent.zone_id, ent.zone.name))
        crumbs.append(("enterprise", ent.pk, ent.name))
    elif level == "point":
        point = access.get_for(user, MeteringPoint, pk)
        filters["point_id"] = point.pk
        kind = point.kind
        if point.zone_id:
            crumbs.append(("zone", point.zone_id, point.zone.name))
        if point.owner_id:
            crumbs.append(("enterprise", point.owner_id, point.owner.name))
        crumbs.append(("point", point.pk, f"{point.code} {point.name}"))
    if not whole:
        crumbs = [c for c in crumbs if c[0] != "zone"]  # not a level it may open
    rows = drill_rows(
        user=user, park_id=park.pk, level=per.sub_level, start=per.start, end=per.end,
        bucket_starts=per.buckets, kind=kind, by=level, **filters,
    )  # fmt: skip
    tz = per.start.tzinfo
    by_bucket = {b: 0.0 for b in per.buckets}
    by_child: dict = {}
    for child, bucket, energy in rows:
        local = bucket.astimezone(tz)
        by_bucket[local] = by_bucket.get(local, 0.0) + energy
        by_child[child] = by_child.get(child, 0.0) + energy
    trend = [
        {"label": per.label(b), "value": round(v, 3), "period": per.child(b)}
        for b, v in sorted(by_bucket.items())
    ]
    return {
        "level": level,
        "kind": kind,
        "kind_label": EnergyKind(kind).label,
        "unit": CANONICAL_UNIT[kind],
        "period": per.text,
        "total": round(sum(by_child.values()), 3),
        "trend": trend,
        "breakdown": _breakdown(user, level, by_child),
        "crumbs": [{"level": lv, "id": i, "name": n} for lv, i, n in crumbs],
        "park_crumb": whole,
    }


def _breakdown(user, level: str, by_child: dict) -> list[dict]:
    """The level below, named, largest first; a zone's public loads are not an enterprise."""
    if level == "point":
        return []
    model, child_level = {"park": (Zone, "zone"), "zone": (Enterprise, "enterprise"),
                          "enterprise": (MeteringPoint, "point")}[level]  # fmt: skip
    ids = [pk for pk in by_child if pk is not None]
    names = {
        pk: (f"{code} {name}" if model is MeteringPoint else name)
        for pk, code, name in _names(user, model, ids)
    }
    rows = [
        {"level": child_level, "id": pk, "name": names.get(pk, _("Park public loads")),
         "value": round(value, 3)}
        for pk, value in by_child.items()
        if pk is None or pk in names
    ]  # fmt: skip
    return sorted(rows, key=lambda row: (-row["value"], row["name"]))


def _names(user, model, ids):
    qs = access.scoped(user, model).filter(pk__in=ids)
    if model is MeteringPoint:
        return qs.values_list("pk", "code", "name")
    return [(pk, None, name) for pk, name in qs.values_list("pk", "name")]


def kind_choices() -> list[tuple[str, str]]:
    return [(k.value, k.label) for k in EnergyKind]
