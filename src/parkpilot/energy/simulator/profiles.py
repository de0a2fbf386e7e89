"""Load shapes and the sun: what a point draws (or makes) at any instant, and its counter.

Every point's energy is a deterministic function of time, so the history back-fill, the live
stream and a restarted simulator all agree: a cumulative register at instant t reads
    offset + ∫ power dt  from a fixed origin,
computed from per-day integrals plus the part of the current day. Power is a day shape (96
quarter-hour knots, linear in between) × the point's mean × a day factor (weather, workload).
Workdays follow the official calendar (chinese_calendar, with its swapped weekend days)."""

import datetime as dt
import math
from functools import lru_cache

try:  # the official holiday calendar, where it has data
    import chinese_calendar
except ImportError:  # pragma: no cover
    chinese_calendar = None

KNOTS = 96  # quarter-hour knots per day
KNOT_H = 24 / KNOTS
LATITUDE = 30.23  # Qingshanhu, Hangzhou (Lin'an)
LONGITUDE = 119.72
ORIGIN = dt.date(2025, 1, 1)  # counters count from here (local midnight)


def is_workday(day: dt.date) -> bool:
    if chinese_calendar is not None:
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            pass
    return day.weekday() < 5


def _hourly(values: list[float]) -> list[float]:
    """24 hourly values → 96 quarter-hour knots (each hour's value held over its quarters)."""
    return [values[k // 4] for k in range(KNOTS)]


# Relative power by local hour, mean about 1 on a workday. Night base load, ramps at shift
# changes, a lunch dip; off days keep the base and some of the day.
_FACTORY = [0.35] * 6 + [0.6, 1.1, 1.45, 1.5, 1.5, 1.3, 1.15, 1.45, 1.5, 1.5, 1.45, 1.3]
_FACTORY += [1.0, 0.95, 0.9, 0.8, 0.5, 0.4]
_CONTINUOUS = [0.92] * 6 + [0.97, 1.02, 1.06, 1.08, 1.08, 1.04, 1.0, 1.06, 1.08, 1.08, 1.06]
_CONTINUOUS += [1.02, 0.98, 0.96, 0.95, 0.94, 0.93, 0.92]
_OFFICE = [0.2] * 7 + [0.5, 1.6, 1.9, 1.95, 1.8, 1.4, 1.8, 1.95, 1.9, 1.7, 1.2, 0.6, 0.4]
_OFFICE += [0.3, 0.25, 0.2, 0.2]
# Zhejiang's time-of-use tariff: storage charges in the valley (0-8), discharges at the peaks.
_CHARGE = [2.8] * 7 + [1.0] + [0.0] * 16
_DISCHARGE = [0.0] * 8 + [2.0, 2.4, 2.4, 0.8] + [0.0] * 6 + [2.0, 2.4, 2.4, 0.8] + [0.0] * 2
_EV = [0.25, 0.2, 0.15, 0.15, 0.15, 0.2, 0.35, 0.7, 1.3, 1.7, 1.6, 1.2, 1.0, 1.4, 1.6, 1.4]
_EV += [1.2, 1.2, 1.5, 1.9, 2.0, 1.6, 0.9, 0.45]

WORKDAY = {
    "factory": _hourly(_FACTORY),
    "continuous": _hourly(_CONTINUOUS),
    "office": _hourly(_OFFICE),
    "charge": _hourly(_CHARGE),
    "discharge": _hourly(_DISCHARGE),
    "ev": _hourly(_EV),
}
OFF_DAY_SCALE = {
    "factory": 0.55,
    "continuous": 0.95,
    "office": 0.3,
    "charge": 1.0,
    "discharge": 1.0,
    "ev": 0.7,
}
SHAPES = (*WORKDAY, "solar", "lights", "export")


def sun_elevation_sin(day: dt.date, local_hours: float) -> float:
    """sin(solar elevation) at the park for a local (UTC+8) clock time."""
    n = day.timetuple().tm_yday
    declination = math.radians(23.44) * math.sin(2 * math.pi * (284 + n) / 365)
    b = 2 * math.pi * (n - 81) / 364
    equation_of_time_min = 9.87 * math.sin(2 * b) - 7.53 * math.cos(b) - 1.5 * math.sin(b)
    solar_hours = local_hours + (4 * (LONGITUDE - 120) + equation_of_time_min) / 60
    hour_angle = math.radians(15 * (solar_hours - 12))
    lat = math.radians(LATITUDE)
    return math.sin(lat) * math.sin(declination) + math.cos(lat) * math.cos(declination) * math.cos(
        hour_angle
    )


def _solar(day: dt.date) -> list[float]:
    # Clear-sky output of a fixed rooftop array: ~ sin(elevation)^1.2, 0 below the horizon;
    # scaled so a clear midsummer day averages about 1 over daylight-weighted 24 h × 4.
    return [max(0.0, sun_elevation_sin(day, k * KNOT_H)) ** 1.2 * 4.0 for k in range(KNOTS)]


def _lights(day: dt.date) -> list[float]:
    # Street lights switch on when the sun is 1° below the horizon (photocell), off at dawn.
    return [1.0 if sun_elevation_sin(day, k * KNOT_H) < -0.017 else 0.0 for k in range(KNOTS)]


@lru_cache(maxsize=4096)
def day_shape(shape: str, day: dt.date) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(knots, prefix): knot values and the running integral (in hours × relative power) at
    each knot; prefix[-1] is the whole day's integral."""
    if shape == "solar":
        knots = _solar(day)
    elif shape == "export":
        knots = [v * 0.12 for v in _solar(day)]  # what the rooftops feed back at midday
    elif shape == "lights":
        knots = _lights(day)
    else:
        scale = 1.0 if is_workday(day) else OFF_DAY_SCALE[shape]
        knots = [v * scale for v in WORKDAY[shape]]
    nxt = knots[1:] + knots[:1]
    prefix = [0.0]
    for a, b in zip(knots, nxt, strict=True):
        prefix.append(prefix[-1] + (a + b) / 2 * KNOT_H)
    return tuple(knots), tuple(prefix)


def partial_integral(shape: str, day: dt.date, seconds: float) -> float:
    """∫ relative power dt (hours) from local midnight to `seconds` after it."""
    knots, prefix = day_shape(shape, day)
    position = seconds / 900.0
    k = min(int(position), KNOTS - 1)
    f = position - k
    a = knots[k]
    b = knots[(k + 1) % KNOTS]
    return prefix[k] + KNOT_H * f * (a + (b - a) * f / 2)


def unit_hash(*values: int) -> float:
    """A deterministic number in [0, 1) from integers (per point and day: no RNG state)."""
    h = 2166136261
    for v in values:
        h = ((h ^ (v & 0xFFFFFFFF)) * 16777619) & 0xFFFFFFFF
        h ^= h >> 13
        h = (h * 0x5BD1E995) & 0xFFFFFFFF
        h ^= h >> 15
    return h / 2**32


def day_factor(shape: str, seed: int, day_index: int) -> float:
    """Workload of a point on a day (±10%), or the day's weather for the sun-driven shapes."""
    if shape in ("solar", "export"):
        sky = unit_hash(7, day_index)  # one sky over the whole park
        return 0.25 + 0.75 * min(1.0, sky * 1.6)
    if shape == "lights":
        return 1.0
    return 0.9 + 0.2 * unit_hash(seed, day_index)
