"""Energy pages: the metering points and the data-quality page. Thin: selectors and services."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from parkpilot.energy import rules, selectors, services
from parkpilot.energy.kinds import EnergyKind
from parkpilot.field_labels import error_text
from parkpilot.inputs import Fields, query_whole
from parkpilot.tenancy import selectors as tenancy_selectors
from parkpilot.tenancy.access import page
from parkpilot.tenancy.errors import ValidationFailed

PAGE_SIZE = 50


@page(rules.METERS)
def points(request):
    """Every point the user may see, 50 a page, searchable and filtered (nothing cut off)."""
    filters = {
        "kind": request.GET.get("kind", ""),
        "owner_id": query_whole(request, "enterprise", None, low=1),
        "gateway_id": query_whole(request, "gateway", None, low=1),
        "status": request.GET.get("status", ""),
        "q": request.GET.get("q", "").strip(),
    }
    page = Paginator(selectors.point_list(user=request.user, **filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    template = "energy/points.html#results" if request.htmx else "energy/points.html"
    context = {
        "page": page,
        "points": page.object_list,
        "query": urlencode(query),
        "kinds": EnergyKind.choices,
        "statuses": [("active", _("Active")), ("inactive", _("Inactive"))],
        **selectors.point_filter_choices(user=request.user),
        **filters,
    }
    return TemplateResponse(request, template, context)


def _park_or_404(request):
    park = tenancy_selectors.park_of(request.user)
    if park is None or not rules.QUALITY.allows(request.user):
        raise Http404
    return park


@login_required
def point_detail(request, point_id: int):
    """One point: its registry values, where it belonged when (dated ownership), and for the
    park's operators the form that moves it."""
    point = selectors.point_get(user=request.user, point_id=point_id)
    can_move = rules.MOVE_POINTS.allows(request.user)
    park = point.park
    context = {
        "point": point,
        "assignments": selectors.point_assignments(user=request.user, point=point),
        "can_move": can_move,
        "park_tz": park.timezone,
    }
    if can_move:
        context["enterprises"] = tenancy_selectors.enterprise_list(user=request.user).filter(
            park=park
        )
        context["zones"] = tenancy_selectors.zone_list(user=request.user).filter(park=park)
    return TemplateResponse(request, "energy/point_detail.html", context)


@login_required
def point_move(request, point_id: int):
    """The move form: the time is the park's local time, on a whole hour."""
    if request.method != "POST":
        raise Http404
    try:
        point = selectors.point_get(user=request.user, point_id=point_id)
        # The service takes typed values: read here by the input layer, and refused before
        # the move (a blank enterprise means the park's public loads, a bad one must not).
        fields = Fields()
        enterprise_id = fields.whole(
            "enterprise_id", request.POST.get("enterprise_id"), low=1, required=False
        )
        zone_id = fields.whole("zone_id", request.POST.get("zone_id"), low=1, required=False)
        effective_at = fields.moment(
            "effective_at", request.POST.get("effective_at"), tz=point.park.timezone
        )
        fields.check()
        moved = services.point_move(
            actor=request.user,
            via="ui",
            point=point,
            enterprise_id=enterprise_id,
            zone_id=zone_id,
            effective_at=effective_at,
            reason=request.POST.get("reason", ""),
        )
    except ValidationFailed as exc:
        for error in exc.errors:
            messages.error(request, error_text(error))
    else:
        messages.success(request, _("The meter has moved; earlier periods stay where they were."))
        if moved.closed_periods:
            messages.warning(
                request,
                _("Closed periods reached by the move (recompute them to re-issue): %(periods)s")
                % {"periods": ", ".join(moved.closed_periods)},
            )
    return redirect("energy:point_detail", point_id=point_id)


@page(rules.QUALITY, hidden=True)
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
    except ValidationFailed as exc:
        # Already handled by someone else, or a bad value: say which field and why.
        for error in exc.errors:
            messages.error(request, error_text(error))
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
        fields = Fields()
        ts = fields.moment("ts", request.POST.get("ts"), tz=_park_or_404(request).timezone)
        start_value = fields.decimal("start_value", request.POST.get("start_value"))
        fields.check()  # the service holds the bounds (not in the future, >= 0, below roll-over)
        services.meter_replacement_confirm(
            actor=request.user,
            via="ui",
            point=decision.point,
            ts=ts,
            start_value=float(start_value),  # a float column, as the API's schema sends it
            note=request.POST.get("note", ""),
        )

    return _act(request, action)


@login_required
def quarantine_retry(request, point_id: int):
    def action():
        row = selectors.quarantine_get(user=request.user, point_id=point_id)
        services.quarantine_retry(actor=request.user, via="ui", quarantined=row)

    return _act(request, action)
