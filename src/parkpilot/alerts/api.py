from ninja import Router
from ninja.pagination import paginate

from parkpilot.alerts import selectors, services
from parkpilot.alerts.schemas import AlertOut, CloseIn
from parkpilot.pagination import LimitOffsetPagination
from parkpilot.tenancy.auth import via_of

router = Router(tags=["alerts"])


@router.get("", response=list[AlertOut])
@paginate(LimitOffsetPagination)
def alert_list(request, source: str = "", state: str = "", kind: str = ""):
    return selectors.alert_list(user=request.auth, source=source, state=state, kind=kind)


@router.get("/{alert_id}", response=AlertOut)
def alert_detail(request, alert_id: int):
    return selectors.alert_get(user=request.auth, alert_id=alert_id)


@router.post("/{alert_id}/acknowledge", response=AlertOut)
def alert_acknowledge(request, alert_id: int):
    alert = selectors.alert_get(user=request.auth, alert_id=alert_id)
    return services.alert_acknowledge(actor=request.auth, via=via_of(request), alert=alert)


@router.post("/{alert_id}/close", response=AlertOut)
def alert_close(request, alert_id: int, data: CloseIn):
    alert = selectors.alert_get(user=request.auth, alert_id=alert_id)
    return services.alert_close(
        actor=request.auth, via=via_of(request), alert=alert, reason=data.reason
    )
