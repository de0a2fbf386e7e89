"""Energy pages: the metering points and the data-quality page. Thin: selectors and services."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from parkpilot.energy import selectors, services
from parkpilot.energy.kinds import EnergyKind
from parkpilot.tenancy import selectors as tenancy_selectors
from parkpilot.tenancy.errors import Forbidden, NotFound, ValidationFailed
from parkpilot.tenancy.roles import PARK_ROLES


@login_required
def points(request):
    kind = request.GET.get("kind", "")
    q = request.GET.get("q", "").strip()
    rows = selectors.point_list(user=request.user, kind=kind, q=q)[:500]
    template = "energy/points.html#rows" if request.htmx else "energy/points.html"
    context = {"points": rows, "kinds": EnergyKind.choices, "kind": kind, "q": q}
    return TemplateResponse(request, template, context)


def _park_or_404(request):
    park = tenancy_selectors.park_of(request.user)
    if park is None or not (request.user.is_superuser or request.user.role in PARK_ROLES):
        raise Http404
    return park


@login_required
def quality(request):
    park = _park_or_404(request)
    days = selectors.park_completeness(user=request.user, park_id=park.pk, days=14)
    context = {
        "summary": selectors.quality_summary(user=request.user, park_id=park.pk),
        "worst": selectors.point_quality(user=request.user, park_id=park.pk, limit=20),
        "letters": selectors.dead_letter_list(user=request.user)[:50],
        "conflicts": selectors.conflict_list(user=request.user)[:50],
        "suspects": selectors.suspect_list(user=request.user)[:50],
        "quarantined": list(selectors.quarantine_list(user=request.user)),
        "held": selectors.held_points(user=request.user),
        "park_tz": park.timezone,
        "chart": {
            "days": [d.day.strftime("%m-%d") for d in days],
            "rates": [round(d.rate * 100, 2) for d in days],
        },
    }
    return TemplateResponse(request, "energy/quality.html", context)


def _act(request, action):
    if request.method != "POST":
        raise Http404
    try:
        action()
    except NotFound:
        raise Http404 from None
    except Forbidden:
        raise PermissionDenied from None
    except ValidationFailed as exc:
        # Already handled by someone else, or a bad value: say which field and why.
        for error in exc.errors:
            messages.error(request, f"{error.field}: {error.reason}")
    return redirect("energy:quality")


@login_required
def dead_letter_reprocess(request, letter_id: int):
    def action():
        letter = selectors.dead_letter_get(user=request.user, letter_id=letter_id)
        services.dead_letter_reprocess(actor=request.user, via="ui", letter=letter)

    return _act(request, action)


@login_required
def dead_letter_dismiss(request, letter_id: int):
    def action():
        letter = selectors.dead_letter_get(user=request.user, letter_id=letter_id)
        note = request.POST.get("note", "") or "dismissed on the data-quality page"
        services.dead_letter_dismiss(actor=request.user, via="ui", letter=letter, note=note)

    return _act(request, action)


@login_required
def conflict_resolve(request, conflict_id: int):
    def action():
        conflict = selectors.conflict_get(user=request.user, conflict_id=conflict_id)
        keep = request.POST.get("keep", "")
        services.conflict_resolve(actor=request.user, via="ui", conflict=conflict, keep=keep)

    return _act(request, action)


@login_required
def suspect_override(request, decision_id: int):
    def action():
        decision = selectors.suspect_get(user=request.user, decision_id=decision_id)
        services.suspect_override(
            actor=request.user, via="ui", decision=decision, action=request.POST.get("action", "")
        )

    return _act(request, action)


@login_required
def replacement_confirm(request, decision_id: int):
    """Confirm the replacement a suspect decision points at: its time and the new start value
    (the form's local time is the park's)."""

    def action():
        decision = selectors.suspect_get(user=request.user, decision_id=decision_id)
        ts = _local_time(request.POST.get("ts", ""), _park_or_404(request).timezone)
        start_value = _number(request.POST.get("start_value", ""))
        services.meter_replacement_confirm(
            actor=request.user,
            via="ui",
            point=decision.point,
            ts=ts,
            start_value=start_value,
            note=request.POST.get("note", ""),
        )

    return _act(request, action)


@login_required
def quarantine_retry(request, point_id: int):
    def action():
        row = selectors.quarantine_get(user=request.user, point_id=point_id)
        services.quarantine_retry(actor=request.user, via="ui", quarantined=row)

    return _act(request, action)


def _local_time(text: str, tz_name: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz_name))
    except ValueError:
        return None  # the service names the field


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None
