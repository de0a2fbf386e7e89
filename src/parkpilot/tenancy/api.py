import datetime

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate

from parkpilot.inputs import Fields
from parkpilot.pagination import LimitOffsetPagination
from parkpilot.tenancy import selectors, services
from parkpilot.tenancy.auth import via_of
from parkpilot.tenancy.errors import NotFound
from parkpilot.tenancy.schemas import (
    AuditEntryOut,
    EnterpriseIn,
    EnterpriseOut,
    EnterprisePatch,
    MeOut,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
    ZoneOut,
)

router = Router(tags=["tenancy"])


@router.get("/me", response=MeOut)
def me(request: HttpRequest):
    return request.auth


@router.get("/zones", response=list[ZoneOut])
def zone_list(request: HttpRequest):
    return selectors.zone_list(user=request.auth)


@router.get("/enterprises", response=list[EnterpriseOut])
@paginate(LimitOffsetPagination)
def enterprise_list(request: HttpRequest, zone_id: int | None = None, q: str = ""):
    return selectors.enterprise_list(user=request.auth, zone_id=zone_id, q=q)


@router.post("/enterprises", response={201: EnterpriseOut})
def enterprise_create(request: HttpRequest, payload: EnterpriseIn):
    park = selectors.park_of(request.auth)
    if park is None:
        raise NotFound
    enterprise = services.enterprise_create(
        actor=request.auth, via=via_of(request), park=park, data=payload.dict()
    )
    return 201, selectors.enterprise_get(user=request.auth, enterprise_id=enterprise.pk)


@router.get("/enterprises/{enterprise_id}", response=EnterpriseOut)
def enterprise_detail(request: HttpRequest, enterprise_id: int):
    return selectors.enterprise_get(user=request.auth, enterprise_id=enterprise_id)


@router.patch("/enterprises/{enterprise_id}", response=EnterpriseOut)
def enterprise_update(request: HttpRequest, enterprise_id: int, payload: EnterprisePatch):
    enterprise = selectors.enterprise_get(user=request.auth, enterprise_id=enterprise_id)
    services.enterprise_update(
        actor=request.auth,
        via=via_of(request),
        enterprise=enterprise,
        changes=payload.dict(exclude_unset=True),
    )
    return selectors.enterprise_get(user=request.auth, enterprise_id=enterprise_id)


@router.get("/audit", response=list[AuditEntryOut])
@paginate(LimitOffsetPagination)
def audit_log(
    request: HttpRequest,
    object_type: str = "",
    object_id: str = "",
    actor: str = "",
    action: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
):
    """Newest first. `action` matches by prefix (`login.`: every sign-in); `since`/`until` are
    inclusive days, 2000-01-01 to 2100-12-31."""
    fields = Fields()
    since, until = (
        selectors.audit_day(fields, n, v) for n, v in (("since", since), ("until", until))
    )
    fields.check()
    return selectors.audit_log_list(
        user=request.auth,
        object_type=object_type,
        object_id=object_id,
        actor=actor,
        action=action,
        since=since,
        until=until,
    )


@router.get("/tokens", response=list[TokenOut])
@paginate(LimitOffsetPagination)
def token_list(request: HttpRequest, everyone: bool = False):
    """Your tokens; `everyone=true`: every token you manage (a park admin: the park's)."""
    return selectors.api_token_list(user=request.auth, everyone=everyone)


@router.post("/tokens", response={201: TokenCreatedOut})
def token_create(request: HttpRequest, payload: TokenIn):
    """A new token for yourself. The secret is in this answer only."""
    token, secret = services.api_token_issue(
        actor=request.auth, via=via_of(request), user=request.auth, **payload.dict()
    )
    token.secret = secret
    return 201, token


@router.post("/tokens/{token_id}/revoke", response=TokenOut)
def token_revoke(request: HttpRequest, token_id: int):
    token = selectors.api_token_get(user=request.auth, token_id=token_id)
    return services.api_token_revoke(actor=request.auth, via=via_of(request), token=token)
