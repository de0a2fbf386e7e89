"""Grid governance's API for signed-in clients (/api/v1/grid/); the public Open311 endpoint is
open311.py. Handlers validate and call the selectors."""

from typing import Literal

from ninja import Query, Router, Schema
from ninja.pagination import paginate

from parkpilot.grid import selectors, services
from parkpilot.grid.schemas import CaseOut, GridOut, LocateOut
from parkpilot.pagination import LimitOffsetPagination
from parkpilot.tenancy import selectors as tenancy
from parkpilot.tenancy.errors import NotFound

router = Router(tags=["grid"])


@router.get("/grids", response=list[GridOut])
@paginate(LimitOffsetPagination)
def grid_list(request):
    park = tenancy.park_of(request.auth)
    return selectors.current_grids(user=request.auth, park=park) if park else []


class LocateIn(Schema):
    lon: float
    lat: float
    datum: Literal["wgs84", "gcj02"] = "wgs84"


@router.get("/locate", response=LocateOut)
def locate(request, q: Query[LocateIn]):
    """The current grid holding a point (GCJ-02 from a phone's map is converted to WGS84)."""
    park = tenancy.park_of(request.auth)
    if park is None:
        raise NotFound
    lon, lat = services.read_point(q.lon, q.lat, q.datum)
    return {
        "grid": selectors.locate(user=request.auth, park=park, lon=lon, lat=lat),
        "lon": lon,
        "lat": lat,
    }


@router.get("/cases", response=list[CaseOut])
@paginate(LimitOffsetPagination)
def case_list(request, status: str = "", grid_id: int | None = None):
    return selectors.case_list(user=request.auth, status=status, grid_id=grid_id)


@router.get("/cases/{case_id}", response=CaseOut)
def case_detail(request, case_id: int):
    return selectors.case_get(user=request.auth, case_id=case_id)
