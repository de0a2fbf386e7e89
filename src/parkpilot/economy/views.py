import datetime

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext

from parkpilot.economy import rules, selectors, services, workbook
from parkpilot.economy.errors import ImportRejected
from parkpilot.economy.forms import MEASURE_LABELS, ImportForm, MonthlyForm
from parkpilot.economy.models import EnterpriseMonthly
from parkpilot.inputs import posted_id, query_whole
from parkpilot.tenancy import access
from parkpilot.tenancy import selectors as tenancy
from parkpilot.tenancy.access import page
from parkpilot.tenancy.errors import Forbidden, NotFound, ValidationFailed

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 100


def _park_reader(request):
    selectors.require_park_reader(request.user)
    park = tenancy.park_of(request.user)
    if park is None:
        raise Http404
    return park


def period_from(request, park) -> tuple[int, int, str]:
    """The period asked for, else the latest month with data, else last month."""
    latest = selectors.latest_period(user=request.user, park_id=park.pk)
    if latest is None:
        today = datetime.date.today()
        latest = (today.year, today.month)
    year = query_whole(request, "year", latest[0], low=2000, high=2100)
    month = query_whole(request, "month", latest[1], low=1, high=12)
    mode = "month" if request.GET.get("mode") == "month" else "ytd"
    return year, month, mode


@page(rules.PARK_ECONOMY)
def indicators(request):
    park = _park_reader(request)
    year, month, mode = period_from(request, park)
    result = selectors.park_indicators(
        user=request.user, park_id=park.pk, year=year, month=month, mode=mode
    )
    context = {
        "result": result,
        "trend": selectors.monthly_trend(user=request.user, park_id=park.pk, year=year),
        "zones": selectors.zone_breakdown(
            user=request.user, park_id=park.pk, year=year, month=month
        ),
        "published": selectors.published_figures(user=request.user, park_id=park.pk).filter(
            group="economy"
        ),
        "years": list(range(2019, datetime.date.today().year + 1)),
        "months": list(range(1, 13)),
    }
    return TemplateResponse(request, "economy/indicators.html", context)


@page(rules.MONTHLY)
def monthly_list(request):
    user = request.user
    year = query_whole(request, "year", None, low=2000, high=2100)
    month = query_whole(request, "month", None, low=1, high=12)
    q = request.GET.get("q", "").strip()[:100]
    rows = selectors.monthly_list(user=user, year=year, month=month, q=q)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "query": request.GET.copy(),
        "year": year,
        "month": month,
        "q": q,
        "labels": MEASURE_LABELS,
    }
    return TemplateResponse(request, "economy/monthly_list.html", context)


@page(rules.ENTER_MONTHLY)
def monthly_new(request):
    enterprises = _writable_enterprises(request.user)
    if not enterprises:
        raise PermissionDenied
    initial = {}
    if request.GET.get("enterprise"):
        initial["enterprise_id"] = request.GET["enterprise"]
    form = MonthlyForm(request.POST or None, enterprises=enterprises, initial=initial)
    if request.method == "POST":
        try:
            enterprise = tenancy.enterprise_get(
                user=request.user, enterprise_id=posted_id(request, "enterprise_id")
            )
            row = services.monthly_save(
                actor=request.user,
                via="ui",
                enterprise=enterprise,
                year=request.POST.get("year"),
                month=request.POST.get("month"),
                # Every figure of the form: one left blank is "not reported" (None).
                values={name: request.POST.get(name) for name in MEASURE_LABELS},
            )
            return redirect(f"{reverse('economy:monthly_list')}?year={row.year}&month={row.month}")
        except ValidationFailed as exc:
            form.add_service_errors(exc)
        except (NotFound, Forbidden):
            form.add_error("enterprise_id", gettext("Not yours to report."))
    return TemplateResponse(request, "economy/monthly_form.html", {"form": form})


def _writable_enterprises(user):
    """Park writers report for any enterprise; enterprise admins for their own."""
    qs = tenancy.enterprise_list(user=user)
    if access.can(user, access.CREATE, EnterpriseMonthly):
        return list(qs)
    return [e for e in qs if access.can(user, access.CREATE, EnterpriseMonthly, enterprise_id=e.pk)]


@page(rules.PARK_ECONOMY)
def workbook_import(request):
    park = _park_reader(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    errors, batch = [], None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.workbook_import(
                actor=request.user,
                via="ui",
                park=park,
                file_name=upload.name,
                content=upload.read(),
            )
        except ImportRejected as exc:
            errors = exc.cell_errors
    context = {
        "form": form,
        "errors": errors,
        "batch": batch,
        "batches": selectors.import_batches(user=request.user),
    }
    status = 422 if errors else 200
    return TemplateResponse(request, "economy/import.html", context, status=status)


@page(rules.PARK_ECONOMY)
def template_download(request):
    park = _park_reader(request)
    year, month, _mode = period_from(request, park)
    content = workbook.template([(year, month)], tenancy.enterprise_list(user=request.user))
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="statistics-{year}-{month:02d}.xlsx"'
    return response
