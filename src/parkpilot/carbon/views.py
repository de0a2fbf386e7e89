"""Pages: the park's carbon control page, an enterprise's own carbon page, the report library,
the factor catalogue, report downloads, and the live-figures stream (SSE)."""

import asyncio
import time
from datetime import date

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone

from parkpilot.carbon import cockpit, selectors, services
from parkpilot.carbon.models import Carrier, Level, Quantity, Region
from parkpilot.carbon.periods import Period, parse, period
from parkpilot.cockpit.stream import HEARTBEAT_SECONDS, POLL_SECONDS, encode
from parkpilot.tenancy import selectors as tenancy
from parkpilot.tenancy.errors import Forbidden, NotFound, ValidationFailed
from parkpilot.tenancy.roles import ENTERPRISE_ROLES

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _park(user):
    park = tenancy.park_of(user)
    if park is None:
        raise Http404
    return park


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


@login_required
def park_page(request):
    if not selectors.is_park_reader(request.user):
        raise PermissionDenied
    park = _park(request.user)
    per = _month(request, park)
    context = {"park": park, "per": per, "error": ""}
    try:
        context |= cockpit.park_overview(user=request.user, park=park, per=per)
    except ValidationFailed as exc:
        context["error"] = str(exc)
    return TemplateResponse(request, "carbon/park.html", context)


@login_required
def mine_page(request):
    user = request.user
    if user.role not in ENTERPRISE_ROLES or user.enterprise_id is None:
        raise PermissionDenied
    park = _park(user)
    per = _month(request, park)
    context = {"park": park, "per": per, "enterprise": user.enterprise, "error": ""}
    try:
        context["live"] = cockpit.live_figures(user=user, park=park)
        context["grade"] = selectors.enterprise_grade(
            user=user, park=park, enterprise=user.enterprise, per=per
        )
    except ValidationFailed as exc:
        context["error"] = str(exc)
    context["alerts"] = list(selectors.alert_list(user=user, park_id=park.pk)[:10])
    context["budgets"] = _safe_budgets(user, park, per)
    context["reports"] = list(selectors.report_list(user=user, park_id=park.pk)[:12])
    return TemplateResponse(request, "carbon/mine.html", context)


def _safe_budgets(user, park, per):
    try:
        return selectors.budget_status(user=user, park=park, year=per.year, month=per.start.month)
    except ValidationFailed:
        return []


@login_required
def reports_page(request):
    user = request.user
    park = _park(user)
    if not (selectors.is_park_reader(user) or user.role in ENTERPRISE_ROLES):
        raise PermissionDenied
    message = ""
    if request.method == "POST":
        today = timezone.localdate()
        try:
            year = int(request.POST.get("year") or today.year)
            month = int(request.POST.get("month") or 0)
            batch = services.batch_create(actor=user, via="ui", park=park, year=year, month=month)
            return redirect(f"{request.path}?batch={batch.pk}")
        except (Forbidden, ValueError):
            raise PermissionDenied from None
        except ValidationFailed as exc:
            message = str(exc)
    batch = None
    if request.GET.get("batch"):
        try:
            batch = selectors.batch_get(user=user, batch_id=int(request.GET["batch"]))
        except (NotFound, ValueError):
            raise Http404 from None
    reports = list(selectors.report_list(user=user, park_id=park.pk)[:200])
    return TemplateResponse(
        request,
        "carbon/reports.html",
        {"park": park, "reports": reports, "batch": batch, "message": message,
         "can_batch": user.is_superuser or user.role in ("park_admin", "park_staff"),
         "today": timezone.localdate()},
    )  # fmt: skip


def _report(request, report_id):
    try:
        return selectors.report_get(user=request.user, report_id=report_id)
    except NotFound:
        raise Http404 from None


@login_required
def report_pdf(request, report_id: int):
    r = _report(request, report_id)
    response = HttpResponse(bytes(r.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="carbon-{r.period}-{r.pk}.pdf"'
    return response


@login_required
def report_xlsx(request, report_id: int):
    r = _report(request, report_id)
    response = HttpResponse(bytes(r.xlsx), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="carbon-{r.period}-{r.pk}.xlsx"'
    return response


@login_required
def factors_page(request):
    user = request.user
    if not selectors.is_park_reader(user):
        raise PermissionDenied
    park = _park(user)
    errors, values = {}, {}
    if request.method == "POST":
        values = request.POST.dict()
        try:
            services.factor_create(
                actor=user, via="ui", park=park, carrier=values.get("carrier", ""),
                quantity=values.get("quantity", ""), region=values.get("region", ""),
                year=int(values.get("year") or 0), value=values.get("value", ""),
                unit=values.get("unit", ""), document=values.get("document", ""),
                effective_from=date.fromisoformat(values.get("effective_from") or "2000-01-01"),
                note=values.get("note", ""),
            )  # fmt: skip
            return redirect(request.path)
        except Forbidden:
            raise PermissionDenied from None
        except ValueError:
            errors = {"year": "年份或日期无效 / invalid year or date"}
        except ValidationFailed as exc:
            errors = {e.field: e.reason for e in exc.errors}
    return TemplateResponse(
        request,
        "carbon/factors.html",
        {"park": park, "factors": list(selectors.factor_list(user=user, park_id=park.pk)),
         "carriers": Carrier.choices, "quantities": Quantity.choices, "regions": Region.choices,
         "errors": errors, "values": values,
         "can_edit": user.is_superuser or user.role in ("park_admin", "park_staff")},
    )  # fmt: skip


# --- live figures (SSE) --------------------------------------------------------------------
# The cockpit's stream pattern (cheap version poll, recompute only on change, heartbeat,
# latest figures only), per connection: the cockpit's broadcaster groups subscribers by role,
# and enterprise users of the same role must not share figures.


def _open(user):
    park = _park(user)
    if not (selectors.is_park_reader(user) or user.role in ENTERPRISE_ROLES):
        raise PermissionDenied
    connections.close_all()
    return park


def _db(fn, *args, **kwargs):
    def run():
        connections["default"].close_if_unusable_or_obsolete()
        return fn(*args, **kwargs)

    return sync_to_async(run, thread_sensitive=True)()


async def _events(user, park):
    yield b"retry: 2000\n\n"
    last_version, last_beat = None, time.monotonic()
    try:
        while True:
            version = await _db(cockpit.data_version, park)
            if version != last_version:
                last_version = version
                try:
                    figures = await _db(cockpit.live_figures, user=user, park=park)
                except ValidationFailed as exc:
                    figures = {"error": str(exc)}
                yield encode("figures", figures)
                last_beat = time.monotonic()
            elif time.monotonic() - last_beat >= HEARTBEAT_SECONDS:
                yield encode("heartbeat", {"at": time.time()})
                last_beat = time.monotonic()
            await asyncio.sleep(POLL_SECONDS)
    finally:
        await _db(connections.close_all)


@login_required
async def stream(request):
    user = await request.auser()
    park = await sync_to_async(_open)(user)
    response = StreamingHttpResponse(
        _events(user, park), content_type="text/event-stream; charset=utf-8"
    )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


__all__ = ["_fmt"]
