"""Writes of the incubation ladder: operators and their evaluations, spaces, and enterprises
entering, moving up and leaving. Keyword-only, atomic, audited; bad input is refused naming
the field (parkpilot.inputs)."""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parkpilot.inputs import Fields
from parkpilot.space import ladder, selectors_ladder
from parkpilot.space.errors import ErrorCode
from parkpilot.space.models import (
    IncubationSpace,
    LadderStep,
    Operator,
    OperatorEvaluation,
    Stage,
)
from parkpilot.space.services import AREA_MAX
from parkpilot.tenancy import access
from parkpilot.tenancy.audit import audit_record
from parkpilot.tenancy.errors import Code
from parkpilot.tenancy.models import Enterprise, Park

# An evaluation passes at this score out of 100. The documents publish no pass mark: this is
# the usual 合格 line of a 百分制 evaluation, and it is the platform's, said so on the page.
PASS_MARK = Decimal(60)


@transaction.atomic
def operator_create(
    *, actor, via: str, park: Park, name: str, contract_start, contract_end=None, demo=False
) -> Operator:
    access.require(actor, access.CREATE, Operator)
    fields = Fields()
    name = fields.text("name", name, max_length=200)
    start = fields.date("contract_start", contract_start)
    end = fields.date("contract_end", contract_end, required=False)
    if start and end and end < start:
        fields.refuse("contract_end", _("Not before the start."), Code.OUT_OF_RANGE)
    if name and Operator.objects.filter(park=park, name=name).exists():
        fields.refuse("name", _("An operator of this name is already registered."), Code.TAKEN)
    fields.check()
    operator = Operator.objects.create(
        park=park, name=name, contract_start=start, contract_end=end, demo=demo
    )
    audit_record(actor=actor, via=via, action="space.operator_create", obj=operator,
                 before=None, after={"name": name}, park_id=park.pk)  # fmt: skip
    return operator


@transaction.atomic
def operator_evaluate(
    *, actor, via: str, operator: Operator, year, score, grounds: str = ""
) -> OperatorEvaluation:
    """The operator's evaluation of a year; entering the year again corrects it (audited)."""
    operator = Operator.objects.select_for_update().get(pk=operator.pk)
    access.require(actor, access.CHANGE, operator)
    fields = Fields()
    year = fields.whole("year", year, low=2000, high=timezone.localdate().year)
    score = fields.decimal("score", score, low=0, high=100, places=1)
    grounds = fields.text("grounds", grounds, max_length=500, required=False)
    if score is not None and score < PASS_MARK and not grounds:
        fields.refuse("grounds", _("Say why the operator failed."), Code.REQUIRED)
    fields.check()
    row = OperatorEvaluation.objects.filter(operator=operator, year=year).first()
    before = None if row is None else {"score": str(row.score), "passed": row.passed}
    row = row or OperatorEvaluation(operator=operator, year=year)
    row.score, row.passed, row.grounds = score, score >= PASS_MARK, grounds
    row.save()
    audit_record(actor=actor, via=via, action="space.operator_evaluate", obj=operator,
                 before=before, after={"year": year, "score": str(score), "passed": row.passed},
                 park_id=operator.park_id)  # fmt: skip
    return row


@transaction.atomic
def operator_remove(*, actor, via: str, operator: Operator, on, grounds: str) -> Operator:
    """Remove an operator from the park's system on its grounds (its spaces keep it on record
    and show that they need a new one)."""
    operator = Operator.objects.select_for_update().get(pk=operator.pk)
    access.require(actor, access.CHANGE, operator)
    fields = Fields()
    on = fields.date("on", on, low=operator.contract_start, high=timezone.localdate())
    grounds = fields.text("grounds", grounds, max_length=500)
    if operator.removed_on is not None:
        message = _("Already removed on %(day)s.") % {"day": operator.removed_on.isoformat()}
        fields.refuse("on", message, Code.INVALID_TRANSITION)
    fields.check()
    operator.removed_on, operator.removal_grounds = on, grounds
    operator.save(update_fields=["removed_on", "removal_grounds"])
    audit_record(actor=actor, via=via, action="space.operator_remove", obj=operator,
                 before={"removed_on": None}, after={"removed_on": on.isoformat()},
                 park_id=operator.park_id)  # fmt: skip
    return operator


@transaction.atomic
def incubation_space_create(
    *, actor, via: str, park: Park, name: str, stage: str, area_m2, capacity,
    operator: Operator | None = None, zone=None, location: str = "", opened=None, demo=False,
) -> IncubationSpace:  # fmt: skip
    """A space of the ladder: in one of the park's zones, or off-site at `location`."""
    access.require(actor, access.CREATE, IncubationSpace)
    fields = Fields()
    name = fields.text("name", name, max_length=200)
    stage = fields.choice("stage", stage, Stage)
    area = fields.decimal("area_m2", area_m2, low=Decimal("0.01"), high=AREA_MAX, places=2)
    capacity = fields.whole("capacity", capacity, low=1, high=100_000)
    location = fields.text("location", location, max_length=200, required=False)
    opened = fields.date("opened", opened, high=timezone.localdate(), required=False)
    if zone is None and not location:
        fields.refuse("zone", _("Name the zone, or where the space is off-site."), Code.REQUIRED)
    if zone is not None and zone.park_id != park.pk:
        fields.refuse("zone", _("Not a zone of this park."), Code.UNKNOWN)
    if operator is not None and operator.park_id != park.pk:
        fields.refuse("operator", _("Not an operator of this park."), Code.UNKNOWN)
    if name and IncubationSpace.objects.filter(park=park, name=name).exists():
        fields.refuse("name", _("A space of this name is already registered."), Code.TAKEN)
    fields.check()
    space = IncubationSpace.objects.create(
        park=park, name=name, stage=stage, area_m2=area, capacity=capacity, operator=operator,
        zone=zone, location=location, opened=opened, demo=demo,
    )  # fmt: skip
    audit_record(actor=actor, via=via, action="space.incubation_space_create", obj=space,
                 before=None, after={"stage": stage, "area_m2": str(area)},
                 park_id=park.pk)  # fmt: skip
    return space


def _locked_space(space: IncubationSpace) -> IncubationSpace:
    """The space's row, locked: two entries for its last place queue here."""
    return IncubationSpace.objects.select_for_update().get(pk=space.pk)


def _refuse_if_full(fields: Fields, space: IncubationSpace) -> None:
    if space.steps.filter(left_on__isnull=True).count() >= space.capacity:
        message = _("The space is full: %(n)d of %(n)d places taken.") % {"n": space.capacity}
        fields.refuse("space", message, ErrorCode.SPACE_FULL)


def _open_step(enterprise: Enterprise) -> LadderStep | None:
    return (
        LadderStep.objects.select_for_update()
        .select_related("space")
        .filter(enterprise=enterprise, left_on__isnull=True)
        .first()
    )


def _day(fields: Fields, on, *, after=None):
    """The day of a step: not in the future, and after the open step's first day (its last
    day is the day before)."""
    day = fields.date("on", on, high=timezone.localdate())
    if day is not None and after is not None and day <= after:
        message = _("After %(day)s, the day it entered its space.") % {"day": after.isoformat()}
        fields.refuse("on", message, Code.OUT_OF_RANGE)
    return day


@transaction.atomic
def ladder_enter(
    *, actor, via: str, enterprise: Enterprise, space: IncubationSpace, on, demo=False
) -> LadderStep:
    """An enterprise joins the ladder in a space, on any rung."""
    space = _locked_space(space)
    access.require(actor, access.CREATE, LadderStep, enterprise_id=enterprise.pk)
    fields = Fields()
    day = _day(fields, on)
    if enterprise.park_id != space.park_id:
        fields.refuse("enterprise", _("Not an enterprise of this park."), Code.UNKNOWN)
    elif (current := _open_step(enterprise)) is not None:
        message = _("Already in %(space)s: move it up instead.") % {"space": current.space.name}
        fields.refuse("enterprise", message, Code.TAKEN)
    _refuse_if_full(fields, space)
    fields.check()
    step = LadderStep.objects.create(
        enterprise=enterprise, space=space, stage=space.stage, entered_on=day, demo=demo
    )
    audit_record(actor=actor, via=via, action="space.ladder_enter", obj=step, before=None,
                 after={"space": space.pk, "stage": space.stage, "on": day.isoformat()},
                 park_id=space.park_id)  # fmt: skip
    return step


@transaction.atomic
def ladder_move_up(
    *, actor, via: str, enterprise: Enterprise, space: IncubationSpace, on, demo=False
) -> LadderStep:
    """The enterprise moves into a space of the rung above, on `on`, once it meets every
    graduation criterion of its rung; refused naming what is still missing."""
    space = _locked_space(space)
    access.require(actor, access.CREATE, LadderStep, enterprise_id=enterprise.pk)
    fields = Fields()
    current = _open_step(enterprise)
    if current is None:
        fields.refuse("enterprise", _("Not in the ladder: enter it first."), Code.UNKNOWN)
        fields.check()
    day = _day(fields, on, after=current.entered_on)
    above = ladder.next_stage(current.stage)
    if space.park_id != current.space.park_id:
        fields.refuse("space", _("Not a space of this park."), Code.UNKNOWN)
    elif above is None:
        message = _("On the top rung: it graduates instead.")
        fields.refuse("space", message, ErrorCode.LADDER_STEP)
    elif space.stage != above:
        message = _("The rung above is “%(stage)s”.") % {"stage": Stage(above).label}
        fields.refuse("space", message, ErrorCode.LADDER_STEP)
    elif day is not None:
        found = selectors_ladder.criteria_checks(enterprise=enterprise, step=current, day=day)
        missing = [c for c in found if not c.met]
        if missing:
            fields.refuse("enterprise", _not_ready(missing), ErrorCode.NOT_READY)
    _refuse_if_full(fields, space)
    fields.check()
    _close(current, day - timedelta(days=1), LadderStep.Outcome.MOVED_UP)
    step = LadderStep.objects.create(
        enterprise=enterprise, space=space, stage=space.stage, entered_on=day, demo=demo
    )
    audit_record(actor=actor, via=via, action="space.ladder_move_up", obj=step,
                 before={"space": current.space_id, "stage": current.stage},
                 after={"space": space.pk, "stage": space.stage, "on": day.isoformat()},
                 park_id=space.park_id)  # fmt: skip
    return step


def _not_ready(missing: list[ladder.Check]) -> str:
    parts = [
        _("%(measure)s %(value)s of %(minimum)s")
        % {"measure": c.label, "minimum": _plain(c.minimum),
           "value": "—" if c.value is None else _plain(c.value)}
        for c in missing
    ]  # fmt: skip
    return _("Not ready to move up: %(missing)s.") % {"missing": "; ".join(parts)}


def _plain(number: Decimal) -> str:
    """20, 1200.5: no exponent, no trailing zeros."""
    return f"{number.normalize():f}"


def _close(step: LadderStep, last_day, outcome: str) -> None:
    step.left_on, step.outcome = last_day, outcome
    step.save(update_fields=["left_on", "outcome"])


@transaction.atomic
def ladder_leave(*, actor, via: str, enterprise: Enterprise, on, outcome: str) -> LadderStep:
    """The enterprise leaves the ladder on `on` (its last day), graduated or not."""
    fields = Fields()
    current = _open_step(enterprise)
    if current is None:
        fields.refuse("enterprise", _("Not in the ladder."), Code.UNKNOWN)
        fields.check()
    access.require(actor, access.CHANGE, current)
    day = fields.date("on", on, low=current.entered_on, high=timezone.localdate())
    outcome = fields.choice("outcome", outcome, LadderStep.Outcome)
    if outcome == LadderStep.Outcome.MOVED_UP:
        fields.refuse("outcome", _("Moving up is done by choosing a space."), Code.INVALID)
    fields.check()
    _close(current, day, outcome)
    audit_record(actor=actor, via=via, action="space.ladder_leave", obj=current,
                 before={"left_on": None}, after={"left_on": day.isoformat(), "outcome": outcome},
                 park_id=current.space.park_id)  # fmt: skip
    return current
