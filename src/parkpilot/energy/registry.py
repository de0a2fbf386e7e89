"""An in-process cache of the metering-point registry for intake and rollups.

Intake validates every reading against its point; asking the database each time would cost
more than the insert. The cache reloads when the registry changed (a cheap max/count query at
most every few seconds, and at once in the process that made the change)."""

import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as clock
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Max

from parkpilot.energy.counters import Meter
from parkpilot.energy.kinds import unit_factor
from parkpilot.energy.models import MeteringPoint, RegisterType

CHECK_EVERY_S = 2.0


@dataclass(frozen=True)
class PointInfo:
    id: int
    code: str
    park_id: int
    owner_id: int | None
    zone_id: int | None
    gateway_id: int | None
    parent_id: int | None
    kind: str
    unit: str
    meter: Meter
    tz_name: str  # the park's time zone: buckets start at its local boundaries
    rated_max_per_h: float
    enthalpy_gj_per_t: float | None
    # Readings dated before this (epoch s) are refused: the commissioning day's local midnight,
    # or the platform's earliest date for points without one.
    not_before_epoch: float = 0.0
    commissioned: bool = False


def platform_earliest_epoch() -> float:
    day = date.fromisoformat(settings.PARKPILOT_ENERGY_EARLIEST)
    return datetime.combine(day, clock(), UTC).timestamp()


def not_before_epoch(commissioned_on: date | None, tz_name: str) -> float:
    earliest = platform_earliest_epoch()
    if commissioned_on is None:
        return earliest
    midnight = datetime.combine(commissioned_on, clock(), ZoneInfo(tz_name or "Asia/Shanghai"))
    return max(earliest, midnight.timestamp())


def _info(point: MeteringPoint) -> PointInfo:
    factor = unit_factor(point.kind, point.unit) or 1.0
    scale = point.multiplier * factor
    meter = Meter(
        cumulative=point.register == RegisterType.CUMULATIVE,
        scale=scale,
        rollover=point.rollover,
        cap_per_s=point.rated_max_per_h * factor / 3600.0,
        interval_s=point.interval_s,
    )
    return PointInfo(
        id=point.pk,
        code=point.code,
        park_id=point.park_id,
        owner_id=point.owner_id,
        zone_id=point.zone_id,
        gateway_id=point.gateway_id,
        parent_id=point.parent_id,
        kind=point.kind,
        unit=point.unit,
        meter=meter,
        tz_name=point.park.timezone,
        rated_max_per_h=point.rated_max_per_h,
        enthalpy_gj_per_t=point.enthalpy_gj_per_t,
        not_before_epoch=not_before_epoch(point.commissioned_on, point.park.timezone),
        commissioned=point.commissioned_on is not None,
    )


class Registry:
    def __init__(self):
        self._lock = threading.Lock()
        self._by_code: dict[tuple[int, str], PointInfo] = {}
        self._by_id: dict[int, PointInfo] = {}
        self._version: tuple | None = None
        self._checked_at = 0.0

    def invalidate(self) -> None:
        with self._lock:
            self._version = None
            self._checked_at = 0.0

    def _refresh(self) -> None:
        now = time.monotonic()
        if self._version is not None and now - self._checked_at < CHECK_EVERY_S:
            return
        with self._lock:
            version = self._current_version()
            self._checked_at = now
            if version == self._version:
                return
            # Points committed between the count and the changes make them disagree (an
            # import writes a chunk every few hundred ms): count again before giving up.
            for _attempt in range(3 if self._version is not None else 0):
                if self._load_changes(since=self._version, count=version[0]):
                    break
                version = self._current_version()
            else:
                points = MeteringPoint.objects.filter(active=True).select_related("park")
                self._install({p.pk: _info(p) for p in points})
            self._version = version

    @staticmethod
    def _current_version() -> tuple:
        stats = MeteringPoint.objects.filter(active=True).aggregate(
            n=Count("id"), changed=Max("updated_at")
        )
        return stats["n"], stats["changed"]

    def _load_changes(self, *, since: tuple | None, count: int) -> bool:
        """Apply only the points changed since the last load (a registry import changes a few
        hundred of 30,000 at a time, and every intake process reloads meanwhile). False when
        that cannot be trusted (a point deleted): then everything is reloaded."""
        if since[1] is None:
            return False
        by_id = dict(self._by_id)
        for point in MeteringPoint.objects.filter(updated_at__gte=since[1]).select_related("park"):
            by_id.pop(point.pk, None)
            if point.active:
                by_id[point.pk] = _info(point)
        if len(by_id) != count:
            return False
        self._install(by_id)
        return True

    def _install(self, by_id: dict[int, PointInfo]) -> None:
        # New dicts, swapped in whole: a reader never sees one half updated.
        self._by_code = {(p.park_id, p.code): p for p in by_id.values()}
        self._by_id = by_id

    def by_code(self, park_id: int, code: str) -> PointInfo | None:
        self._refresh()
        return self._by_code.get((park_id, code))

    def by_id(self, point_id: int) -> PointInfo | None:
        self._refresh()
        return self._by_id.get(point_id)

    def lookup_table(self) -> dict[tuple[int, str], PointInfo]:
        """The whole code index (for validating a batch without a call per reading)."""
        self._refresh()
        return self._by_code


registry = Registry()
