from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import File, Query, Router
from ninja.files import UploadedFile
from ninja.pagination import paginate

from parkpilot.economy import selectors, services
from parkpilot.economy.errors import ImportRejected
from parkpilot.economy.models import MEASURES
from parkpilot.economy.schemas import (
    ImportErrorsOut,
    ImportOut,
    IndicatorsOut,
    MonthlyIn,
    MonthlyOut,
    ProfileIn,
    ProfileOut,
)
from parkpilot.pagination import LimitOffsetPagination
from parkpilot.tenancy import selectors as tenancy
from parkpilot.tenancy.auth import via_of
from parkpilot.tenancy.errors import NotFound

router = Router(tags=["economy"])
MAX_UPLOAD = 10 * 1024 * 1024


def _park(user):
    park = tenancy.park_of(user)
    if park is None:
        raise NotFound
    return park


@router.get("/indicators", response=IndicatorsOut)
def indicators(
    request: HttpRequest,
    year: int = Query(..., ge=2000, le=2100),  # the bounds of MonthlyIn: a year the data can hold
    month: int = 12,
    mode: str = "ytd",
):
    """规上工业总产值, 规上工业增加值, 高新技术产业增加值 (and share), 高端装备制造业增加值 for
    a month (`mode=month`) or January to it (`mode=ytd`), growth on a comparable basis."""
    selectors.require_park_reader(request.auth)
    return selectors.park_indicators(
        user=request.auth,
        park_id=_park(request.auth).pk,
        year=year,
        month=min(max(month, 1), 12),
        mode="month" if mode == "month" else "ytd",
    )


@router.get("/monthly", response=list[MonthlyOut])
@paginate(LimitOffsetPagination)
def monthly_list(
    request: HttpRequest,
    year: int | None = Query(None, ge=2000, le=2100),
    month: int | None = Query(None, ge=1, le=12),
    enterprise_id: int | None = None,
):
    return selectors.monthly_list(
        user=request.auth, year=year, month=month, enterprise_id=enterprise_id
    )


@router.post("/monthly", response={200: MonthlyOut, 201: MonthlyOut})
def monthly_save(request: HttpRequest, payload: MonthlyIn):
    """Create or replace one enterprise's figures for one month (fields left out are kept)."""
    enterprise = tenancy.enterprise_get(user=request.auth, enterprise_id=payload.enterprise_id)
    values = {k: v for k, v in payload.dict(exclude_unset=True).items() if k in MEASURES}
    row = services.monthly_save(
        actor=request.auth,
        via=via_of(request),
        enterprise=enterprise,
        year=payload.year,
        month=payload.month,
        values=values,
    )
    status = 201 if row.created else 200
    return status, selectors.monthly_get(user=request.auth, monthly_id=row.pk)


@router.post("/import", response={201: ImportOut, 422: ImportErrorsOut})
def workbook_import(request: HttpRequest, file: File[UploadedFile]):
    """The statistics office's workbook: one sheet per month ("2022-01"), a header row, one row
    per enterprise. Any bad cell refuses the whole file; each error names sheet, row, column."""
    if file.size > MAX_UPLOAD:
        return 422, {
            "detail": [
                {
                    "sheet": "",
                    "row": None,
                    "column": None,
                    "reason": gettext("The file is over 10 MB."),
                    "code": "too_large",
                }
            ]
        }
    try:
        return 201, services.workbook_import(
            actor=request.auth,
            via=via_of(request),
            park=_park(request.auth),
            file_name=file.name or "upload.xlsx",
            content=file.read(),
        )
    except ImportRejected as exc:
        return 422, {"detail": [e.as_dict() for e in exc.cell_errors]}


@router.put("/profiles/{enterprise_id}", response=ProfileOut)
def profile_save(request: HttpRequest, enterprise_id: int, payload: ProfileIn):
    """How the statistics office classifies an enterprise (park staff only)."""
    enterprise = tenancy.enterprise_get(user=request.auth, enterprise_id=enterprise_id)
    return services.profile_save(
        actor=request.auth,
        via=via_of(request),
        enterprise=enterprise,
        high_tech=payload.high_tech,
        high_end_equipment=payload.high_end_equipment,
    )
