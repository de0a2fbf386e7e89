"""The land and space API at /api/v1/space/: the park's parcels and buildings with a building's
occupancy (park roles), and the 亩均 evaluation (staff every enterprise, an enterprise its own:
404 for anyone else's). Reads only; the pages and these call the same selectors."""

import datetime

from django.utils import timezone
from ninja import Router

from parkpilot.space import selectors
from parkpilot.space.schemas import BuildingOut, MujunOut, OccupancyOut, ParcelOut
from parkpilot.tenancy.errors import NotFound

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
