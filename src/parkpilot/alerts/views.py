"""The alerts page: every alert the person may see, filtered; acknowledge and close in place."""

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST

from parkpilot.alerts import rules, selectors, services
from parkpilot.alerts.models import Alert, State, Step
from parkpilot.tenancy import access
from parkpilot.tenancy.access import page
from parkpilot.tenancy.errors import ValidationFailed


@page(rules.ALERTS)
def alert_list(request):
    filters = {
        "source": request.GET.get("source", "")[:30],
        "state": request.GET.get("state", "active")[:20],
        "kind": request.GET.get("kind", "")[:60],
    }
    alerts = list(selectors.alert_list(user=request.user, **filters)[:300])
    rows = [
        {
            "alert": a,
            "kind_label": selectors.kind_label(a.kind),
            "can_acknowledge": access.can(request.user, Step.ACKNOWLEDGE, a)
            and a.state in (State.OPEN, State.ESCALATED),
            "can_close": access.can(request.user, Step.CLOSE, a) and a.state != State.CLOSED,
        }
        for a in alerts
    ]
    context = {
        "rows": rows,
        "filters": filters,
        "sources": selectors.sources(),
        "states": [("active", ""), *State.choices],
    }
    return TemplateResponse(request, "alerts/list.html", context)


@page(rules.ALERTS)
@require_POST
def acknowledge(request, alert_id: int):
    alert = selectors.alert_get(user=request.user, alert_id=alert_id)
    _run(request, services.alert_acknowledge, alert=alert)
    return redirect("alerts:list")


@page(rules.ALERTS)
@require_POST
def close(request, alert_id: int):
    alert = selectors.alert_get(user=request.user, alert_id=alert_id)
    _run(request, services.alert_close, alert=alert, reason=request.POST.get("reason", ""))
    return redirect("alerts:list")


def _run(request, step, **kwargs) -> Alert | None:
    try:
        return step(actor=request.user, via="ui", **kwargs)
    except ValidationFailed as exc:
        for e in exc.errors:
            messages.error(request, e.reason)
    return None
