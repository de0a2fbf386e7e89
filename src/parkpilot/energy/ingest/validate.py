"""Checking one reading against the registry. Each refusal names the field and the reason."""

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from parkpilot.energy.registry import PointInfo

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
        return Refused("reading", "不是 JSON 对象 / not a JSON object")
    code = item.get("point")
    if not isinstance(code, str) or not code:
        return Refused("point", "缺少计量点编码 / point code missing or not a string")
    point = points.get((park_id, code))
    if point is None:
        return Refused("point", f"未知计量点 / unknown point: {shown(code)}", shown(code))
    if gateway_id is not None and point.gateway_id != gateway_id:
        return Refused("point", "该计量点不属于此网关 / not this gateway's point", code)
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
            f"时间戳超过 {future_s:.0f} 秒后的未来 / timestamp over {future_s:.0f} s in the future",
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
        return Refused("ts", "缺少时间戳或不是字符串 / ts missing or not a string")
    try:
        ts = datetime.fromisoformat(raw)
    except ValueError:
        return Refused("ts", f"不是 ISO-8601 时间 / not an ISO-8601 timestamp: {shown(raw)}")
    if ts.tzinfo is None:
        return Refused("ts", "时间戳缺少时区偏移 / timestamp has no UTC offset")
    try:
        return ts, ts.timestamp()
    except OverflowError:  # e.g. year 1 at +14:00 is before year 1 in UTC
        return Refused("ts", f"时间戳超出范围 / timestamp out of range: {shown(raw)}")


def _too_early(point: PointInfo) -> str:
    day = datetime.fromtimestamp(point.not_before_epoch, UTC).isoformat(timespec="minutes")
    if point.commissioned:
        return f"时间戳早于计量点投运日期 / timestamp before the point's commissioning ({day})"
    return f"时间戳早于平台起始时间 / timestamp before the platform's earliest date ({day})"


def _value_refusal(point: PointInfo, value, unit) -> tuple[str, str] | None:
    # Exact types: bool is an int subclass, and a meter never sends true/false as a reading.
    if type(value) not in NUMBER_TYPES:
        return "value", "读数不是数字 / value is not a number"
    if type(value) is float and not math.isfinite(value):
        return "value", "读数不是有限数 / value is NaN or infinite"
    if not -MAX_ABS_VALUE <= value <= MAX_ABS_VALUE:
        return "value", f"读数超出范围 / value out of range (|value| ≤ {MAX_ABS_VALUE:.0e})"
    if unit is not None and unit != point.unit:
        shown_unit = shown(str(unit))
        return (
            "unit",
            f"单位 {shown_unit} 与计量点单位 {point.unit} 不符 / unit does not match the point",
        )
    meter = point.meter
    if meter.cumulative:
        if value < 0:
            return "value", "累计读数不能为负 / a counter cannot be negative"
        if meter.rollover and value >= meter.rollover:
            return "value", "读数超过表计量程 / value beyond the counter's roll-over"
        return None
    if value < 0:
        return "value", "区间读数不能为负 / negative interval value"
    if value * meter.scale > meter.cap_per_s * meter.interval_s * 1.2:
        return "value", "超过额定上限 / value over the plausibility cap"
    return None
