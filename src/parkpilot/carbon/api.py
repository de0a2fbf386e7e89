"""/api/v1/carbon: factors, settings, industry averages, accounts, indicators, grades, budgets,
alerts, reports. Handlers authorize through selectors/services and hold no rules."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from ninja import Router

from parkpilot.carbon import selectors, services
from parkpilot.carbon.api_green import router as green_router
from parkpilot.carbon.models import AccountScope, Level
from parkpilot.carbon.periods import parse
from parkpilot.carbon.schemas import (
    AccountOut,
    AlertOut,
    BatchIn,
    BatchOut,
    BudgetIn,
    BudgetOut,
    BudgetStatusOut,
    ClosedOut,
    ClosingOut,
    DrilldownOut,
    FactorIn,
    FactorOut,
    GradeRowOut,
    IndicatorsOut,
    IndustryAverageIn,
    IndustryAverageOut,
    PeriodIn,
    RecomputedOut,
    ReportIn,
    ReportOut,
    ReportVersionOut,
    SettingsIn,
    SettingsOut,
)
from parkpilot.openapi import file_response
from parkpilot.stored_text import shown
from parkpilot.tenancy import access
from parkpilot.tenancy import selectors as tenancy
from parkpilot.tenancy.auth import via_of
from parkpilot.tenancy.errors import Forbidden, NotFound
from parkpilot.tenancy.models import Enterprise

router = Router(tags=["carbon"])
router.add_router("", green_router)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_FILE = file_response("application/pdf", "the report version as PDF")
XLSX_FILE = file_response(XLSX, "the report version as an Excel workbook")


def _park(user):
    park = tenancy.park_of(user)
    if park is None:
        raise NotFound
    return park


def _park_reader(user):
    if not selectors.is_park_reader(user):
        raise Forbidden(gettext("Park staff only."))
    return _park(user)


@router.get("/factors", response=list[FactorOut])
def factor_list(request: HttpRequest, year: int | None = None, current: bool = False):
    return list(
        selectors.factor_list(
            user=request.auth, park_id=_park(request.auth).pk, year=year, current=current
        )
    )


@router.post("/factors", response={201: FactorOut})
def factor_create(request: HttpRequest, body: FactorIn):
    row = services.factor_create(
        actor=request.auth, via=via_of(request), park=_park(request.auth), **body.dict()
    )
    return 201, row


@router.get("/settings", response=list[SettingsOut])
def settings_list(request: HttpRequest):
    return list(selectors.settings_list(user=request.auth, park_id=_park(request.auth).pk))


@router.post("/settings", response=SettingsOut)
def settings_save(request: HttpRequest, body: SettingsIn):
    return services.settings_upsert(
        actor=request.auth, via=via_of(request), park=_park(request.auth), **body.dict()
    )


@router.get("/industry-averages", response=list[IndustryAverageOut])
def industry_average_list(request: HttpRequest, year: int | None = None):
    return list(
        selectors.industry_average_list(
            user=request.auth, park_id=_park(request.auth).pk, year=year
        )
    )


@router.post("/industry-averages", response=IndustryAverageOut)
def industry_average_save(request: HttpRequest, body: IndustryAverageIn):
    return services.industry_average_upsert(
        actor=request.auth, via=via_of(request), park=_park(request.auth), **body.dict()
    )


@router.get("/accounts", response=AccountOut)
def account(request: HttpRequest, scope: str, scope_id: int, period: str, level: str = Level.MONTH):
    """One scope's energy (physical, tce) and CO2 by source for an hour/day/month/year: the
    stored account if the period is closed, else computed live from the rollups."""
    park = _park(request.auth)
    return selectors.account_view(
        user=request.auth, park=park, scope=scope, scope_id=scope_id,
        per=parse(level, period, park.timezone),
    )  # fmt: skip


@router.get("/accounts/drilldown", response=DrilldownOut)
def account_drilldown(
    request: HttpRequest, scope: str, scope_id: int, period: str, level: str = Level.MONTH
):
    """The point rollups and the factors (with their documents) behind one figure."""
    park = _park(request.auth)
    return selectors.drilldown(
        user=request.auth, park=park, scope=scope, scope_id=scope_id,
        per=parse(level, period, park.timezone),
    )  # fmt: skip


@router.post("/accounts/close", response=ClosedOut)
def account_close(request: HttpRequest, body: PeriodIn):
    """Close an ended period (staff: earlier than the rule with a stated `reason`)."""
    park = _park(request.auth)
    closing = services.account_close(
        actor=request.auth, via=via_of(request), park=park,
        per=parse(body.level, body.period, park.timezone), reason=body.reason,
    )  # fmt: skip
    return {"stored": closing.accounts.count(), **_closing(closing)}


@router.post("/accounts/recompute", response=RecomputedOut)
def account_recompute(request: HttpRequest, body: PeriodIn):
    """Recompute a closed period: a new snapshot version, the old one kept; the differences."""
    park = _park(request.auth)
    return services.account_recompute(
        actor=request.auth, via=via_of(request), park=park,
        per=parse(body.level, body.period, park.timezone), reason=body.reason,
    )  # fmt: skip


@router.get("/accounts/closings", response=list[ClosingOut])
def account_closings(request: HttpRequest, period: str, level: str = Level.MONTH):
    """Every snapshot version of a period, newest first, with what each closing recorded."""
    park = _park_reader(request.auth)
    per = parse(level, period, park.timezone)
    return [_closing(c) for c in selectors.closing_versions(user=request.auth, park=park, per=per)]


def _closing(c) -> dict:
    return {
        **c.info(),
        "period": c.period_start.isoformat(),
        "level": c.level,
        "current": c.current,
        "closed_by": c.closed_by.username if c.closed_by_id else None,
        "incomplete_points": c.incomplete_points,
        "quarantined_points": c.quarantined_points,
        "factor_ids": c.factor_ids,
        "difference": c.difference,
    }


@router.get("/indicators", response=IndicatorsOut)
def indicators(request: HttpRequest, enterprise_id: int, period: str, level: str = Level.MONTH):
    """The four indicators, intensities (per 10,000 CNY or per m²), level, grade and rank."""
    park = _park(request.auth)
    ent = access.get_for(request.auth, Enterprise, enterprise_id)
    per = parse(level, period, park.timezone)
    return selectors.enterprise_grade(user=request.auth, park=park, enterprise=ent, per=per)


@router.get("/grades", response=list[GradeRowOut])
def grades(request: HttpRequest, period: str, level: str = Level.MONTH):
    """Every enterprise's intensity, level and grade (park roles only)."""
    park = _park_reader(request.auth)
    return selectors.grade_table(
        user=request.auth, park=park, per=parse(level, period, park.timezone)
    )


@router.get("/budgets", response=list[BudgetStatusOut])
def budget_list(request: HttpRequest, year: int, month: int = 12):
    park = _park(request.auth)
    return selectors.budget_status(user=request.auth, park=park, year=year, month=month)


@router.post("/budgets", response=BudgetOut)
def budget_save(request: HttpRequest, body: BudgetIn):
    row = services.budget_upsert(
        actor=request.auth, via=via_of(request), park=_park(request.auth), **body.dict()
    )
    return {"id": row.pk, "year": row.year, "enterprise_id": row.enterprise_id,
            "energy_tce": float(row.energy_tce), "co2_t": float(row.co2_t)}  # fmt: skip


def _alert(a) -> dict:
    return {
        "id": a.pk, "enterprise_id": a.enterprise_id, "kind": a.kind.removeprefix("carbon."),
        "period": a.figure.get("period", ""), "message": shown(a.detail or a.title),
        "figure": {k: v for k, v in a.figure.items() if k != "period"},
        "created_at": a.raised_at.isoformat(),
        "acknowledged_at": a.acknowledged_at.isoformat() if a.acknowledged_at else None,
        "escalated_at": a.escalated_at.isoformat() if a.escalated_at else None,
    }  # fmt: skip


@router.get("/alerts", response=list[AlertOut])
def alert_list(request: HttpRequest, open_only: bool = False):
    qs = selectors.alert_list(
        user=request.auth, park_id=_park(request.auth).pk, open_only=open_only
    )
    return [_alert(a) for a in qs]


@router.post("/alerts/{alert_id}/acknowledge", response=AlertOut)
def alert_acknowledge(request: HttpRequest, alert_id: int):
    return _alert(
        services.alert_acknowledge(actor=request.auth, via=via_of(request), alert_id=alert_id)
    )


def _report(r) -> dict:
    return {
        "id": r.pk, "number": r.number, "version": r.latest_version,
        "enterprise_id": r.enterprise_id, "enterprise_name": r.enterprise.name,
        "period": r.period, "generated_at": r.generated_at.isoformat(),
        "pdf_url": f"/api/v1/carbon/reports/{r.pk}/pdf",
        "xlsx_url": f"/api/v1/carbon/reports/{r.pk}/xlsx",
        "versions_url": f"/api/v1/carbon/reports/{r.pk}/versions",
    }  # fmt: skip


def _version(v) -> dict:
    base = f"/api/v1/carbon/reports/{v.report_id}/versions/{v.version}"
    return {
        "version": v.version, "issued_at": v.issued_at.isoformat(),
        "issued_by": v.issued_by_label, "reason": v.reason, "is_demo": v.is_demo,
        "content_sha256": v.content_sha256, "pdf_sha256": v.pdf_sha256,
        "xlsx_sha256": v.xlsx_sha256, "factors": v.factors, "completeness": v.completeness,
        "difference": v.difference, "pdf_url": f"{base}/pdf", "xlsx_url": f"{base}/xlsx",
    }  # fmt: skip


@router.get("/reports", response=list[ReportOut])
def report_list(request: HttpRequest, year: int | None = None):
    qs = selectors.report_list(user=request.auth, park_id=_park(request.auth).pk, year=year)
    return [_report(r) for r in qs]


@router.post("/reports", response={201: ReportOut})
def report_generate(request: HttpRequest, body: ReportIn):
    """Issue a new version of one enterprise's report now (a re-issue needs a reason)."""
    access.get_for(request.auth, Enterprise, body.enterprise_id)
    row = services.report_issue(
        actor=request.auth, via=via_of(request), enterprise_id=body.enterprise_id,
        year=body.year, month=body.month, reason=body.reason,
    )  # fmt: skip
    return 201, _report(row)


@router.get("/reports/{report_id}/versions", response=list[ReportVersionOut])
def report_versions(request: HttpRequest, report_id: int):
    """Every issued version, newest first, each with its difference against the one before."""
    report = selectors.report_get(user=request.auth, report_id=report_id)
    return [_version(v) for v in selectors.report_versions(user=request.auth, report=report)]


def _version_file(request, report_id: int, version: int, kind: str) -> HttpResponse:
    v = selectors.report_version_get(user=request.auth, report_id=report_id, version=version)
    data, content_type = (v.pdf, "application/pdf") if kind == "pdf" else (v.xlsx, XLSX)
    return _file(bytes(data), content_type, f"{v.report.number}-v{v.version}.{kind}")


@router.get("/reports/{report_id}/versions/{version}/pdf", openapi_extra=PDF_FILE)
def report_version_pdf(request: HttpRequest, report_id: int, version: int):
    return _version_file(request, report_id, version, "pdf")


@router.get("/reports/{report_id}/versions/{version}/xlsx", openapi_extra=XLSX_FILE)
def report_version_xlsx(request: HttpRequest, report_id: int, version: int):
    return _version_file(request, report_id, version, "xlsx")


@router.get("/reports/{report_id}/pdf", openapi_extra=PDF_FILE)
def report_pdf(request: HttpRequest, report_id: int):
    """The latest version's PDF."""
    report = selectors.report_get(user=request.auth, report_id=report_id)
    return _version_file(request, report.pk, report.latest_version, "pdf")


@router.get("/reports/{report_id}/xlsx", openapi_extra=XLSX_FILE)
def report_xlsx(request: HttpRequest, report_id: int):
    report = selectors.report_get(user=request.auth, report_id=report_id)
    return _version_file(request, report.pk, report.latest_version, "xlsx")


def _file(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _batch(b) -> dict:
    return {"id": b.pk, "year": b.year, "month": b.month, "total": b.total, "done": b.done,
            "failed": b.failed, "status": b.status, "reason": shown(b.reason),
            "errors": b.errors}  # fmt: skip


@router.post("/reports/batches", response={201: BatchOut})
def batch_create(request: HttpRequest, body: BatchIn):
    """Every enterprise's report for a period, as a background job; poll it for progress."""
    batch = services.batch_create(
        actor=request.auth, via=via_of(request), park=_park(request.auth), year=body.year,
        month=body.month,
    )  # fmt: skip
    batch.refresh_from_db()
    return 201, _batch(batch)


@router.get("/reports/batches/{batch_id}", response=BatchOut)
def batch_get(request: HttpRequest, batch_id: int):
    return _batch(selectors.batch_get(user=request.auth, batch_id=batch_id))


__all__ = ["AccountScope", "router"]
