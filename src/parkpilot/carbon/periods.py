"""Accounting periods in the park's local time: their UTC bounds and the rollup level to read."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext

from parkpilot.carbon.errors import ErrorCode
from parkpilot.carbon.models import Level
from parkpilot.tenancy.errors import Code, ValidationFailed

ROLLUP_LEVEL = {Level.HOUR: "1h", Level.DAY: "1d", Level.MONTH: "1mo", Level.YEAR: "1mo"}


@dataclass(frozen=True)
class Period:
    level: str
    start: datetime  # local, aware
    end: datetime

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def rollup_level(self) -> str:
        return ROLLUP_LEVEL[self.level]

    @property
    def label(self) -> str:
        if self.level == Level.YEAR:
            return f"{self.start:%Y}"
        if self.level == Level.MONTH:
            return f"{self.start:%Y-%m}"
        if self.level == Level.DAY:
            return f"{self.start:%Y-%m-%d}"
        return f"{self.start:%Y-%m-%d %H}:00"

    @property
    def fraction_of_year(self) -> float:
        y0 = self.start.replace(month=1, day=1, hour=0)
        y1 = y0.replace(year=y0.year + 1)
        return (self.end - self.start) / (y1 - y0)

    def previous(self) -> "Period":
        if self.level == Level.YEAR:
            return period(
                self.level, self.start.replace(year=self.start.year - 1), self.start.tzinfo
            )
        if self.level == Level.MONTH:
            prev = (self.start - timedelta(days=1)).replace(day=1)
            return period(self.level, prev, self.start.tzinfo)
        step = timedelta(days=1) if self.level == Level.DAY else timedelta(hours=1)
        return period(self.level, self.start - step, self.start.tzinfo)

    def year_ago(self) -> "Period":
        return period(self.level, self.start.replace(year=self.start.year - 1), self.start.tzinfo)


def period(level: str, start: date | datetime, tz) -> Period:
    tz = ZoneInfo(tz) if isinstance(tz, str) else tz
    if level not in Level.values:
        raise ValidationFailed.single("level", gettext("Must be 1h, 1d, 1mo or 1y."), Code.INVALID)
    if isinstance(start, datetime):
        s = start.astimezone(tz) if start.tzinfo else start.replace(tzinfo=tz)
    else:
        s = datetime(start.year, start.month, start.day, tzinfo=tz)
    if level == Level.HOUR:
        s = s.replace(minute=0, second=0, microsecond=0)
        return Period(level, s, s + timedelta(hours=1))
    s = s.replace(hour=0, minute=0, second=0, microsecond=0)
    if level == Level.DAY:
        return Period(level, s, _local(s + timedelta(days=1), tz))
    if level == Level.MONTH:
        s = s.replace(day=1)
        nxt = (s.replace(day=28) + timedelta(days=4)).replace(day=1)
        return Period(level, s, nxt)
    s = s.replace(month=1, day=1)
    return Period(level, s, s.replace(year=s.year + 1))


def _local(dt: datetime, tz) -> datetime:
    return dt.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=tz)


def parse(level: str, value: str, tz) -> Period:
    """ "2026-03" (month), "2026" (year), "2026-03-01" (day), "2026-03-01T10" (hour)."""
    try:
        if level == Level.YEAR:
            return period(level, date(int(value[:4]), 1, 1), tz)
        if level == Level.MONTH:
            return period(level, date(int(value[:4]), int(value[5:7]), 1), tz)
        if level == Level.DAY:
            return period(level, date.fromisoformat(value[:10]), tz)
        return period(level, datetime.fromisoformat(value[:13] + ":00"), tz)
    except (ValueError, IndexError):
        raise ValidationFailed.single("period", gettext("Invalid period."), Code.FORMAT) from None


# --- where a period stands in time ------------------------------------------------------------

CLOSABLE = (Level.MONTH, Level.YEAR)


def has_ended(per: Period, now: datetime | None = None) -> bool:
    return (now or timezone.now()) >= per.end


def is_running(per: Period, now: datetime | None = None) -> bool:
    """Started and not ended: its figures so far are partial."""
    now = now or timezone.now()
    return per.start <= now < per.end


def require_closable(per: Period, now: datetime | None = None) -> None:
    """Only a month or a year that has ended can be closed (a closed period is a snapshot of
    what was metered; a running one would be frozen at its first days, a future one at zero)."""
    if per.level not in CLOSABLE:
        raise ValidationFailed.single(
            "level", gettext("Only months and years close."), Code.INVALID
        )
    if not has_ended(per, now):
        raise ValidationFailed.single(
            "period",
            gettext("%(period)s has not ended (it ends %(end)s) and cannot be closed.")
            % {"period": per.label, "end": f"{per.end:%Y-%m-%d %H:%M}"},
            ErrorCode.PERIOD_NOT_ENDED,
        )


def elapsed_hours(per: Period, now: datetime | None = None) -> timedelta:
    """How much of a period has run, in whole hours (what a like-for-like comparison uses)."""
    now = now or timezone.now()
    run = min(per.end, max(per.start, now)) - per.start
    return timedelta(hours=int(run.total_seconds() // 3600))


def same_span(other: Period, span: timedelta) -> Period | None:
    """The first `span` of another period (hour rollups), or None when it is shorter."""
    if other.start + span > other.end:
        return None
    return Period(Level.HOUR, other.start, other.start + span)


def year_to_date(per: Period) -> Period:
    """1 January to the end of `per`."""
    year = period(Level.YEAR, per.start.date(), per.start.tzinfo)
    return Period(Level.YEAR, year.start, per.end)
