"""Pages: the park's carbon control page, an enterprise's own carbon page, the report library,
the factor catalogue, report downloads, and the live-figures stream (SSE)."""

import re

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone

from parkpilot import plugins
from parkpilot.carbon import cockpit, rules, selectors, selectors_green, services
from parkpilot.carbon.factors import FactorMissing, FactorSet
from parkpilot.carbon.models import Carrier, Level, Quantity, Region
from parkpilot.carbon.periods import Period, parse, period
from parkpilot.cockpit import stream as live_stream
from parkpilot.inputs import query_whole
from parkpilot.tenancy import selectors as tenancy
from parkpilot.tenancy.access import page
from parkpilot.tenancy.errors import ValidationFailed

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _park(user):
    park = tenancy.park_of(user)
    if park is None:
        raise Http404
    return park


def _can_edit(user) -> bool:
    return rules.EDIT_CATALOGUE.allows(user)


def _month(request, park) -> Period:
    value = request.GET.get("period")
    if value:
        try:
            return parse(Level.MONTH, value, park.timezone)
        except ValidationFailed:
            pass
    return period(Level.MONTH, timezone.localdate(), park.timezone)


def _fmt(x, digits=3):
    return None if x is None else round(x, digits)


@page(rules.PARK_CARBON)
def park_page(request):
    park = _park(request.user)
    per = _month(request, park)
    context = {"park": park, "per": per, "error": "", "can_close": _can_edit(request.user)}
    if request.method == "POST":
        context |= _close_or_recompute(request, park)
        if "redirect" in context:
            return redirect(context["redirect"])
    try:
        context |= cockpit.park_overview(user=request.user, park=park, per=per)
    except ValidationFailed as exc:
        context["error"] = str(exc)
    context["sections"] = plugins.sections("carbon.park", user=request.user, park=park, per=per)
    return TemplateResponse(request, "carbon/park.html", context)


def _close_or_recompute(request, park) -> dict:
    """Staff close a month (early: with a stated reason) or recompute a closed one."""
    values = request.POST.dict()
    try:
        per = parse(Level.MONTH, values.get("period", ""), park.timezone)
        kwargs = dict(actor=request.user, via="ui", park=park, per=per,
                      reason=values.get("reason", ""))  # fmt: skip
        if values.get("action") == "recompute":
            services.account_recompute(**kwargs)
        else:
            services.account_close(**kwargs)
    except ValidationFailed as exc:
        return {"close_error": str(exc), "close_values": values}
    return {"redirect": f"{request.path}?period={per.label}"}


@page(rules.OWN_CARBON)
def mine_page(request):
    user = request.user
    park = _park(user)
    per = _month(request, park)
    context = {"park": park, "per": per, "enterprise": user.enterprise, "error": ""}
    try:
        context["live"] = cockpit.live_figures(user=user, park=park)
        context["grade"] = selectors.enterprise_grade(
            user=user, park=park, enterprise=user.enterprise, per=per
        )
        context["state"] = context["grade"]["state"]
        context["scope2"] = selectors_green.enterprise_scope2(
            user=user, park=park, enterprise=user.enterprise, per=per
        )
    except ValidationFailed as exc:
        context["error"] = str(exc)
    context["alerts"] = list(selectors.alert_list(user=user, park_id=park.pk)[:10])
    context["budgets"] = _safe_budgets(user, park, per)
    context["reports"] = list(selectors.report_list(user=user, park_id=park.pk)[:12])
    context["sections"] = plugins.sections(
        "carbon.mine", user=user, park=park, enterprise=user.enterprise, per=per
    )
    return TemplateResponse(request, "carbon/mine.html", context)


def _safe_budgets(user, park, per):
    try:
        return selectors.budget_status(user=user, park=park, year=per.year, month=per.start.month)
    except ValidationFailed:
        return []


@page(rules.REPORTS)
def reports_page(request):
    user = request.user
    park = _park(user)
    message = ""
    if request.method == "POST":
        today = timezone.localdate()
        try:
            # Blank: this year's reports, of the whole year (month 0).
            batch = services.batch_create(
                actor=user, via="ui", park=park, year=request.POST.get("year") or today.year,
                month=request.POST.get("month") or 0,
            )  # fmt: skip
            return redirect(f"{request.path}?batch={batch.pk}")
        except ValidationFailed as exc:
            message = str(exc)
    batch = None
    batch_id = query_whole(request, "batch", None, low=1)
    if batch_id is not None:
        batch = selectors.batch_get(user=user, batch_id=batch_id)
    elif rules.PARK_CARBON.allows(user):
        batch = selectors.batch_latest(user=user, park_id=park.pk)
    reports = list(selectors.report_list(user=user, park_id=park.pk)[:200])
    return TemplateResponse(
        request,
        "carbon/reports.html",
        {"park": park, "reports": reports, "batch": batch, "message": message,
         "can_batch": _can_edit(user),
         "today": timezone.localdate()},
    )  # fmt: skip


def _report(request, report_id):
    return selectors.report_get(user=request.user, report_id=report_id)


@page(rules.REPORTS)
def report_detail(request, report_id: int):
    """A report's issued versions, the difference of one version against the one before, and
    (park operators) a re-issue with its reason."""
    user = request.user
    report = _report(request, report_id)
    message = ""
    if request.method == "POST":
        try:
            services.report_issue(
                actor=user, via="ui", enterprise_id=report.enterprise_id, year=report.year,
                month=report.month, reason=request.POST.get("reason", ""),
            )  # fmt: skip
            return redirect(request.path)
        except ValidationFailed as exc:
            message = str(exc)
    versions = selectors.report_versions(user=user, report=report)
    shown = next((v for v in versions if str(v.version) == request.GET.get("v")), None)
    shown = shown or (versions[0] if versions else None)
    difference = [
        {**r, "pct": f"{r['relative']:+.2%}" if r["relative"] is not None else ""}
        for r in (shown.difference if shown else [])
    ]
    return TemplateResponse(
        request,
        "carbon/report_detail.html",
        {"report": report, "versions": versions, "shown": shown, "message": message,
         "difference": difference, "changed": [r for r in difference if r["changed"]],
         "can_issue": _can_edit(user)},
    )  # fmt: skip


def _version_file(request, report_id: int, version: int, kind: str) -> HttpResponse:
    v = selectors.report_version_get(user=request.user, report_id=report_id, version=version)
    data, content_type = (v.pdf, "application/pdf") if kind == "pdf" else (v.xlsx, XLSX)
    response = HttpResponse(bytes(data), content_type=content_type)
    name = f"{v.report.number}-v{v.version}.{kind}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@page(rules.REPORTS)
def report_pdf(request, report_id: int):
    """The latest version's PDF."""
    r = _report(request, report_id)
    return _version_file(request, r.pk, r.latest_version, "pdf")


@page(rules.REPORTS)
def report_xlsx(request, report_id: int):
    r = _report(request, report_id)
    return _version_file(request, r.pk, r.latest_version, "xlsx")


@page(rules.REPORTS)
def report_version_pdf(request, report_id: int, version: int):
    return _version_file(request, report_id, version, "pdf")


@page(rules.REPORTS)
def report_version_xlsx(request, report_id: int, version: int):
    return _version_file(request, report_id, version, "xlsx")


@page(rules.PARK_CARBON)
def factors_page(request):
    user = request.user
    park = _park(user)
    errors, values = {}, {}
    if request.method == "POST":
        values = request.POST.dict()
        try:
            services.factor_create(
                actor=user, via="ui", park=park, carrier=values.get("carrier", ""),
                quantity=values.get("quantity", ""), region=values.get("region", ""),
                year=values.get("year"), value=values.get("value", ""),
                unit=values.get("unit", ""), document=values.get("document", ""),
                effective_from=values.get("effective_from"),
                note=values.get("note", ""),
            )  # fmt: skip
            return redirect(request.path)
        except ValidationFailed as exc:
            errors = {e.field: e.reason for e in exc.errors}
    return TemplateResponse(
        request,
        "carbon/factors.html",
        {"park": park, "factors": list(selectors.factor_list(user=user, park_id=park.pk)),
         "in_use": _factors_in_use(park, timezone.localdate().year),
         "carriers": Carrier.choices, "quantities": Quantity.choices, "regions": Region.choices,
         "errors": errors, "values": values,
         "can_edit": _can_edit(user)},
    )  # fmt: skip


def _factors_in_use(park, year: int) -> dict:
    """What accounting uses this year per carrier, carried-forward ones marked."""
    factors = FactorSet.current(park=park, year=year)
    rows, missing = [], []
    for carrier in Carrier.values:
        for quantity in Quantity.values:
            try:
                rows.append(factors.get(carrier, quantity).as_dict)
            except FactorMissing as exc:
                missing.append(str(exc))
    return {"year": year, "rows": rows, "missing": missing}


# --- budgets, grading settings, industry averages (what accounting needs from staff) -------


def _list(text: str) -> list:
    """ "0.6, 0.8，1.2 2.0" → ["0.6", "0.8", "1.2", "2.0"]; the service checks the values."""
    return [p for p in re.split(r"[,，;；\s]+", text or "") if p]


def _save_budget(user, park, v):
    return services.budget_upsert(
        actor=user, via="ui", park=park, year=v.get("year"), energy_tce=v.get("energy_tce"),
        co2_t=v.get("co2_t"), enterprise_id=v.get("enterprise_id"),
    )  # fmt: skip


def _save_settings(user, park, v):
    tou = {k: _list(v.get(f"tou_{k}", "")) for k in TOU if v.get(f"tou_{k}", "").strip()}
    return services.settings_upsert(
        actor=user, via="ui", park=park, year=v.get("year"),
        grade_bounds=_list(v.get("grade_bounds", "")),
        level_bounds=_list(v.get("level_bounds", "")), tou_hours=tou,
        document=v.get("document", "").strip(),
    )  # fmt: skip


def _save_average(user, park, v):
    return services.industry_average_upsert(
        actor=user, via="ui", park=park, industry_code=v.get("industry_code", ""),
        year=v.get("year"), intensity=v.get("intensity"), document=v.get("document", "").strip(),
    )  # fmt: skip


SAVE = {"budget": _save_budget, "settings": _save_settings, "average": _save_average}
TOU = ("sharp", "peak", "valley")


def _settings_initial(row) -> dict:
    if row is None:
        return {}
    join = ", ".join
    return {
        "grade_bounds": join(f"{b:g}" for b in row.grade_bounds),
        "level_bounds": join(f"{b:g}" for b in row.level_bounds),
        "document": row.document,
        **{f"tou_{k}": join(str(h) for h in row.tou_hours.get(k, [])) for k in TOU},
    }


@page(rules.PARK_CARBON, hidden=True)
def settings_page(request):
    """Park staff keep the year's budgets, grading thresholds and industry averages; other
    park roles read them; anyone else finds no such page."""
    user = request.user
    park = _park(user)
    year = query_whole(request, "year", timezone.localdate().year, low=2000, high=2100)
    form, errors, values = "", {}, {}
    if request.method == "POST":
        form, values = request.POST.get("form", ""), request.POST.dict()
        if form not in SAVE:
            raise Http404
        try:
            row = SAVE[form](user, park, values)
            return redirect(f"{request.path}?year={row.year}&saved={form}")
        except ValidationFailed as exc:
            errors = {e.field: e.reason for e in exc.errors}
    data = selectors.settings_overview(user=user, park=park, year=year)
    initial = {"budget": {"year": year}, "average": {"year": year},
               "settings": {"year": year, **_settings_initial(data["year_settings"])}}  # fmt: skip
    if form:
        initial[form] = values
    return TemplateResponse(
        request,
        "carbon/settings.html",
        {"park": park, "year": year, "errors": {form: errors} if form else {}, "values": initial,
         "saved": "" if form else request.GET.get("saved", ""), **data,
         "can_edit": _can_edit(user)},
    )  # fmt: skip


# --- live figures (SSE) --------------------------------------------------------------------
# The cockpit's broadcaster with carbon's feed (carbon/cockpit.py LIVE): one poll per process,
# figures computed once per park, and once per enterprise for enterprises' users.


def _open(user):
    park = _park(user)
    if not rules.CARBON.allows(user):
        raise PermissionDenied
    connections.close_all()
    return park


@login_required
async def stream(request):
    user = await request.auser()
    park = await sync_to_async(_open)(user)
    events = live_stream.events(user, park, cockpit.LIVE)
    response = StreamingHttpResponse(events, content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


__all__ = ["_fmt"]
