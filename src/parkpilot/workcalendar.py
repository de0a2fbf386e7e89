"""The working calendar: Chinese public holidays and make-up working days (调休).

Built on chinese-calendar (PyPI `chinesecalendar`), which transcribes the State Council's yearly
notice: `is_workday` is False on a holiday that falls on a weekday and True on a make-up
Saturday or Sunday (e.g. Sunday 2026-09-20 and Saturday 2026-10-10 around National Day).

The State Council publishes next year's schedule around November; until the library has it,
a date in an unknown year counts as a working day from Monday to Friday, and the caller is told
(`is_known`), so the SLA records that its deadline is an estimate."""

import datetime

import chinese_calendar


def is_known(day: datetime.date) -> bool:
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def is_working_day(day: datetime.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def add_working_days(start: datetime.date, days: int) -> tuple[datetime.date, bool]:
    """The `days`-th working day after `start` (start itself not counted; 0 means start if it
    is a working day, else the next one), and whether every day on the way was known."""
    known = True
    day = start
    if days == 0:
        while not is_working_day(day):
            known &= is_known(day)
            day += datetime.timedelta(days=1)
        return day, known and is_known(day)
    remaining = days
    while remaining:
        day += datetime.timedelta(days=1)
        known &= is_known(day)
        if is_working_day(day):
            remaining -= 1
    return day, known


def working_days_late(due: datetime.date, today: datetime.date) -> int:
    """Working days from the deadline to today (0 when on time)."""
    late = 0
    day = due
    while day < today:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            late += 1
    return late
