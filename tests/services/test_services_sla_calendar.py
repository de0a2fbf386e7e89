"""SLA deadlines on the Chinese working calendar, against deadlines counted by hand from the
State Council's 2026 schedule: National Day 10-01..07 off with make-up Sunday 09-20 and Saturday
10-10; Mid-Autumn Friday 09-25 off; Spring Festival 02-15..23 off with make-up Saturday 02-14.

Defaults (working days, response/plan/resolve): normal 2/5/20, urgent 1/3/10, critical 1/1/5;
land and approval problems double the resolution time."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from parkpilot import workcalendar
from parkpilot.services import sla
from parkpilot.services.models import SlaRule

D = datetime.date
TZ = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def at(day: str) -> datetime.datetime:
    return datetime.datetime.combine(D.fromisoformat(day), datetime.time(10), tzinfo=TZ)


def test_plain_weeks(raise_request):
    # Raised Friday 2026-11-20. +2: Mon 23, Tue 24. +5: ... Fri 27. +20: four full weeks -> 12-18.
    req = raise_request(now=at("2026-11-20"))
    assert (req.response_due_on, req.plan_due_on, req.resolve_due_on) == (
        D(2026, 11, 24),
        D(2026, 11, 27),
        D(2026, 12, 18),
    )
    assert req.calendar_estimated is False


def test_national_day_and_make_up_saturday(raise_request):
    # Raised Wednesday 09-30, urgent. 10-01..07 off. +1: Thu 10-08. +3: 08, 09, Sat 10-10 (make-up).
    # +10: 08, 09, 10, 12, 13, 14, 15, 16, 19, 20 -> 10-20 (Sunday 10-11 is a rest day).
    req = raise_request(now=at("2026-09-30"), category="other", urgency="urgent")
    assert (req.response_due_on, req.plan_due_on, req.resolve_due_on) == (
        D(2026, 10, 8),
        D(2026, 10, 10),
        D(2026, 10, 20),
    )


def test_make_up_sunday_counts_as_a_working_day(raise_request):
    # Raised Saturday 09-19, critical. +1: Sunday 09-20 is a make-up working day.
    # +5: 20, 21, 22, 23, 24 (Mid-Autumn Friday 09-25 would be the next, and is off).
    req = raise_request(now=at("2026-09-19"), category="other", urgency="critical")
    assert (req.response_due_on, req.plan_due_on, req.resolve_due_on) == (
        D(2026, 9, 20),
        D(2026, 9, 20),
        D(2026, 9, 24),
    )


def test_spring_festival(raise_request):
    # Raised Friday 02-13. +2: Sat 02-14 (make-up), then 15..23 off, Tue 02-24.
    # +5: 14, 24, 25, 26, 27 -> 02-27.
    req = raise_request(now=at("2026-02-13"), category="talent")
    assert (req.response_due_on, req.plan_due_on) == (D(2026, 2, 24), D(2026, 2, 27))


def test_land_doubles_the_resolution_time():
    # normal land: 2/5/40. From Monday 2026-08-03: Aug 4-7 (4), 10-14, 17-21, 24-28 (19),
    # Aug 31-Sep 4 (24), 7-11 (29), 14-18 (34), make-up Sunday 20 (35), 21-24 (39),
    # Mid-Autumn Friday 25 off, Monday 28 (40).
    due = sla.deadlines(park_id=0, category="land", urgency="normal", start=D(2026, 8, 3))
    assert due["resolve_due_on"] == D(2026, 9, 28)
    assert sla.days_for(park_id=0, category="land", urgency="normal") == (2, 5, 40)


def test_a_park_rule_overrides_the_defaults(park):
    SlaRule.objects.create(
        park=park, category="energy", urgency="normal", response_days=1, plan_days=2, resolve_days=3
    )
    due = sla.deadlines(park_id=park.pk, category="energy", urgency="normal", start=D(2026, 9, 30))
    # 10-08, 10-09, Sat 10-10.
    assert (due["response_due_on"], due["plan_due_on"], due["resolve_due_on"]) == (
        D(2026, 10, 8),
        D(2026, 10, 9),
        D(2026, 10, 10),
    )


def test_a_year_the_calendar_does_not_know_is_an_estimate(raise_request):
    # Raised Monday 2026-12-28; 20 days run into 2027, whose schedule the library lacks:
    # weekdays only. Dec 29, 30, 31 (3), Fri Jan 1 (4, counted: unknown), Jan 4-8 (9),
    # 11-15 (14), 18-22 (19), Mon Jan 25 (20).
    req = raise_request(now=at("2026-12-28"), category="other")
    assert req.response_due_on == D(2026, 12, 30)
    assert req.resolve_due_on == D(2027, 1, 25)
    assert req.calendar_estimated is True


def test_calendar_primitives():
    assert workcalendar.is_working_day(D(2026, 10, 10)) is True  # Saturday, make-up
    assert workcalendar.is_working_day(D(2026, 10, 5)) is False  # Monday, National Day
    assert workcalendar.add_working_days(D(2026, 10, 3), 0) == (D(2026, 10, 8), True)
    # Late by working days: due Friday 10-09, today Tuesday 10-13: Sat 10 (make-up), Mon 12, Tue 13.
    assert workcalendar.working_days_late(D(2026, 10, 9), D(2026, 10, 13)) == 3


def test_a_rule_keeps_the_steps_in_order(park):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        SlaRule.objects.create(
            park=park,
            category="other",
            urgency="normal",
            response_days=3,
            plan_days=2,
            resolve_days=10,
        )
    assert not SlaRule.objects.exists()
