"""Grid governance's pages: reporting and following on the residents' front door (phone first),
the worker's list of work, the map of grids and cases with per-grid figures for the park, and the
public tracking page. Thin: selectors read, services write."""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkpilot.grid import catalogue, rules, selectors, services
from parkpilot.grid.models import PublicCase, Status
from parkpilot.residents import shell
from parkpilot.tenancy import access
from parkpilot.tenancy import selectors as tenancy
from parkpilot.tenancy.access import page
from parkpilot.tenancy.errors import Code, ValidationFailed


@page(rules.REPORT)
def report(request):
    park = tenancy.park_of(request.user)
    form = {"category": "", "description": "", "lon": "", "lat": "", "datum": "wgs84"}
    duplicates = []
    if request.method == "POST":
        form = {k: request.POST.get(k, "").strip() for k in form}
        duplicates = _duplicates(request, park, form)
        if not duplicates or request.POST.get("confirm_new"):
            try:
                made = services.report_submit(
                    actor=request.user,
                    park=park,
                    category=form["category"],
                    description=form["description"],
                    lon=form["lon"],
                    lat=form["lat"],
                    datum=form["datum"] or "wgs84",
                    uploads=request.FILES.getlist("photos"),
                    anonymous=bool(request.POST.get("anonymous")),
                    public=not request.POST.get("private"),
                )
            except ValidationFailed as exc:
                shell.refused(request, exc)
                duplicates = []
            else:
                messages.success(
                    request,
                    _("Reported. Your tracking code: %(code)s") % {"code": made.tracking_code},
                )
                if made.reporter_id:
                    return redirect("grid:case", case_id=made.case_id)
                return redirect(f"/grid/track/?code={made.tracking_code}")
    context = {
        "form": form,
        "categories": catalogue.choices(),
        "duplicates": duplicates,
        "map": selectors.map_geojson(user=request.user, park=park) if park else None,
    }
    return shell.render(request, "grid/report.html", context, tab="home")


def _duplicates(request, park, form) -> list:
    try:
        lon, lat = services.read_point(form["lon"], form["lat"], form["datum"] or "wgs84")
    except ValidationFailed:
        return []
    return selectors.likely_duplicates(
        user=request.user, park=park, category=form["category"], lon=lon, lat=lat
    )


@page(rules.REPORT)
def mine(request):
    context = {"cases": selectors.my_cases(user=request.user)[:50]}
    return shell.render(request, "grid/mine.html", context, tab="items")


@page(rules.REPORT)
def case(request, case_id: int):
    found = selectors.case_get(user=request.user, case_id=case_id)
    user = request.user
    may_handle = access.can(user, "handle", found) and services.works_on(found, user)
    may_take = (
        found.status == Status.REFERRED
        and access.can(user, "take", found)
        and services.is_department_member(user, found)
    )
    is_reporter = selectors.is_reporter(user=user, case=found)
    shown = list(found.photos.order_by("kind", "pk"))
    context = {
        "case": found,
        "event": catalogue.event(found.category),
        "timeline": selectors.timeline(case=found),
        "photos": shown,
        # Case readers see a photo's original while its published copy is being made.
        "sees_originals": bool(shown) and selectors.may_see_original(user=user, photo=shown[0]),
        "is_reporter": is_reporter,
        "may_handle": may_handle,
        "may_take": may_take,
        # A "+1" is for other people of the park who meet the same problem, not its handlers.
        "may_support": found.is_open
        and not (is_reporter or may_handle or may_take)
        and access.can(user, access.READ, PublicCase),
        "departments": selectors.departments(user=user, park=found.park),
    }
    return shell.render(request, "grid/case.html", context)


STEPS = ("support", "accept", "reject", "refer", "resolve", "confirm", "reopen")


@require_POST
@page(rules.REPORT)
def case_step(request, case_id: int):
    """One step on a case, named by the form's `step`; each service checks who may take it."""
    found = selectors.case_get(user=request.user, case_id=case_id)
    step, data, user = request.POST.get("step", ""), request.POST, request.user
    try:
        if step == "support":
            services.case_support(actor=user, case=found, text=data.get("text", ""))
        elif step == "accept":
            services.case_accept(actor=user, case=found)
        elif step == "reject":
            services.case_reject(actor=user, case=found, reason=data.get("reason", ""))
        elif step == "refer":
            dept = (
                selectors.departments(user=user, park=found.park)
                .filter(pk=data.get("department") or 0)
                .first()
            )
            if dept is None:
                raise ValidationFailed.single("department", _("choose a department"), Code.REQUIRED)
            services.case_refer(actor=user, case=found, department=dept, note=data.get("note", ""))
        elif step == "resolve":
            services.case_resolve(
                actor=user,
                case=found,
                resolution=data.get("resolution", ""),
                before=request.FILES.getlist("before"),
                after=request.FILES.getlist("after"),
            )
        elif step == "confirm":
            services.case_confirm(actor=user, case=found, rating=data.get("rating") or None)
        elif step == "reopen":
            services.case_reopen(actor=user, case=found, reason=data.get("reason", ""))
        else:
            raise ValidationFailed.single("step", _("not a step of a case"), Code.INVALID)
        messages.success(request, _("Done."))
    except ValidationFailed as exc:
        shell.refused(request, exc)
    return redirect("grid:case", case_id=found.pk)


@page(rules.REPORT)
def photo(request, photo_id: int):
    """A photo of a case: the published copy (no EXIF), or the original to case readers."""
    found = selectors.photo_get(user=request.user, photo_id=photo_id)
    original = request.GET.get("original") and selectors.may_see_original(
        user=request.user, photo=found
    )
    file = found.original if original else found.published
    try:
        handle = file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    return FileResponse(handle, content_type=None if original else found.content_type)


@page(rules.WORK)
def work(request):
    context = {"cases": selectors.work_queue(user=request.user)[:100]}
    return shell.render(request, "grid/work.html", context, tab="items")


@page(rules.PARK_CASES)
def grid_map(request):
    park = tenancy.park_of(request.user)
    context = {
        "map": selectors.map_geojson(user=request.user, park=park),
        "figures": selectors.grid_figures(user=request.user, park=park),
        "open_cases": selectors.case_list(user=request.user, status="open")[:50],
    }
    return TemplateResponse(request, "grid/map.html", context)


def track(request):
    """Public: the state of the case a tracking code follows, nothing of the reporter."""
    code = request.GET.get("code", "")
    found = selectors.tracked(code=code) if code else None
    context = {
        "code": code,
        "case": found,
        "event": catalogue.event(found.category) if found else None,
    }
    return TemplateResponse(
        request, "grid/track.html", context, status=200 if found or not code else 404
    )
