"""Service-level deadlines, in working days, per category and urgency.

Defaults (a park may override any pair with an SlaRule row): a first response (a named contact
assigned) within 1-2 working days, a solution plan within 1-5, a resolution within 5-20; land
and approval problems get twice the resolution time, because they wait on outside authorities."""

import datetime

from parkpilot import workcalendar
from parkpilot.services.models import Category, SlaRule, Urgency

DEFAULT_DAYS = {
    Urgency.NORMAL: (2, 5, 20),
    Urgency.URGENT: (1, 3, 10),
    Urgency.CRITICAL: (1, 1, 5),
}
SLOW_CATEGORIES = frozenset({Category.LAND, Category.APPROVAL})
TIMERS = ("response", "plan", "resolve")


def days_for(*, park_id: int, category: str, urgency: str) -> tuple[int, int, int]:
    rule = SlaRule.objects.filter(park_id=park_id, category=category, urgency=urgency).first()
    if rule is not None:
        return rule.response_days, rule.plan_days, rule.resolve_days
    response, plan, resolve = DEFAULT_DAYS[Urgency(urgency)]
    if category in SLOW_CATEGORIES:
        resolve *= 2
    return response, plan, resolve


def deadlines(
    *, park_id: int, category: str, urgency: str, start: datetime.date
) -> dict[str, object]:
    """Due dates for the three timers counted from `start` (the local date the clock starts)."""
    response, plan, resolve = days_for(park_id=park_id, category=category, urgency=urgency)
    out: dict[str, object] = {}
    known = True
    for name, days in zip(TIMERS, (response, plan, resolve), strict=True):
        due, ok = workcalendar.add_working_days(start, days)
        out[f"{name}_due_on"] = due
        known &= ok
    out["calendar_estimated"] = not known
    return out


def resolve_deadline(
    *, park_id: int, category: str, urgency: str, start: datetime.date
) -> tuple[datetime.date, bool]:
    resolve = days_for(park_id=park_id, category=category, urgency=urgency)[2]
    due, known = workcalendar.add_working_days(start, resolve)
    return due, not known
