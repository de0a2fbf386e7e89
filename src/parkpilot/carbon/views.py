from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


park_page = mine_page = reports_page = report_pdf = report_xlsx = factors_page = stream = _todo
