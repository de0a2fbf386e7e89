"""/api/v1/carbon/green-power and /scope2: green power purchases and certificates, and both
scope 2 figures. Handlers authorize through selectors/services and hold no rules."""

from django.http import HttpRequest
from ninja import Router

from parkpilot.carbon import selectors_green, services_green
from parkpilot.carbon.models import Level
from parkpilot.carbon.periods import parse
from parkpilot.carbon.schemas import GreenPowerIn, GreenPowerOut, Scope2Out
from parkpilot.tenancy import access
from parkpilot.tenancy import selectors as tenancy
from parkpilot.tenancy.auth import via_of
from parkpilot.tenancy.errors import NotFound
from parkpilot.tenancy.models import Enterprise

router = Router(tags=["carbon"])


def _park(user):
    park = tenancy.park_of(user)
    if park is None:
        raise NotFound
    return park


def purchase_out(p) -> dict:
    return {
        "id": p.pk, "enterprise_id": p.enterprise_id, "enterprise_name": p.enterprise.name,
        "kind": p.kind, "quantity_mwh": float(p.quantity_mwh),
        "period_start": p.period_start.isoformat(), "period_end": p.period_end.isoformat(),
        "seller": p.seller, "reference": p.reference,
        "certificates": [c.serial for c in p.certificates.all()], "is_demo": p.is_demo,
    }  # fmt: skip


@router.get("/green-power", response=list[GreenPowerOut])
def purchase_list(request: HttpRequest, enterprise_id: int | None = None):
    rows = selectors_green.purchase_list(
        user=request.auth, park_id=_park(request.auth).pk, enterprise_id=enterprise_id
    )
    return [purchase_out(p) for p in rows]


@router.post("/green-power", response={201: GreenPowerOut})
def purchase_create(request: HttpRequest, body: GreenPowerIn):
    p = services_green.purchase_create(
        actor=request.auth, via=via_of(request), park=_park(request.auth), **body.dict()
    )
    return 201, purchase_out(p)


@router.get("/scope2", response=Scope2Out)
def scope2(request: HttpRequest, enterprise_id: int, period: str, level: str = Level.MONTH):
    """Location-based and market-based scope 2 of one enterprise (GHG Protocol dual reporting)."""
    park = _park(request.auth)
    ent = access.get_for(request.auth, Enterprise, enterprise_id)
    return selectors_green.enterprise_scope2(
        user=request.auth, park=park, enterprise=ent, per=parse(level, period, park.timezone)
    )
