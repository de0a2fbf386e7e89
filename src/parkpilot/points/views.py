"""The points supermarket's pages: the member's card, catalogue and points on the residents'
front door, and the counter of the service centre. Thin: selectors read, services write."""

import datetime

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkpilot.points import rules, selectors, services, xlsx
from parkpilot.points.models import RuleKind
from parkpilot.residents import shell
from parkpilot.tenancy.access import SIGNED_IN, page
from parkpilot.tenancy.errors import Code, ValidationFailed


@page(SIGNED_IN)
def card(request):
    member = services.member_for_person(user=request.user, via="ui")
    context = {"member": member, "qr": mark_safe(selectors.card_qr_svg(member=member))}
    return shell.render(request, "points/card.html", context)


@page(SIGNED_IN)
def catalogue(request):
    member = services.member_for_person(user=request.user, via="ui")
    context = {"member": member, "goods": selectors.catalogue(user=request.user)}
    return shell.render(request, "points/catalogue.html", context)


@require_POST
@page(SIGNED_IN)
def reserve(request, good_id: int):
    good = selectors.good_get(user=request.user, good_id=good_id)
    member = services.member_for_person(user=request.user, via="ui")
    try:
        services.redemption_reserve(actor=request.user, via="ui", member=member, good=good)
        messages.success(request, _("Reserved: pick it up at the counter with your member card."))
    except ValidationFailed as exc:
        shell.refused(request, exc)
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
    return shell.render(request, "points/mine.html", context)


@require_POST
@page(SIGNED_IN)
def cancel(request, redemption_id: int):
    redemption = selectors.my_redemption(user=request.user, redemption_id=redemption_id)
    try:
        services.redemption_void(actor=request.user, via="ui", redemption=redemption)
        messages.success(request, _("Cancelled: the points are back on your card."))
    except ValidationFailed as exc:
        shell.refused(request, exc)
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
    return shell.render(request, "points/counter.html", context)


@require_POST
@page(rules.COUNTER, hidden=True)
def hand_over(request, redemption_id: int):
    redemption = selectors.counter_redemption(user=request.user, redemption_id=redemption_id)
    try:
        services.redemption_hand_over(actor=request.user, via="ui", redemption=redemption)
        messages.success(request, _("Handed over: %(good)s") % {"good": redemption.good.name})
    except ValidationFailed as exc:
        shell.refused(request, exc)
    return redirect(f"{reverse('points:counter')}?code={redemption.member.card_code}")


# --- the centre's staff: rules, goods, stock, bulk awards, the monthly report ---------------


def _int(value, default=None):
    """A form's whole number, or `default` when blank; text that is no number stays text, so
    the service refuses it by field."""
    value = (value or "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        return value


def _rule_form(post) -> dict:
    return {
        "kind": post.get("kind", ""),
        "name": post.get("name", ""),
        "points": _int(post.get("points")),
        "cap_day": _int(post.get("cap_day")),
        "cap_month": _int(post.get("cap_month")),
        "cap_year": _int(post.get("cap_year")),
        "active": post.get("active") == "on",
    }


def _good_form(post) -> dict:
    return {
        "name": post.get("name", ""),
        "price": _int(post.get("price")),
        "per_member_limit": _int(post.get("per_member_limit")),
        "active": post.get("active") == "on",
    }


def _staff_refused(request, exc: ValidationFailed) -> None:
    for error in exc.errors:
        messages.error(request, f"{error.field}: {error.reason}")


@page(rules.STAFF, hidden=True)
def manage(request):
    today = timezone.localdate()
    context = {
        "rules": selectors.rules(user=request.user),
        "goods": selectors.goods_for_staff(user=request.user),
        "kinds": RuleKind.choices,
        "month": today.strftime("%Y-%m"),
        "report": selectors.monthly_report(user=request.user, month=today.replace(day=1)),
        "activities": selectors.activities(user=request.user),
    }
    return shell.render(request, "points/manage.html", context)


@require_POST
@page(rules.STAFF, hidden=True)
def rule_new(request):
    try:
        services.rule_create(
            actor=request.user, via="ui", park=request.user.park, data=_rule_form(request.POST)
        )
        messages.success(request, _("Rule saved."))
    except ValidationFailed as exc:
        _staff_refused(request, exc)
    return redirect("points:manage")


@page(rules.STAFF, hidden=True)
def rule_edit(request, rule_id: int):
    rule = selectors.rule_get(user=request.user, rule_id=rule_id)
    if request.method == "POST":
        try:
            services.rule_update(
                actor=request.user, via="ui", rule=rule, data=_rule_form(request.POST)
            )
            messages.success(request, _("Rule saved."))
            return redirect("points:manage")
        except ValidationFailed as exc:
            _staff_refused(request, exc)
    context = {"rule": rule, "kinds": RuleKind.choices}
    return shell.render(request, "points/rule_edit.html", context)


@require_POST
@page(rules.STAFF, hidden=True)
def good_new(request):
    form = _good_form(request.POST)
    try:
        services.good_create(
            actor=request.user,
            via="ui",
            park=request.user.park,
            name=form["name"],
            price=form["price"],
            stock=_int(request.POST.get("stock"), 0),
            per_member_limit=form["per_member_limit"],
        )
        messages.success(request, _("Good saved."))
    except ValidationFailed as exc:
        _staff_refused(request, exc)
    return redirect("points:manage")


@page(rules.STAFF, hidden=True)
def good_edit(request, good_id: int):
    good = selectors.good_for_staff(user=request.user, good_id=good_id)
    if request.method == "POST":
        try:
            services.good_update(
                actor=request.user, via="ui", good=good, data=_good_form(request.POST)
            )
            messages.success(request, _("Good saved."))
            return redirect("points:manage")
        except ValidationFailed as exc:
            _staff_refused(request, exc)
    return shell.render(request, "points/good_edit.html", {"good": good})


@require_POST
@page(rules.STAFF, hidden=True)
def good_stock(request, good_id: int):
    good = selectors.good_for_staff(user=request.user, good_id=good_id)
    change = _int(request.POST.get("change"), 0)
    if isinstance(change, int) and request.POST.get("direction") == "out":
        change = -change
    try:
        services.stock_move(
            actor=request.user,
            via="ui",
            good=good,
            change=change,
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, _("Stock moved: %(good)s") % {"good": good.name})
    except ValidationFailed as exc:
        _staff_refused(request, exc)
    return redirect("points:manage")


@require_POST
@page(rules.STAFF, hidden=True)
def awards_upload(request):
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose an XLSX file."))
        return redirect("points:manage")
    try:
        done = xlsx.import_awards(actor=request.user, via="ui", park=request.user.park, file=upload)
        messages.success(
            request,
            _("%(awarded)s awards made (%(points)s points), %(replayed)s made before.")
            % {"awarded": done.awarded, "points": done.points, "replayed": done.replayed},
        )
    except ValidationFailed as exc:
        messages.error(request, _("The file was refused as a whole; nothing was awarded."))
        _staff_refused(request, exc)
    return redirect("points:manage")


@page(rules.STAFF, hidden=True)
def report_xlsx(request):
    month = selectors.month_of(request.GET.get("month"), today=timezone.localdate())
    if month is None:
        return HttpResponseBadRequest(_("month: a month as YYYY-MM"))
    report = selectors.monthly_report(user=request.user, month=month)
    response = HttpResponse(
        xlsx.report_workbook(report),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="points-{month:%Y-%m}.xlsx"'
    return response


def _when(text: str):
    """A datetime-local field's value in the park's time, or None."""
    try:
        return timezone.make_aware(datetime.datetime.fromisoformat(text))
    except (TypeError, ValueError):
        return None


@require_POST
@page(rules.STAFF, hidden=True)
def activity_new(request):
    rules_by_id = {r.pk: r for r in selectors.rules(user=request.user)}
    rule = rules_by_id.get(_int(request.POST.get("rule")))
    try:
        if rule is None:
            raise ValidationFailed.single("rule", _("choose a rule"), Code.REQUIRED)
        activity = services.activity_create(
            actor=request.user,
            via="ui",
            park=request.user.park,
            name=request.POST.get("name", ""),
            rule=rule,
            starts_at=_when(request.POST.get("starts_at")),
            ends_at=_when(request.POST.get("ends_at")),
        )
        return redirect("points:activity_qr", activity_id=activity.pk)
    except ValidationFailed as exc:
        _staff_refused(request, exc)
    return redirect("points:manage")


@page(rules.STAFF, hidden=True)
def activity_qr(request, activity_id: int):
    """The code to show at the event (on a screen or printed): it opens the check-in page."""
    activity = selectors.activity_get(user=request.user, activity_id=activity_id)
    url = request.build_absolute_uri(reverse("points:check_in", args=[activity.code]))
    context = {"activity": activity, "url": url, "qr": mark_safe(selectors.checkin_qr_svg(url=url))}
    return shell.render(request, "points/activity_qr.html", context)


@page(SIGNED_IN)
def check_in(request, code: str):
    """A person scanned the activity's code: confirm, and earn the activity's points once."""
    activity = selectors.activity_by_code(user=request.user, code=code)
    done = None
    if request.method == "POST":
        try:
            done = services.check_in(user=request.user, via="ui", activity=activity)
            messages.success(
                request, _("Checked in: %(points)s points on your card.") % {"points": done.points}
            )
        except ValidationFailed as exc:
            shell.refused(request, exc)
    context = {"activity": activity, "done": done, "now": timezone.now()}
    return shell.render(request, "points/check_in.html", context, tab="points")
