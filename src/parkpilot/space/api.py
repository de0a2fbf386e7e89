"""The land and space API at /api/v1/space/: the park's parcels and buildings with a building's
occupancy (park roles), the 亩均 evaluation (staff every enterprise, an enterprise its own:
404 for anyone else's), and the incubation ladder: its spaces (park roles), the steps (staff
all, an enterprise its own) and a move up (staff). The pages and these call the same
selectors and services."""

import datetime

from django.utils import timezone
from ninja import Router

from parkpilot.space import selectors, selectors_ladder, services_ladder
from parkpilot.space.schemas import (
    BuildingOut,
    IncubationSpaceOut,
    LadderMoveIn,
    LadderStepOut,
    MujunOut,
    OccupancyOut,
    ParcelOut,
)
from parkpilot.tenancy import access
from parkpilot.tenancy.errors import NotFound
from parkpilot.tenancy.models import Enterprise

router = Router(tags=["space"])


@router.get("/parcels", response=list[ParcelOut])
def parcel_list(request):
    return list(selectors.parcel_list(user=request.auth).prefetch_related("steps"))


@router.get("/parcels/{parcel_id}", response=ParcelOut)
def parcel_detail(request, parcel_id: int):
    return selectors.parcel_get(user=request.auth, parcel_id=parcel_id)


@router.get("/buildings", response=list[BuildingOut])
def building_list(request):
    return list(selectors.building_list(user=request.auth))


@router.get("/buildings/{building_id}/occupancy", response=OccupancyOut)
def building_occupancy(request, building_id: int, day: datetime.date | None = None):
    building = selectors.building_get(user=request.auth, building_id=building_id)
    return selectors.occupancy(user=request.auth, building=building,
                               day=day or timezone.localdate())  # fmt: skip


def _park(user):
    if user.park_id is None:
        raise NotFound
    return user.park


@router.get("/mujun/{year}", response=list[MujunOut])
def mujun_year(request, year: int):
    return selectors.mujun_year(user=request.auth, park=_park(request.auth), year=year)


@router.get("/mujun/{year}/{enterprise_id}", response=MujunOut)
def mujun_enterprise(request, year: int, enterprise_id: int):
    return selectors.mujun_for(user=request.auth, park=_park(request.auth), year=year,
                               enterprise_id=enterprise_id)  # fmt: skip


@router.get("/incubation/spaces", response=list[IncubationSpaceOut])
def incubation_spaces(request):
    return selectors_ladder.space_list(user=request.auth)


@router.get("/incubation/steps", response=list[LadderStepOut])
def ladder_steps(request):
    return list(selectors_ladder.step_list(user=request.auth))


@router.post("/incubation/moves", response={201: LadderStepOut})
def ladder_move(request, body: LadderMoveIn):
    """404 for an enterprise or space the caller cannot see, as for any object."""
    enterprise = access.get_for(request.auth, Enterprise, body.enterprise_id)
    space = selectors_ladder.space_get(user=request.auth, space_id=body.space_id)
    step = services_ladder.ladder_move_up(actor=request.auth, via="api", enterprise=enterprise,
                                          space=space, on=body.on)  # fmt: skip
    return 201, step
