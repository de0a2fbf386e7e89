"""Upload page for CSV/XLSX readings with a progress bar (being built)."""

from django.http import Http404


def upload(request):
    raise Http404


def job_status(request, job_id: int):
    raise Http404
