"""Bucket boundaries in the park's local time (Asia/Shanghai by default).

A bucket [t, t + length) holds the energy of the intervals that END in (t, t + length]: a meter
read at 10:15:00 reports what flowed 10:14-10:15, which belongs to the 10:00 quarter."""

import math
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

QUARTER_S = 900


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=65536)
def _offset_for_hour(tz_name: str, hour_index: int) -> int:
    instant = datetime.fromtimestamp(hour_index * 3600, UTC)
    return int(_zone(tz_name).utcoffset(instant).total_seconds())


def quarter_start(epoch: float, tz_name: str) -> int:
    """Start (epoch) of the 15-minute bucket that an interval ending at `epoch` belongs to."""
    offset = _offset_for_hour(tz_name, int(epoch // 3600))
    end = math.ceil((epoch + offset) / QUARTER_S) * QUARTER_S
    return int(end - QUARTER_S - offset)


@lru_cache(maxsize=65536)
def parents(quarter: int, tz_name: str) -> tuple[int, int, int]:
    """(hour, day, month) bucket starts containing the quarter starting at `quarter`."""
    local = datetime.fromtimestamp(quarter, _zone(tz_name))
    hour = local.replace(minute=0, second=0, microsecond=0)
    day = hour.replace(hour=0)
    month = day.replace(day=1)
    return int(hour.timestamp()), int(day.timestamp()), int(month.timestamp())


def aware(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
