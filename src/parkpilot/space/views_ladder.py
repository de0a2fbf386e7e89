"""Pages of the incubation ladder: the rungs with progress towards the park's targets and the
operators, one space with its enterprises and what moves each up, an enterprise's own steps.
Thin: reads through selectors_ladder, writes through services_ladder."""

from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from parkpilot.space import rules, selectors_ladder, services_ladder
from parkpilot.space.models import IncubationSpace, LadderStep, Operator, Stage
from parkpilot.space.views import _chosen, _enterprises, _submit, _unknown_form
from parkpilot.tenancy.access import page
from parkpilot.tenancy.models import Enterprise


def _target_labels() -> dict:
    return {"spaces": _("Spaces"), "area_m2": _("Area (m²)"), "operators": _("Operators"),
            "platforms": _("Public service platforms")}  # fmt: skip


@page(rules.LADDER, hidden=True)
def ladder(request):
    """The ladder rung by rung (a chart of places and enterprises), the targets, the spaces and
    the operators with their evaluations; staff evaluate or remove an operator here."""
    user = request.user
    failed = None
    if request.method == "POST" and rules.KEEP_LADDER.allows(user):
        post, form = request.POST, request.POST.get("form", "")
        calls = {
            "evaluate": lambda: services_ladder.operator_evaluate(
                actor=user, via="ui", operator=_chosen(request, Operator, "operator"),
                year=post.get("year"), score=post.get("score"), grounds=post.get("grounds", ""),
            ),
            "remove": lambda: services_ladder.operator_remove(
                actor=user, via="ui", operator=_chosen(request, Operator, "operator"),
                on=post.get("on"), grounds=post.get("grounds", ""),
            ),
        }  # fmt: skip
        failed = _submit(request, form, calls.get(form, _unknown_form))
        if failed is None:
            return redirect("space:ladder")
    spaces = selectors_ladder.space_list(user=user)
    rungs = selectors_ladder.rungs(spaces)
    progress = selectors_ladder.target_progress(user=user, park=user.park, spaces=spaces)
    labels = _target_labels()
    for row in progress["rows"] if progress else []:
        row["label"] = labels[row["key"]]
    context = {
        "rungs": rungs,
        "chart": {"stages": [str(r["stage"].label) for r in rungs],
                  "capacity": [r["capacity"] for r in rungs],
                  "occupied": [r["occupied"] for r in rungs],
                  "labels": {"capacity": _("Places"), "occupied": _("Enterprises now")}},
        "progress": progress,
        "spaces": spaces,
        "geojson": selectors_ladder.ladder_map(user=user, park=user.park, spaces=spaces),
        "legend": [(Stage(k).label, fill) for k, fill in selectors_ladder.RUNG_FILL.items()],
        "operators": selectors_ladder.operator_list(user=user).filter(park=user.park),
        "criteria": selectors_ladder.criteria_list(user=user, park=user.park),
        "pass_mark": services_ladder.PASS_MARK,
        "can_keep": rules.KEEP_LADDER.allows(user),
        "today": timezone.localdate(),
        **(failed or {}),
    }  # fmt: skip
    return TemplateResponse(request, "space/ladder.html", context, status=400 if failed else 200)


def _with_checks(steps, day) -> list[dict]:
    rows = []
    for step in steps:
        checks = selectors_ladder.criteria_checks(enterprise=step.enterprise, step=step, day=day)
        rows.append({"step": step, "checks": checks, "ready": all(c.met for c in checks)})
    return rows


@page(rules.LADDER, hidden=True)
def ladder_space(request, space_id: int):
    """One space: its enterprises now, each with its graduation criteria against its figures;
    staff enter an enterprise, move one up into a space of the rung above, or record it left."""
    user = request.user
    space = selectors_ladder.space_get(user=user, space_id=space_id)
    failed = None
    if request.method == "POST" and rules.KEEP_LADDER.allows(user):
        post, form = request.POST, request.POST.get("form", "")
        calls = {
            "enter": lambda: services_ladder.ladder_enter(
                actor=user, via="ui", enterprise=_chosen(request, Enterprise, "enterprise"),
                space=space, on=post.get("on"),
            ),
            "move_up": lambda: services_ladder.ladder_move_up(
                actor=user, via="ui", enterprise=_chosen(request, Enterprise, "enterprise"),
                space=_chosen(request, IncubationSpace, "space"), on=post.get("on"),
            ),
            "leave": lambda: services_ladder.ladder_leave(
                actor=user, via="ui", enterprise=_chosen(request, Enterprise, "enterprise"),
                on=post.get("on"), outcome=post.get("outcome"),
            ),
        }  # fmt: skip
        failed = _submit(request, form, calls.get(form, _unknown_form))
        if failed is None:
            return redirect("space:ladder_space", space_id=space.pk)
    today = timezone.localdate()
    above = selectors_ladder.spaces_above(user=user, space=space)
    context = {
        "space": space,
        "rows": _with_checks(selectors_ladder.steps_in(user=user, space=space), today),
        "above": above,
        "enterprises": _enterprises(user),
        "outcomes": [o for o in LadderStep.Outcome.choices if o[0] != LadderStep.Outcome.MOVED_UP],
        "can_keep": rules.KEEP_LADDER.allows(user),
        "today": today,
        **(failed or {}),
    }  # fmt: skip
    status = 400 if failed else 200
    return TemplateResponse(request, "space/ladder_space.html", context, status=status)


@page(rules.MY_LADDER)
def my_ladder(request):
    """An enterprise's own steps on the ladder and, on its rung now, what moves it up."""
    user = request.user
    steps = list(selectors_ladder.history(user=user, enterprise_id=user.enterprise_id))
    current = next((s for s in steps if s.left_on is None), None)
    today = timezone.localdate()
    context = {
        "steps": steps,
        "current": current,
        "row": _with_checks([current], today)[0] if current else None,
        "ladder": list(Stage),
        "today": today,
    }
    return TemplateResponse(request, "space/my_ladder.html", context)
