"""Reads of the incubation ladder, through the access rule: the rungs with their spaces and
enterprises, progress towards the park's targets, each enterprise's criteria (what moves it
up), the operators with their evaluations."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Prefetch, Q

from parkpilot.economy.models import EnterpriseMonthly
from parkpilot.space import ladder
from parkpilot.space.models import (
    LADDER,
    GraduationRule,
    IncubationSpace,
    IncubationTarget,
    LadderStep,
    Measure,
    Operator,
    OperatorEvaluation,
    ServicePlatform,
    Stage,
)
from parkpilot.tenancy import access
from parkpilot.tenancy import selectors as tenancy_selectors
from parkpilot.tenancy.actors import system_actor

PCT = Decimal("0.1")


def _open() -> Q:
    return Q(steps__left_on__isnull=True)


def space_list(*, user):
    """The spaces, rung by rung, each with the enterprises in it now (`occupied`)."""
    spaces = access.scoped(user, IncubationSpace).select_related("operator", "zone")
    spaces = spaces.annotate(occupied=Count("steps", filter=_open()))
    return sorted(spaces, key=lambda s: (LADDER.index(s.stage), s.name))


def spaces_above(*, user, space: IncubationSpace) -> list[IncubationSpace]:
    """The spaces of the rung above `space`'s, where its enterprises may move up to."""
    above = ladder.next_stage(space.stage)
    return [s for s in space_list(user=user) if s.stage == above]


def space_get(*, user, space_id: int) -> IncubationSpace:
    return access.get_for(user, IncubationSpace.objects.select_related("operator"), space_id)


def _pct(part, whole) -> Decimal | None:
    return (Decimal(part) * 100 / Decimal(whole)).quantize(PCT, ROUND_HALF_UP) if whole else None


def rungs(spaces: list[IncubationSpace]) -> list[dict]:
    """Per rung, bottom to top: spaces, area, places and the enterprises in them now."""
    out = []
    for stage in Stage:
        mine = [s for s in spaces if s.stage == stage]
        out.append({
            "stage": stage, "spaces": len(mine),
            "area_m2": sum((s.area_m2 for s in mine), Decimal(0)),
            "capacity": sum(s.capacity for s in mine),
            "occupied": sum(s.occupied for s in mine),
        })  # fmt: skip
    return out


def target_progress(*, user, park, spaces: list[IncubationSpace]) -> dict | None:
    """The nearest target year's figures against what the park has now (None: no target)."""
    target = access.scoped(user, IncubationTarget).filter(park=park).order_by("year").last()
    if target is None:
        return None
    operators = access.scoped(user, Operator).filter(park=park, removed_on__isnull=True).count()
    platforms = access.scoped(user, ServicePlatform).filter(park=park).count()
    area = sum((s.area_m2 for s in spaces), Decimal(0))
    pairs = [
        ("spaces", len(spaces), target.spaces),
        ("area_m2", area, target.area_m2),
        ("operators", operators, target.operators),
        ("platforms", platforms, target.platforms),
    ]
    return {
        "target": target,
        "rows": [
            {"key": key, "now": now, "goal": goal, "pct": _pct(now, goal)}
            for key, now, goal in pairs
        ],
    }


def operator_list(*, user):
    """The operators, active first, each with its evaluations newest first."""
    evaluations = Prefetch("evaluations", queryset=OperatorEvaluation.objects.order_by("-year"))
    operators = access.scoped(user, Operator).prefetch_related(evaluations)
    return operators.annotate(spaces_run=Count("spaces")).order_by("removed_on", "name")


def steps_in(*, user, space: IncubationSpace):
    """The enterprises in the space now, longest there first."""
    steps = access.scoped(user, LadderStep).filter(space=space, left_on__isnull=True)
    return steps.select_related("enterprise").order_by("entered_on", "id")


def step_list(*, user):
    """Every step the user may read: staff the park's, an enterprise its own."""
    return access.scoped(user, LadderStep).order_by("id")


def history(*, user, enterprise_id: int):
    """An enterprise's steps, first to last (an enterprise reads only its own)."""
    steps = access.scoped(user, LadderStep).filter(enterprise_id=enterprise_id)
    return steps.select_related("space").order_by("entered_on", "id")


def measures(*, enterprise, step: LadderStep, day: date) -> dict[str, Decimal | None]:
    """The enterprise's value of each measure on `day`, from the platform's own records: months
    in its rung (its open step), its latest employees, its revenue of the last 12 months it
    reported (economy). Read as the park's system, like the criteria themselves."""
    reader = system_actor(step.space.park, "space.ladder")
    monthly = access.scoped(reader, EnterpriseMonthly).filter(enterprise=enterprise)
    monthly = monthly.filter(Q(year__lt=day.year) | Q(year=day.year, month__lte=day.month))
    latest = monthly.exclude(employees=None).order_by("-year", "-month").values("employees").first()
    months = monthly.exclude(revenue=None).order_by("-year", "-month").values("revenue")[:12]
    revenue = sum((m["revenue"] for m in months), Decimal(0)) if months else None
    return {
        Measure.MONTHS_IN_STAGE: Decimal(ladder.whole_months(step.entered_on, day)),
        Measure.EMPLOYEES: None if latest is None else Decimal(latest["employees"]),
        Measure.REVENUE_12M: revenue,
    }


def criteria_checks(*, enterprise, step: LadderStep, day: date) -> list[ladder.Check]:
    """The graduation criteria of the enterprise's rung, each against its value on `day`."""
    reader = system_actor(step.space.park, "space.ladder")
    criteria = access.scoped(reader, GraduationRule).filter(
        park_id=step.space.park_id, stage=step.stage
    )
    rows = [(c.measure, c.minimum, c.document) for c in criteria.order_by("measure")]
    return ladder.checks(rows, measures(enterprise=enterprise, step=step, day=day))


def criteria_list(*, user, park):
    rules = access.scoped(user, GraduationRule).filter(park=park)
    return sorted(rules, key=lambda r: (LADDER.index(r.stage), r.measure))


RUNG_FILL = {"nursery": "#9ccc65", "makerspace": "#4caf50", "incubator": "#26a69a",
             "accelerator": "#1e88e5", "small_park": "#3949ab"}  # fmt: skip


def ladder_map(*, user, park, spaces: list[IncubationSpace]) -> dict | None:
    """The park's map with each in-park space as a point at its zone's centre (a space has no
    surveyed outline), coloured by rung; off-site spaces (飞地) are not on the park's map."""
    from shapely.geometry import mapping, shape

    base = tenancy_selectors.park_map(user=user, park=park)
    if base is None:
        return None
    placed = [s for s in spaces if s.zone is not None and s.zone.outline]
    for space in placed:
        centre = shape(space.zone.outline).representative_point()  # inside, unlike a centroid
        base["features"].append({"type": "Feature", "geometry": mapping(centre), "properties": {
            "kind": "incubation", "name": space.name, "fill": RUNG_FILL[space.stage]}})  # fmt: skip
    base["demo"] = base["demo"] or any(s.demo for s in placed)
    return base
