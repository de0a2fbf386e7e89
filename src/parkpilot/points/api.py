"""/api/v1/points: a member's own card, statement and orders; the catalogue; staff's goods,
rules and bulk awards. Thin: selectors read (through the access rule), services write."""

from django.http import HttpRequest
from ninja import File, Router
from ninja.files import UploadedFile

from parkpilot.points import selectors, services, xlsx
from parkpilot.points.schemas import (
    GoodIn,
    GoodOut,
    ImportedOut,
    MemberOut,
    RedemptionOut,
    ReserveIn,
    RuleIn,
    RuleOut,
    StatementOut,
    StockIn,
)
from parkpilot.tenancy.auth import via_of
from parkpilot.tenancy.errors import NotFound

router = Router(tags=["points"])


def _me(request):
    member = selectors.member_of(user=request.auth)
    if member is None:
        raise NotFound
    return member


@router.get("/me", response=MemberOut)
def me(request: HttpRequest):
    """The person's own member card: 404 until they open the card page once."""
    return _me(request)


@router.get("/me/statement", response=StatementOut)
def statement(request: HttpRequest):
    member = _me(request)
    return {
        "balance": member.account.balance,
        "lots": selectors.lots_of(member=member),
        "lines": selectors.history(member=member),
    }


@router.get("/me/redemptions", response=list[RedemptionOut])
def my_redemptions(request: HttpRequest):
    return selectors.my_redemptions(member=_me(request))


@router.post("/redemptions/{redemption_id}/cancel", response=RedemptionOut)
def cancel(request: HttpRequest, redemption_id: int):
    redemption = selectors.my_redemption(user=request.auth, redemption_id=redemption_id)
    return services.redemption_void(actor=request.auth, via=via_of(request), redemption=redemption)


@router.get("/goods", response=list[GoodOut])
def catalogue(request: HttpRequest):
    return selectors.catalogue(user=request.auth)


@router.post("/goods/{good_id}/reserve", response={201: RedemptionOut})
def reserve(request: HttpRequest, good_id: int, payload: ReserveIn):
    good = selectors.good_get(user=request.auth, good_id=good_id)
    member = services.member_for_person(user=request.auth, via=via_of(request))
    return 201, services.redemption_reserve(
        actor=request.auth,
        via=via_of(request),
        member=member,
        good=good,
        quantity=payload.quantity,
    )


@router.post("/goods", response={201: GoodOut})
def good_create(request: HttpRequest, payload: GoodIn):
    return 201, services.good_create(
        actor=request.auth, via=via_of(request), park=request.auth.park, **payload.dict()
    )


@router.post("/goods/{good_id}/stock", response=GoodOut)
def stock_move(request: HttpRequest, good_id: int, payload: StockIn):
    good = selectors.good_for_staff(user=request.auth, good_id=good_id)
    return services.stock_move(
        actor=request.auth,
        via=via_of(request),
        good=good,
        change=payload.change,
        reason=payload.reason,
    )


@router.get("/rules", response=list[RuleOut])
def rules(request: HttpRequest):
    return selectors.rules(user=request.auth)


@router.post("/rules", response={201: RuleOut})
def rule_create(request: HttpRequest, payload: RuleIn):
    return 201, services.rule_create(
        actor=request.auth, via=via_of(request), park=request.auth.park, data=payload.dict()
    )


@router.post("/awards/xlsx", response=ImportedOut)
def awards_xlsx(
    request: HttpRequest,
    file: UploadedFile = File(...),  # noqa: B008 (ninja declares form parts this way)
):
    """Bulk awards from an XLSX (会员卡号, 规则, 来源): all rows or none; a bad file answers 422
    naming each bad row and column."""
    return xlsx.import_awards(
        actor=request.auth, via=via_of(request), park=request.auth.park, file=file
    )
