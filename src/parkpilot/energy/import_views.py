"""Upload page for CSV/XLSX readings and for the metering-point registry, with progress bars
(HTMX polling each job's status). The page also shows the simulator's history back-fill, which
runs as the same kind of job."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext

from parkpilot.energy import rules, selectors
from parkpilot.energy.fileimport import readings_import_start
from parkpilot.energy.models_ops import IntakeJob
from parkpilot.energy.point_import import points_import_start
from parkpilot.stored_text import shown
from parkpilot.tenancy import access
from parkpilot.tenancy import selectors as tenancy_selectors
from parkpilot.tenancy.access import page
from parkpilot.tenancy.errors import ValidationFailed

JOBS_PER_PAGE = 10


def _require_importer(user) -> None:
    access.require(user, access.CREATE, IntakeJob)


def _start_readings(request, upload_file):
    return readings_import_start(actor=request.user, via="web", upload=upload_file)


def _start_points(request, upload_file):
    park = tenancy_selectors.park_of(request.user)
    if park is None:
        raise PermissionDenied
    return points_import_start(actor=request.user, via="web", upload=upload_file, park=park)


@page(rules.IMPORT_READINGS)
def upload(request):
    """GET: the page. POST: start a readings import (`what=readings`, the default) or a
    metering-point registry import (`what=points`)."""
    _require_importer(request.user)
    errors: dict[str, str] = {}
    what = request.POST.get("what", "readings")
    if request.method == "POST":
        upload_file = request.FILES.get("file")
        start = _start_points if what == "points" else _start_readings
        if upload_file is None:
            errors["file"] = gettext("Choose a file.")
        else:
            try:
                job = start(request, upload_file)
            except ValidationFailed as exc:
                errors = {e.field: shown(e.reason) for e in exc.errors}
            else:
                if request.htmx:
                    return TemplateResponse(request, "energy/import_job.html", {"job": job})
                return redirect("energy:import")
        if request.htmx:
            context = {"errors": errors}
            response = TemplateResponse(request, "energy/import_errors.html", context)
            response["HX-Retarget"] = f"#upload-errors-{what}"
            return response
    jobs = selectors.intake_job_list(user=request.user)
    imports = Paginator(
        jobs.filter(kind__in=[IntakeJob.Kind.IMPORT, IntakeJob.Kind.POINTS]), JOBS_PER_PAGE
    ).get_page(request.GET.get("page"))
    context = {
        "imports": imports,
        "backfills": list(jobs.filter(kind=IntakeJob.Kind.BACKFILL)[:3]),
        "errors": errors,
        "what": what,
    }
    return TemplateResponse(request, "energy/import.html", context, status=422 if errors else 200)


@login_required
def job_status(request, job_id: int):
    job = selectors.intake_job_get(user=request.user, job_id=job_id)
    return TemplateResponse(request, "energy/import_job.html", {"job": job})
