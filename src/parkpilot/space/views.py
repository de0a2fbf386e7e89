"""Pages of land and space: the parcels with their pipeline and map, a building's occupancy at
a day, and the 亩均效益 ranking. Thin: each reads through selectors."""

from datetime import date
from decimal import Decimal
from io import BytesIO

from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from parkpilot.field_labels import error_text
from parkpilot.inputs import Fields, posted_id, query_whole
from parkpilot.projects.models import Project
from parkpilot.space import rules, selectors, services
from parkpilot.space.models import (
    PIPELINE,
    Building,
    Datum,
    Floor,
    LandUse,
    Lease,
    ParcelKind,
    Status,
    Unit,
)
from parkpilot.spreadsheets import append_row
from parkpilot.tenancy import access
from parkpilot.tenancy import selectors as tenancy_selectors
from parkpilot.tenancy.access import page
from parkpilot.tenancy.errors import Code, NotFound, ValidationFailed
from parkpilot.tenancy.models import Enterprise, Zone

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATUS_FILL = {"approved": "#c9c9c9", "supplied": "#f2c14e", "started": "#f78154",
               "completed": "#5fad56", "operating": "#2e6f95", "": "#e0e0e0"}  # fmt: skip


def _day(request) -> date:
    """The day of an occupancy page (`?day=`): today when absent or not a date, as for any
    filter of a page (parkpilot.inputs)."""
    fields = Fields()
    day = fields.date("day", request.GET.get("day"), low=date(1990, 1, 1), required=False)
    return timezone.localdate() if fields.errors or day is None else day


def _year(request) -> int:
    default = selectors.latest_scheme_year(park=request.user.park)
    return query_whole(request, "year", default, low=2000, high=2100)


CLASS_FILL = {"A": "#1a7f37", "B": "#7cb342", "C": "#f2c14e", "D": "#d64545"}
NO_FIGURE = "#e0e0e0"
# Vacancy bands (% of leasable m² not let): up to the bound, that colour.
VACANCY_BANDS = [(Decimal(10), "#1a7f37"), (Decimal(30), "#f2c14e"), (Decimal(100), "#d64545")]


def _vacancy_fill(pct) -> str:
    if pct is None:
        return NO_FIGURE
    return next(fill for bound, fill in VACANCY_BANDS if pct <= bound)


def _colouring(request, rows) -> tuple[str, dict, list]:
    """How the map colours the parcels (`?colour=`: status, vacancy today, or the holder's 亩均
    class of the latest evaluated year): the mode, {parcel id: fill} and the legend."""
    user, mode = request.user, request.GET.get("colour", "status")
    if mode == "vacancy":
        vacancy = selectors.parcel_vacancy(user=user, day=timezone.localdate())
        fills = {r["parcel"].pk: _vacancy_fill(vacancy.get(r["parcel"].pk)) for r in rows}
        legend = [(_("vacancy ≤ 10%"), VACANCY_BANDS[0][1]), (_("10–30%"), VACANCY_BANDS[1][1]),
                  (_("over 30%"), VACANCY_BANDS[2][1]), (_("no units"), NO_FIGURE)]  # fmt: skip
        return mode, fills, legend
    if mode == "class":
        year = selectors.latest_scheme_year(park=user.park)
        classes = {r["enterprise_id"]: r["class"]
                   for r in selectors.mujun_year(user=user, park=user.park, year=year)}  # fmt: skip
        fills = {r["parcel"].pk: CLASS_FILL.get(classes.get(r["parcel"].enterprise_id), NO_FIGURE)
                 for r in rows}  # fmt: skip
        legend = [(f"{k} ({year})", fill) for k, fill in CLASS_FILL.items()]
        return mode, fills, [*legend, (_("not evaluated"), NO_FIGURE)]
    fills = {r["parcel"].pk: STATUS_FILL[r["parcel"].status] for r in rows}
    return "status", fills, [(Status(s).label, STATUS_FILL[s]) for s in PIPELINE]


@page(rules.LAND, hidden=True)
def parcels(request):
    user = request.user
    rows = selectors.floor_area_ratios(user=user)
    mode, fills, legend = _colouring(request, rows)
    features = [
        {"type": "Feature", "geometry": r["parcel"].outline,
         "properties": {"kind": "parcel", "name": r["parcel"].name,
                        "fill": fills[r["parcel"].pk]}}
        for r in rows if r["parcel"].outline
    ]  # fmt: skip
    buildings = access.scoped(user, Building).order_by("parcel__code", "name")
    context = {
        "rows": rows,
        "pipeline": [Status(s) for s in PIPELINE],
        "buildings": buildings,
        "geojson": {"type": "FeatureCollection", "features": features,
                    "demo": any(r["parcel"].demo for r in rows)} if features else None,
        "legend": legend,
        "colour": mode,
        "colourings": [("status", _("status")), ("vacancy", _("vacancy")),
                       ("class", _("亩均 class"))],
        "can_keep": rules.KEEP_LAND.allows(user),
    }  # fmt: skip
    return TemplateResponse(request, "space/parcels.html", context)


@page(rules.LAND, hidden=True)
def occupancy(request, building_id: int):
    """The building's occupancy on a day, floor by floor; a floor's units when one is chosen
    (`?floor=`): a page of 10,000 unit badges is not a page anyone reads."""
    building = selectors.building_get(user=request.user, building_id=building_id)
    day, number = _day(request), query_whole(request, "floor", None, low=-10, high=200)
    occ = selectors.occupancy(user=request.user, building=building, day=day)
    context = {"building": building, "occ": occ, "floor": number,
               "can_keep": rules.KEEP_LAND.allows(request.user)}  # fmt: skip
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
    year = _year(request)
    park = request.user.park
    rows = selectors.mujun_year(user=request.user, park=park, year=year)
    labels = dict(_indicator_columns())
    for r in rows:
        up = r["moves_up"]
        r["moves"] = [
            {"label": labels[key], "now": r["values"][key], "needed": needed}
            for key, needed in up["indicators"].items() if needed is not None
        ]  # fmt: skip
    context = {
        "year": year,
        "rows": rows,
        "can_enter": rules.KEEP_EMISSIONS.allows(request.user),
        "scheme": selectors.scheme_get(park=park, year=year),
        "columns": _indicator_columns(),
    }
    return TemplateResponse(request, "space/mujun.html", context)


@page(rules.MUJUN)
def mujun_xlsx(request):
    year = _year(request)
    rows = selectors.mujun_year(user=request.user, park=request.user.park, year=year)
    book = Workbook()
    sheet = book.active
    sheet.title = str(year)
    columns = _indicator_columns()
    append_row(sheet, [_("Rank"), _("Enterprise"), _("Class"), _("Score")]
               + [label for _k, label in columns] + [_("What moves it up")])  # fmt: skip
    labels = dict(columns)
    for r in rows:
        values = [None if r["values"][k] is None else round(r["values"][k], 2) for k, _l in columns]
        append_row(sheet, [r["rank"], r["name"], r["class"], r["score"], *values,
                           _moves_up_text(r, labels)])  # fmt: skip
    out = BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="mujun-{year}.xlsx"'
    return response


def _figure(value) -> str:
    return "—" if value is None else f"{value:.2f}"


def _moves_up_text(row, labels) -> str:
    """The page's "what moves it up" as one line of text (the same wording)."""
    up = row["moves_up"]
    if not up["target"]:
        return ""
    if up["needed"] is None:
        return _("Class %(target)s holds no rank among %(of)s enterprises.") % {
            "target": up["target"], "of": row["of"]}  # fmt: skip
    moves = [
        _("%(label)s from %(now)s to %(needed)s")
        % {"label": labels[key], "now": _figure(row["values"][key]), "needed": _figure(needed)}
        for key, needed in up["indicators"].items() if needed is not None
    ]  # fmt: skip
    heading = _("Class %(target)s needs a score of %(needed)s:") % {
        "target": up["target"], "needed": up["needed"]}  # fmt: skip
    return f"{heading} {'; '.join(moves) or _('no single indicator can reach it alone')}"


# --- staff entry: forms that post to the services ---------------------------------------


def _chosen(request, model, field: str, *, required: bool = True):
    """The object a form chose by id among those the user may read, or None when optional and
    blank; absent and foreign ids are refused alike, naming the field."""
    if not required and not request.POST.get(field):
        return None
    try:
        return access.get_for(request.user, model, posted_id(request, field))
    except NotFound:
        raise ValidationFailed.single(field, _("Not one of the choices."), Code.UNKNOWN) from None


def _submit(request, form: str, call) -> dict | None:
    """Run one form's service call; None when done (the caller redirects), else the context
    that shows the form again with its values and every error by field."""
    try:
        call()
    except ValidationFailed as exc:
        return {"form": form, "form_errors": [error_text(e) for e in exc.errors],
                "posted": request.POST}  # fmt: skip
    return None


def _unknown_form():
    raise ValidationFailed.single("form", _("Not one of the choices."))


def _enterprises(user):
    """The park's enterprises to pick from (partner organisations such as banks left out)."""
    return tenancy_selectors.enterprise_list(user=user).filter(park=user.park).order_by("name")


def _choices(user) -> dict:
    park = user.park
    return {
        "kinds": ParcelKind.choices,
        "uses": LandUse.choices,
        "zones": access.scoped(user, Zone).filter(park=park).order_by("code"),
        "enterprises": _enterprises(user),
        "projects": access.scoped(user, Project).filter(park=park).order_by("name"),
    }


def _parcel_values(request) -> dict:
    post = request.POST
    return dict(
        name=post.get("name"), kind=post.get("kind"), use=post.get("use"),
        area_m2=post.get("area_m2"), planned_far=post.get("planned_far"),
        zone=_chosen(request, Zone, "zone", required=False),
        enterprise=_chosen(request, Enterprise, "enterprise", required=False),
        project=_chosen(request, Project, "project", required=False),
    )  # fmt: skip


def _parcel_initial(parcel) -> dict:
    """The edit form's values, as text like a posted form's."""
    text = {"name": parcel.name, "kind": parcel.kind, "use": parcel.use,
            "area_m2": str(parcel.area_m2), "planned_far": parcel.planned_far or ""}  # fmt: skip
    for name in ("zone", "enterprise", "project"):
        chosen = getattr(parcel, f"{name}_id")
        text[name] = "" if chosen is None else str(chosen)
    return text


@page(rules.KEEP_LAND, hidden=True)
def parcel_new(request):
    context = {"parcel": None, "v": {}, **_choices(request.user)}
    if request.method == "POST":
        made = {}

        def create():
            made["parcel"] = services.parcel_create(
                actor=request.user, via="ui", park=request.user.park,
                code=request.POST.get("code"), **_parcel_values(request),
            )  # fmt: skip

        failed = _submit(request, "parcel", create)
        if failed is None:
            return redirect("space:parcel", parcel_id=made["parcel"].pk)
        context |= failed | {"v": request.POST}
        return TemplateResponse(request, "space/parcel_form.html", context, status=400)
    return TemplateResponse(request, "space/parcel_form.html", context)


def _outline_map(parcel) -> dict | None:
    if not parcel.outline:
        return None
    feature = {"type": "Feature", "geometry": parcel.outline,
               "properties": {"kind": "parcel", "name": parcel.name,
                              "fill": STATUS_FILL[parcel.status]}}  # fmt: skip
    return {"type": "FeatureCollection", "features": [feature], "demo": parcel.demo}


@page(rules.KEEP_LAND, hidden=True)
def parcel_detail(request, parcel_id: int):
    """A parcel's description (edited), its next pipeline step and a new building on it."""
    user = request.user
    parcel = selectors.parcel_get(user=user, parcel_id=parcel_id)
    following = PIPELINE.index(parcel.status) + 1 if parcel.status else 0
    context = {
        "parcel": parcel, "steps": parcel.steps.all(), "pipeline": Status.choices,
        "next_step": PIPELINE[following] if following < len(PIPELINE) else "",
        "buildings": parcel.buildings.order_by("name"), "v": _parcel_initial(parcel),
        "datums": Datum.choices, "outline_map": _outline_map(parcel),
        **_choices(user),
    }  # fmt: skip
    if request.method == "POST":
        post, form = request.POST, request.POST.get("form", "")
        calls = {
            "parcel": lambda: services.parcel_update(
                actor=user, via="ui", parcel=parcel, **_parcel_values(request)
            ),
            "step": lambda: services.parcel_step(
                actor=user, via="ui", parcel=parcel, status=post.get("status"),
                on=post.get("on"), document=post.get("document", ""),
            ),
            "outline": lambda: services.parcel_outline_set(
                actor=user, via="ui", parcel=parcel, outline=post.get("outline"),
                datum=post.get("datum"),
            ),
            "building": lambda: services.building_create_storeys(
                actor=user, via="ui", parcel=parcel, name=post.get("name"),
                lowest=post.get("lowest"), highest=post.get("highest"),
                floor_area_m2=post.get("floor_area_m2"),
            ),
        }  # fmt: skip
        failed = _submit(request, form, calls.get(form, _unknown_form))
        if failed is None:
            return redirect("space:parcel", parcel_id=parcel.pk)
        context |= failed | ({"v": post} if form == "parcel" else {})
        return TemplateResponse(request, "space/parcel_form.html", context, status=400)
    return TemplateResponse(request, "space/parcel_form.html", context)


@page(rules.KEEP_LAND, hidden=True)
def building_units(request, building_id: int):
    """A building's floors and units with today's tenants: add a floor or a unit, let a unit,
    end a lease."""
    user = request.user
    building = selectors.building_get(user=user, building_id=building_id)
    post = request.POST

    def lease():
        unit = _chosen(request, Unit, "unit")
        enterprise = _chosen(request, Enterprise, "enterprise")
        return services.lease_create(actor=user, via="ui", unit=unit, enterprise=enterprise,
                                     start=post.get("start"), end=post.get("end"))  # fmt: skip

    def ended():
        lease = _chosen(request, Lease, "lease")
        return services.lease_end(actor=user, via="ui", lease=lease, end=post.get("end"))

    calls = {
        "floor": lambda: services.floor_add(actor=user, via="ui", building=building,
                                            number=post.get("number"),
                                            area_m2=post.get("area_m2")),
        "unit": lambda: services.unit_create(
            actor=user, via="ui", floor=_in_building(_chosen(request, Floor, "floor"), building),
            code=post.get("code"), area_m2=post.get("area_m2"),
        ),
        "lease": lease,
        "end": ended,
    }  # fmt: skip
    failed = None
    if request.method == "POST":
        form = post.get("form", "")
        failed = _submit(request, form, calls.get(form, _unknown_form))
        if failed is None:
            return redirect("space:building_units", building_id=building.pk)
    today = timezone.localdate()
    context = {
        "building": building, "today": today,
        "floors": selectors.building_units(user=user, building=building, day=today),
        "enterprises": _enterprises(user),
        **(failed or {}),
    }  # fmt: skip
    return TemplateResponse(request, "space/building_units.html", context,
                            status=400 if failed else 200)  # fmt: skip


def _in_building(floor, building):
    if floor.building_id != building.pk:
        raise ValidationFailed.single("floor", _("Not one of the choices."), Code.UNKNOWN)
    return floor


@page(rules.KEEP_EMISSIONS, hidden=True)
def emissions(request):
    """The year's pollutant tonnes by enterprise, entered from the 环境统计 (the 亩均
    evaluation's 单位排放增加值); R&D spending and staff are the economy's monthly figures."""
    user = request.user
    year = _year(request)
    failed = None
    if request.method == "POST":
        post = request.POST

        def enter():
            services.emissions_set(
                actor=user, via="ui", park=user.park,
                enterprise=_chosen(request, Enterprise, "enterprise"), year=post.get("year"),
                cod_t=post.get("cod_t"), nh3n_t=post.get("nh3n_t"), so2_t=post.get("so2_t"),
                nox_t=post.get("nox_t"), source=post.get("source", ""),
            )  # fmt: skip

        failed = _submit(request, "emissions", enter)
        if failed is None:
            return redirect(f"{reverse('space:emissions')}?year={post.get('year')}")
    context = {
        "year": year,
        "rows": selectors.emissions_list(user=user, park=user.park, year=year),
        "enterprises": _enterprises(user),
        **(failed or {}),
    }
    return TemplateResponse(request, "space/emissions.html", context,
                            status=400 if failed else 200)  # fmt: skip
