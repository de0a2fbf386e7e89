"""The points supermarket's pages: the member's card, catalogue and points on the residents'
front door, and the counter of the service centre. Thin: selectors read, services write."""

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkpilot.notifications import selectors as notifications
from parkpilot.points import rules, selectors, services
from parkpilot.tenancy.access import SIGNED_IN, page
from parkpilot.tenancy.errors import ValidationFailed


def _render(request, template: str, context: dict, tab: str = ""):
    """A page in the residents' shell, which shows the bell's count and the current tab."""
    context |= {"unread": notifications.unread_count(user=request.user), "tab": tab}
    return TemplateResponse(request, template, context)


def _refused(request, exc: ValidationFailed) -> None:
    for error in exc.errors:
        messages.error(request, error.reason)


@page(SIGNED_IN)
def card(request):
    member = services.member_for_person(user=request.user, via="ui")
    context = {"member": member, "qr": mark_safe(selectors.card_qr_svg(member=member))}
    return _render(request, "points/card.html", context)


@page(SIGNED_IN)
def catalogue(request):
    member = services.member_for_person(user=request.user, via="ui")
    context = {"member": member, "goods": selectors.catalogue(user=request.user)}
    return _render(request, "points/catalogue.html", context)


@require_POST
@page(SIGNED_IN)
def reserve(request, good_id: int):
    good = selectors.good_get(user=request.user, good_id=good_id)
    member = services.member_for_person(user=request.user, via="ui")
    try:
        services.redemption_reserve(actor=request.user, via="ui", member=member, good=good)
        messages.success(request, _("Reserved: pick it up at the counter with your member card."))
    except ValidationFailed as exc:
        _refused(request, exc)
    return redirect("points:mine")


@page(SIGNED_IN)
def mine(request):
    member = services.member_for_person(user=request.user, via="ui")
    soon, first = selectors.expiring(member=member)
    context = {
        "member": member,
        "lots": selectors.lots_of(member=member),
        "history": selectors.history(member=member),
        "redemptions": selectors.my_redemptions(member=member),
        "expiring": soon,
        "expiring_on": first,
    }
    return _render(request, "points/mine.html", context)


@require_POST
@page(SIGNED_IN)
def cancel(request, redemption_id: int):
    redemption = selectors.my_redemption(user=request.user, redemption_id=redemption_id)
    try:
        services.redemption_void(actor=request.user, via="ui", redemption=redemption)
        messages.success(request, _("Cancelled: the points are back on your card."))
    except ValidationFailed as exc:
        _refused(request, exc)
    return redirect("points:mine")


@page(rules.COUNTER, hidden=True)
def counter(request):
    code = request.GET.get("code", "").strip()
    member, waiting = selectors.counter_lookup(user=request.user, code=code) if code else (None, [])
    today = timezone.localdate()
    context = {
        "code": code,
        "member": member,
        "waiting": waiting,
        "day": selectors.counter_day(user=request.user, day=today),
        "today": today,
    }
    return _render(request, "points/counter.html", context)


@require_POST
@page(rules.COUNTER, hidden=True)
def hand_over(request, redemption_id: int):
    redemption = selectors.counter_redemption(user=request.user, redemption_id=redemption_id)
    try:
        services.redemption_hand_over(actor=request.user, via="ui", redemption=redemption)
        messages.success(request, _("Handed over: %(good)s") % {"good": redemption.good.name})
    except ValidationFailed as exc:
        _refused(request, exc)
    return redirect(f"{reverse('points:counter')}?code={redemption.member.card_code}")
