"""Carbon's page routes that name an object (collected by tests/tenancy/test_page_isolation.py):
an enterprise's 碳体检报告 and its issued versions."""

from helpers import PageCase, isolation_module

api_cases = isolation_module("carbon")


def _report(personas, ent_a):
    report = api_cases._report(ent_a)
    return {"report_id": report.pk}, report


def _version(personas, ent_a):
    kwargs, report = _report(personas, ent_a)
    return kwargs | {"version": report.latest_version}, report


PAGE_CASES = {
    "carbon:report_detail": PageCase(_report),
    "carbon:report_pdf": PageCase(_report),
    "carbon:report_xlsx": PageCase(_report),
    "carbon:report_version_pdf": PageCase(_version),
    "carbon:report_version_xlsx": PageCase(_version),
}
