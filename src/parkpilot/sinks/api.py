"""/api/v1/sinks: the registry's totals, projects, the caller's holdings and statement; retire,
buy from a listing, bid in an auction. Thin: selectors read (through the access rule), the
same services as the pages write (their refusals are the one validation)."""

from django.http import HttpRequest
from ninja import Router

from parkpilot.sinks import rules, selectors, services
from parkpilot.sinks.models import Auction, AuctionState, Listing
from parkpilot.sinks.schemas import (
    BidIn,
    BidOut,
    BuyIn,
    EventOut,
    HoldingsOut,
    ProjectDetailOut,
    ProjectOut,
    RegistryOut,
    RetireIn,
    StatementOut,
    TradeOut,
)
from parkpilot.tenancy import access
from parkpilot.tenancy.auth import via_of
from parkpilot.tenancy.errors import Forbidden, NotFound

router = Router(tags=["sinks"])


def _enterprise(request):
    """The caller's own enterprise: holdings and statements are an enterprise's."""
    enterprise = request.auth.enterprise
    if enterprise is None:
        raise NotFound
    return enterprise


@router.get("/registry", response=RegistryOut)
def registry(request: HttpRequest):
    """The park's registry: tonnes by state, traded and their value, and its own check."""
    user = request.auth
    if not rules.REGISTRY.allows(user):
        raise Forbidden
    totals = selectors.registry_totals(user=user)
    traded = totals["traded"]
    return totals | {
        "average_price": selectors.average_price(totals["traded_yuan"], traded),
        "problems": selectors.registry_violations(park_id=user.park_id),
    }


@router.get("/projects", response=list[ProjectOut])
def projects(request: HttpRequest):
    return selectors.project_list(user=request.auth)


@router.get("/projects/{project_id}", response=ProjectDetailOut)
def project(request: HttpRequest, project_id: int):
    """A project with its plots (expected removals per year), vintages, listings with tonnes
    left and open auctions."""
    user = request.auth
    found = selectors.project_get(user=user, project_id=project_id)
    plots = [
        {
            "id": p.pk, "owner_name": p.owner_name, "owner_kind": p.owner_kind,
            "area_ha": p.area_ha, "species": p.species, "age_class": p.age_class,
            "share": p.share, "expected_t_per_year": selectors.expected_removals(p),
            "outline": p.outline,
        }
        for p in found.plots.order_by("id")
    ]  # fmt: skip
    return {
        "id": found.pk,
        "code": found.code,
        "name": found.name,
        "seller": found.seller,
        "methodology": found.methodology.code,
        "plots": plots,
        "issuances": list(found.issuances.order_by("vintage", "first")),
        "listings": list(
            access.scoped(user, Listing).filter(project=found, remaining__gt=0).order_by("id")
        ),
        "auctions": list(
            access.scoped(user, Auction)
            .filter(project=found, state=AuctionState.OPEN)
            .order_by("id")
        ),
    }


@router.get("/holdings", response=HoldingsOut)
def holdings(request: HttpRequest):
    """The caller's enterprise: live tonnes by project and vintage, retired by year."""
    enterprise = _enterprise(request)
    return selectors.holdings(user=request.auth, enterprise_id=enterprise.pk)


@router.get("/statement", response=StatementOut)
def statement(request: HttpRequest):
    """The caller's enterprise's movements, newest first with the balance after each, and the
    serial blocks it holds."""
    enterprise = _enterprise(request)
    found = selectors.statement(user=request.auth, enterprise_id=enterprise.pk)
    found["lines"] = [line | {"what": str(line["what"])} for line in found["lines"]]
    return found


@router.post("/retire", response={201: EventOut})
def retire(request: HttpRequest, payload: RetireIn):
    """Retire the enterprise's own live tonnes against a year's emissions (its admin; final)."""
    enterprise = _enterprise(request)
    return 201, services.retire(
        actor=request.auth,
        via=via_of(request),
        enterprise=enterprise,
        quantity=payload.quantity,
        year=payload.year,
        # The key is the caller's own: another enterprise's same key is another retirement.
        key=f"api:{enterprise.pk}:retire:{payload.key}",
    )


@router.post("/listings/{listing_id}/buy", response={201: TradeOut})
def buy(request: HttpRequest, listing_id: int, payload: BuyIn):
    """Buy part of a fixed-price listing (挂牌协议) at its price."""
    enterprise = _enterprise(request)
    listing = access.get_for(request.auth, Listing, listing_id)
    return 201, services.listing_buy(
        actor=request.auth,
        via=via_of(request),
        listing=listing,
        quantity=payload.quantity,
        key=f"api:{enterprise.pk}:buy:{payload.key}",
    )


@router.post("/auctions/{auction_id}/bids", response={201: BidOut})
def bid(request: HttpRequest, auction_id: int, payload: BidIn):
    """Bid in an open one-sided auction (单向竞价): whole tonnes, whole fen, at least the floor."""
    auction = access.get_for(request.auth, Auction, auction_id)
    return 201, services.bid_place(
        actor=request.auth,
        via=via_of(request),
        auction=auction,
        price=payload.price,
        lots=payload.lots,
    )
