"""The land and space API at /api/v1/space/: the park's parcels and buildings with a building's
occupancy (park roles), the 亩均 evaluation (staff every enterprise, an enterprise its own:
404 for anyone else's), and the incubation ladder: its spaces (park roles), the steps (staff
all, an enterprise its own) and a move up (staff). Staff write parcels, their steps and
outlines, and leases. The pages and these call the same selectors and services; an id in a
body that the caller cannot see is refused naming its field (422), one in the path is 404."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy
from ninja import Router

from parkpilot.projects.models import Project
from parkpilot.space import selectors, selectors_ladder, services, services_ladder
from parkpilot.space.models import Lease, Unit
from parkpilot.space.schemas import (
    BuildingOut,
    IncubationSpaceOut,
    LadderMoveIn,
    LadderStepOut,
    LeaseEndIn,
    LeaseIn,
    LeaseOut,
    MujunOut,
    OccupancyOut,
    OutlineIn,
    ParcelIn,
    ParcelOut,
    StepIn,
    StepOut,
)
from parkpilot.tenancy import access
from parkpilot.tenancy.auth import via_of
from parkpilot.tenancy.errors import Code, NotFound, ValidationFailed
from parkpilot.tenancy.models import Enterprise, Zone

router = Router(tags=["space"])
_UNKNOWN = gettext_lazy("Not one of the choices.")


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


def _chosen(user, model, pk: int | None, field: str):
    """The object a body names by id among those the user may read (None for no id)."""
    if pk is None:
        return None
    try:
        return access.get_for(user, model, pk)
    except NotFound:
        raise ValidationFailed.single(field, str(_UNKNOWN), Code.UNKNOWN) from None


@router.post("/parcels", response={201: ParcelOut})
def parcel_create(request, body: ParcelIn):
    user = request.auth
    parcel = services.parcel_create(
        actor=user, via=via_of(request), park=_park(user), code=body.code, name=body.name,
        kind=body.kind, use=body.use, area_m2=body.area_m2, planned_far=body.planned_far,
        zone=_chosen(user, Zone, body.zone_id, "zone_id"),
        enterprise=_chosen(user, Enterprise, body.enterprise_id, "enterprise_id"),
        project=_chosen(user, Project, body.project_id, "project_id"),
    )  # fmt: skip
    return 201, selectors.parcel_get(user=user, parcel_id=parcel.pk)


@router.post("/parcels/{parcel_id}/steps", response={201: StepOut})
def parcel_step(request, parcel_id: int, body: StepIn):
    parcel = selectors.parcel_get(user=request.auth, parcel_id=parcel_id)
    step = services.parcel_step(actor=request.auth, via=via_of(request), parcel=parcel,
                                status=body.status, on=body.on, document=body.document)  # fmt: skip
    return 201, step


@router.put("/parcels/{parcel_id}/outline", response=ParcelOut)
def parcel_outline(request, parcel_id: int, body: OutlineIn):
    parcel = selectors.parcel_get(user=request.auth, parcel_id=parcel_id)
    services.parcel_outline_set(actor=request.auth, via=via_of(request), parcel=parcel,
                                outline=body.outline, datum=body.datum)  # fmt: skip
    return selectors.parcel_get(user=request.auth, parcel_id=parcel_id)


@router.post("/leases", response={201: LeaseOut})
def lease_create(request, body: LeaseIn):
    user = request.auth
    lease = services.lease_create(
        actor=user, via=via_of(request), unit=_chosen(user, Unit, body.unit_id, "unit_id"),
        enterprise=_chosen(user, Enterprise, body.enterprise_id, "enterprise_id"),
        start=body.start, end=body.end,
    )  # fmt: skip
    return 201, lease


@router.post("/leases/{lease_id}/end", response=LeaseOut)
def lease_end(request, lease_id: int, body: LeaseEndIn):
    lease = access.get_for(request.auth, Lease, lease_id)
    return services.lease_end(actor=request.auth, via=via_of(request), lease=lease, end=body.end)
