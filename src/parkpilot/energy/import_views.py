"""Upload page for CSV/XLSX readings, with a progress bar (HTMX polling the job's status).
The page also shows the simulator's history back-fill, which runs as the same kind of job."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from parkpilot.energy.fileimport import intake_job_get, intake_job_list, readings_import_start
from parkpilot.energy.models_ops import IntakeJob
from parkpilot.tenancy import access
from parkpilot.tenancy.errors import Forbidden, NotFound, ValidationFailed


def _require_importer(user) -> None:
    try:
        access.require_create(user, IntakeJob)
    except Forbidden:
        raise PermissionDenied from None


@login_required
def upload(request):
    _require_importer(request.user)
    errors: dict[str, str] = {}
    if request.method == "POST":
        upload_file = request.FILES.get("file")
        if upload_file is None:
            errors["file"] = "请选择文件 / choose a file"
        else:
            try:
                job = readings_import_start(actor=request.user, via="web", upload=upload_file)
            except ValidationFailed as exc:
                errors = {e.field: e.reason for e in exc.errors}
            else:
                if request.htmx:
                    return TemplateResponse(request, "energy/import_job.html", {"job": job})
                return redirect("energy:import")
        if request.htmx:
            response = TemplateResponse(request, "energy/import_errors.html", {"errors": errors})
            response["HX-Retarget"] = "#upload-errors"
            return response
    jobs = intake_job_list(user=request.user)
    context = {
        "imports": [j for j in jobs if j.kind == IntakeJob.Kind.IMPORT][:10],
        "backfills": [j for j in jobs if j.kind == IntakeJob.Kind.BACKFILL][:3],
        "errors": errors,
    }
    return TemplateResponse(request, "energy/import.html", context, status=422 if errors else 200)


@login_required
def job_status(request, job_id: int):
    try:
        job = intake_job_get(user=request.user, job_id=job_id)
    except NotFound:
        raise Http404 from None
    return TemplateResponse(request, "energy/import_job.html", {"job": job})
