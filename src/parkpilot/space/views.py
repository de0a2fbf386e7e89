"""Pages of land and space: the parcels with their pipeline and map, a building's occupancy at
a day, and the 亩均效益 ranking. Thin: each reads through selectors."""

from datetime import date
from io import BytesIO

from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from parkpilot.space import rules, selectors
from parkpilot.space.models import PIPELINE, Building, Status
from parkpilot.spreadsheets import append_row
from parkpilot.tenancy import access
from parkpilot.tenancy.access import page
from parkpilot.tenancy.errors import ValidationFailed

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATUS_FILL = {"approved": "#c9c9c9", "supplied": "#f2c14e", "started": "#f78154",
               "completed": "#5fad56", "operating": "#2e6f95", "": "#e0e0e0"}  # fmt: skip


def _day(request) -> date:
    raw = request.GET.get("day")
    if not raw:
        return timezone.localdate()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed.single("day", _("A date as YYYY-MM-DD.")) from None


def _year(request) -> int:
    raw = request.GET.get("year") or str(selectors.latest_scheme_year(park=request.user.park))
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise ValidationFailed.single("year", _("A year from 2000."))
    return int(raw)


@page(rules.LAND, hidden=True)
def parcels(request):
    user = request.user
    rows = selectors.floor_area_ratios(user=user)
    features = [
        {"type": "Feature", "geometry": r["parcel"].outline,
         "properties": {"kind": "parcel", "name": r["parcel"].name,
                        "fill": STATUS_FILL[r["parcel"].status]}}
        for r in rows if r["parcel"].outline
    ]  # fmt: skip
    buildings = access.scoped(user, Building).order_by("parcel__code", "name")
    context = {
        "rows": rows,
        "pipeline": [Status(s) for s in PIPELINE],
        "buildings": buildings,
        "geojson": {"type": "FeatureCollection", "features": features,
                    "demo": any(r["parcel"].demo for r in rows)} if features else None,
        "legend": [(Status(s).label, STATUS_FILL[s]) for s in PIPELINE],
    }  # fmt: skip
    return TemplateResponse(request, "space/parcels.html", context)


def _floor(request) -> int | None:
    raw = request.GET.get("floor")
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValidationFailed.single("floor", _("A floor number.")) from None


@page(rules.LAND, hidden=True)
def occupancy(request, building_id: int):
    """The building's occupancy on a day, floor by floor; a floor's units when one is chosen
    (`?floor=`): a page of 10,000 unit badges is not a page anyone reads."""
    building = selectors.building_get(user=request.user, building_id=building_id)
    try:
        day, number = _day(request), _floor(request)
    except ValidationFailed as exc:
        context = {"building": building, "errors": exc.errors}
        return TemplateResponse(request, "space/occupancy.html", context, status=400)
    occ = selectors.occupancy(user=request.user, building=building, day=day)
    context = {"building": building, "occ": occ, "floor": number}
    if number is not None:
        context["units"] = selectors.floor_units(
            user=request.user, building=building, number=number, day=day
        )
    return TemplateResponse(request, "space/occupancy.html", context)


def _indicator_columns():
    return [
        ("va_per_mu", _("Value added per mu (10k CNY)")),
        ("tax_per_mu", _("Tax per mu (10k CNY)")),
        ("va_per_tce", _("Value added per tce (10k CNY)")),
        ("va_per_pollutant_t", _("Value added per tonne of pollutants (10k CNY)")),
        ("rnd_pct", _("R&D intensity (%)")),
        ("va_per_employee", _("Labour productivity (10k CNY per person)")),
        ("va_per_tco2", _("Value added per tCO2 (10k CNY)")),
    ]


@page(rules.MUJUN)
def mujun(request):
    try:
        year = _year(request)
    except ValidationFailed as exc:
        return TemplateResponse(request, "space/mujun.html", {"errors": exc.errors}, status=400)
    park = request.user.park
    context = {
        "year": year,
        "rows": selectors.mujun_year(user=request.user, park=park, year=year),
        "scheme": selectors.scheme_get(park=park, year=year),
        "columns": _indicator_columns(),
    }
    return TemplateResponse(request, "space/mujun.html", context)


@page(rules.MUJUN)
def mujun_xlsx(request):
    try:
        year = _year(request)
    except ValidationFailed as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    rows = selectors.mujun_year(user=request.user, park=request.user.park, year=year)
    book = Workbook()
    sheet = book.active
    sheet.title = str(year)
    columns = _indicator_columns()
    append_row(sheet, [_("Rank"), _("Enterprise"), _("Class"), _("Score")]
               + [label for _k, label in columns])  # fmt: skip
    for r in rows:
        values = [None if r["values"][k] is None else round(r["values"][k], 2) for k, _l in columns]
        append_row(sheet, [r["rank"], r["name"], r["class"], r["score"], *values])
    out = BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="mujun-{year}.xlsx"'
    return response
