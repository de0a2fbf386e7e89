"""Checking one reading against the registry. Each refusal names the field and the reason, a
stored text (parkpilot.stored_text: its English msgid and parameters, shown translated)."""

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils.translation import gettext_noop

from parkpilot.energy.registry import PointInfo
from parkpilot.stored_text import stored

# Meters' clocks drift; beyond this a timestamp is a configuration error, not drift.
MAX_FUTURE_S = 300
NUMBER_TYPES = frozenset({int, float})
# No meter reads a quadrillion: beyond this a value is a garbled frame (and a huge integer
# would not even convert to a float).
MAX_ABS_VALUE = 1e15
# User text echoed in a reason is cut to this many characters.
SHOWN_CHARS = 40


def shown(text: str) -> str:
    """`text` safe to echo in a reason and to store: cut short, no NUL (PostgreSQL refuses it),
    no lone surrogate (not encodable as UTF-8)."""
    cut = text[:SHOWN_CHARS].replace("\x00", "\ufffd")
    return cut.encode("utf-8", "replace").decode("utf-8")


class Accepted:
    """A reading that passed (a plain slotted class: one is made per reading, in the hot path)."""

    __slots__ = ("epoch", "point", "ts", "value")

    def __init__(self, point: PointInfo, ts: datetime, epoch: float, value: float):
        self.point = point
        self.ts = ts  # aware
        self.epoch = epoch
        self.value = value


@dataclass(frozen=True)
class Refused:
    field: str
    reason: str
    point_code: str = ""


def batch_checker(
    *,
    points: dict,
    park_id: int,
    gateway_id: int | None,
    now_epoch: float,
    future_s: float = MAX_FUTURE_S,
) -> Callable[[object], Accepted | Refused]:
    """`check` for one batch, with a fast path for the common reading (a known point of this
    gateway, a timestamp already seen in the batch, a plain number within a counter's range),
    which is accepted without the field-by-field walk; anything else gets the full `check`,
    so the rules and their refusals live in one place. Intake's hottest loop: ~2x faster."""
    timestamps: dict = {}
    latest = now_epoch + future_s

    def full(item):
        return check(
            item,
            points=points,
            park_id=park_id,
            gateway_id=gateway_id,
            now_epoch=now_epoch,
            timestamps=timestamps,
            future_s=future_s,
        )

    def fast(item):
        try:
            point = points[(park_id, item["point"])]
            parsed = timestamps[item["ts"]]
            value = item["value"]
        except (KeyError, TypeError):
            return full(item)
        if (
            len(item) == 3  # no unit to compare
            and type(parsed) is tuple
            and point.not_before_epoch <= parsed[1] <= latest
            and type(value) in NUMBER_TYPES
            and (gateway_id is None or point.gateway_id == gateway_id)
            and point.meter.cumulative
            and 0 <= value < (point.meter.rollover or MAX_ABS_VALUE)
        ):
            return Accepted(point, parsed[0], parsed[1], float(value))
        return full(item)

    return fast


def check(
    item,
    *,
    points: dict,
    park_id: int,
    gateway_id: int | None,
    now_epoch: float,
    timestamps: dict,
    future_s: float = MAX_FUTURE_S,
) -> Accepted | Refused:
    """`timestamps` caches parsed timestamps for the batch: a gateway stamps all its points with
    the same instant, so each distinct string is parsed once."""
    if not isinstance(item, dict):
        return Refused("reading", gettext_noop("Not a JSON object."))
    code = item.get("point")
    if not isinstance(code, str) or not code:
        return Refused("point", gettext_noop("The point code is missing or not a string."))
    point = points.get((park_id, code))
    if point is None:
        reason = stored(gettext_noop("Unknown point: %(code)s."), code=shown(code))
        return Refused("point", reason, shown(code))
    if gateway_id is not None and point.gateway_id != gateway_id:
        return Refused("point", gettext_noop("Not this gateway's point."), code)
    raw_ts = item.get("ts")
    parsed = timestamps.get(raw_ts) if isinstance(raw_ts, str) else None
    if parsed is None:
        parsed = _timestamp(raw_ts)
        if isinstance(raw_ts, str):
            timestamps[raw_ts] = parsed
    if isinstance(parsed, Refused):
        return Refused(parsed.field, parsed.reason, code)
    ts, epoch = parsed
    if epoch > now_epoch + future_s:
        return Refused(
            "ts",
            stored(gettext_noop("The timestamp is over %(s)d s in the future."), s=round(future_s)),
            code,
        )
    if epoch < point.not_before_epoch:
        return Refused("ts", _too_early(point), code)
    value = item.get("value")
    refusal = _value_refusal(point, value, item.get("unit"))
    if refusal:
        return Refused(refusal[0], refusal[1], code)
    return Accepted(point=point, ts=ts, epoch=epoch, value=float(value))


def _timestamp(raw) -> tuple[datetime, float] | Refused:
    if not isinstance(raw, str):
        return Refused("ts", gettext_noop("The timestamp is missing or not a string."))
    try:
        ts = datetime.fromisoformat(raw)
    except ValueError:
        reason = stored(gettext_noop("Not an ISO-8601 timestamp: %(ts)s."), ts=shown(raw))
        return Refused("ts", reason)
    if ts.tzinfo is None:
        return Refused("ts", gettext_noop("The timestamp has no UTC offset."))
    try:
        return ts, ts.timestamp()
    except OverflowError:  # e.g. year 1 at +14:00 is before year 1 in UTC
        reason = stored(gettext_noop("Timestamp out of range: %(ts)s."), ts=shown(raw))
        return Refused("ts", reason)


def _too_early(point: PointInfo) -> str:
    day = datetime.fromtimestamp(point.not_before_epoch, UTC).isoformat(timespec="minutes")
    if point.commissioned:
        return stored(
            gettext_noop("The timestamp is before the point's commissioning (%(day)s)."), day=day
        )
    return stored(
        gettext_noop("The timestamp is before the platform's earliest date (%(day)s)."), day=day
    )


def _value_refusal(point: PointInfo, value, unit) -> tuple[str, str] | None:
    # Exact types: bool is an int subclass, and a meter never sends true/false as a reading.
    if type(value) not in NUMBER_TYPES:
        return "value", gettext_noop("The value is not a number.")
    if type(value) is float and not math.isfinite(value):
        return "value", gettext_noop("The value is NaN or infinite.")
    if not -MAX_ABS_VALUE <= value <= MAX_ABS_VALUE:
        return "value", stored(
            gettext_noop("The value is out of range (|value| ≤ %(most)s)."),
            most=f"{MAX_ABS_VALUE:.0e}",
        )
    if unit is not None and unit != point.unit:
        shown_unit = shown(str(unit))
        return (
            "unit",
            stored(
                gettext_noop("The unit %(unit)s does not match the point's unit %(point_unit)s."),
                unit=shown_unit,
                point_unit=point.unit,
            ),
        )
    meter = point.meter
    if meter.cumulative:
        if value < 0:
            return "value", gettext_noop("A counter cannot be negative.")
        if meter.rollover and value >= meter.rollover:
            return "value", gettext_noop("The value is beyond the counter's roll-over.")
        return None
    if value < 0:
        return "value", gettext_noop("An interval value cannot be negative.")
    if value * meter.scale > meter.cap_per_s * meter.interval_s * 1.2:
        return "value", gettext_noop("The value is over the plausibility cap.")
    return None
