"""Writes of the sink registry: issuing, transferring, retiring and cancelling credits, and the
auctions that sell them. Keyword-only, atomic, audited, idempotent per key.

Every movement takes the source's live blocks in serial order, cuts them where a quantity ends
(`_allocate`) and hands the pieces on; the same quantities are posted to the ledger core
(unit tCO2e) in the same transaction, so the two books can be checked against each other
(selectors.registry_violations)."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from parkpilot.ledger import services as ledger
from parkpilot.ledger.models import Unit
from parkpilot.sinks import auction as clearing
from parkpilot.sinks.errors import ErrorCode
from parkpilot.sinks.models import (
    Auction,
    AuctionState,
    Bid,
    Block,
    BlockState,
    Event,
    Issuance,
    Listing,
    Project,
    ProjectSeller,
    Trade,
)
from parkpilot.sinks.roles import SINKS_SELLER
from parkpilot.tenancy import access
from parkpilot.tenancy.audit import audit_record
from parkpilot.tenancy.errors import Code, FieldError, NotFound, ValidationFailed
from parkpilot.tenancy.models import Enterprise, Park, User

# Ledger owners of the registry's own accounts (the holders' are "sinks.<holder>").
ISSUED, RETIRED, CANCELLED = "sinks.issued", "sinks.retired", "sinks.cancelled"
MAX_QUANTITY = 100_000_000  # tonnes in one event: far above any forest project


def project_holder(project: Project) -> str:
    return f"project:{project.pk}"


def enterprise_holder(enterprise: Enterprise) -> str:
    return f"enterprise:{enterprise.pk}"


def _account(park: Park, owner: str, *, guarded: bool = True):
    return ledger.account_open(park=park, unit=Unit.TCO2E, owner=owner, guarded=guarded)


def _quantity(value, field: str = "quantity") -> int:
    """Whole tonnes: one serial each."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        message = _("Must be a whole number of tonnes.")
        raise ValidationFailed.single(field, message, Code.NOT_A_NUMBER) from None
    if (
        not number.is_finite()
        or number != number.to_integral_value()
        or not 1 <= number <= MAX_QUANTITY
    ):
        message = _("Must be a whole number of tonnes, at least 1.")
        raise ValidationFailed.single(field, message, Code.OUT_OF_RANGE)
    return int(number)


def _replayed(park: Park, key: str) -> Event | None:
    return Event.objects.filter(park=park, key=key).first()


# --- sellers ------------------------------------------------------------------------------


@transaction.atomic
def seller_add(*, actor, via: str, project: Project, user: User) -> ProjectSeller:
    """Name a person as acting for the project's seller: they then read its sales, statement
    and proceeds on the sellers' pages. The person must be of the project's park and hold the
    role sinks_seller (granted on the people page); naming them twice changes nothing."""
    access.require(actor, access.CREATE, ProjectSeller)
    if user.park_id != project.park_id:
        raise ValidationFailed.single("user", _("Not a person of this park."), Code.UNKNOWN)
    if SINKS_SELLER not in user.roles:
        message = _("Grant the person the role of forest sink seller first.")
        raise ValidationFailed.single("user", message, Code.INVALID)
    link, created = ProjectSeller.objects.get_or_create(project=project, user=user)
    if created:
        audit_record(
            actor=actor, via=via, action="sinks.seller_add", obj=link, before=None,
            after={"project": project.pk, "user": user.pk}, park_id=project.park_id,
        )  # fmt: skip
    return link


# --- the registry -------------------------------------------------------------------------


@transaction.atomic
def issue(
    *, actor, via: str, project: Project, vintage: int, quantity, verification: str, key: str
) -> Event:
    """A vintage's verified removals as a new block of serials, held by the project."""
    access.require(actor, access.CREATE, Issuance)
    if (done := _replayed(project.park, key)) is not None:
        return done
    quantity = _quantity(quantity)
    errors = []
    if not (isinstance(vintage, int) and 2000 <= vintage <= timezone.localdate().year):
        errors.append(
            FieldError("vintage", _("A past or this year, from 2000."), Code.OUT_OF_RANGE)
        )
    if not str(verification or "").strip():
        errors.append(FieldError("verification", _("Name the verification report."), Code.REQUIRED))
    if errors:
        raise ValidationFailed(errors)
    Park.objects.select_for_update().get(pk=project.park_id)  # one issuer at a time: serials
    first = (Issuance.objects.filter(park=project.park).aggregate(m=Max("last"))["m"] or 0) + 1
    issuance = Issuance.objects.create(
        park=project.park,
        project=project,
        vintage=vintage,
        quantity=quantity,
        first=first,
        last=first + quantity - 1,
        verification=verification.strip(),
    )
    holder = project_holder(project)
    event = _event(project.park, key, "issue", quantity, "", holder, actor)
    Block.objects.create(
        park=project.park,
        issuance=issuance,
        first=issuance.first,
        last=issuance.last,
        holder=holder,
        state=BlockState.LIVE,
        event=event,
    )
    ledger.post(
        park=project.park,
        key=f"sinks:{key}",
        kind="sinks.issue",
        actor=actor,
        lines=[
            (_account(project.park, ISSUED, guarded=False), -quantity),
            (_account(project.park, f"sinks.{holder}"), quantity),
        ],
    )
    audit_record(
        actor=actor,
        via=via,
        action="sinks.issue",
        obj=issuance,
        before=None,
        after={"quantity": quantity, "first": first, "vintage": vintage},
        park_id=project.park_id,
    )
    return event


@dataclass(frozen=True)
class Move:
    """One allocation of a movement: `quantity` tonnes to `holder` in `state`."""

    quantity: int
    holder: str
    enterprise_id: int | None
    state: str = BlockState.LIVE
    year: int | None = None
    event: Event | None = None


def _allocate(blocks: list[Block], moves: list[Move]) -> tuple[list[Block], list[Block]]:
    """Hand the source's blocks (in serial order) to the moves in turn, cutting a block where a
    move's quantity ends. Returns the rows to update and the new rows (the cut-off pieces)."""
    updated, created = [], []
    pending = [[move, move.quantity] for move in moves]
    for block in blocks:
        if not pending:
            break
        pieces, start = [], block.first
        while start <= block.last and pending:
            move, left = pending[0]
            take = min(left, block.last - start + 1)
            pieces.append((start, start + take - 1, move))
            start += take
            pending[0][1] -= take
            if pending[0][1] == 0:
                pending.pop(0)
        if start <= block.last:
            pieces.append((start, block.last, None))  # the rest stays with the source
        original = (block.holder, block.holder_enterprise_id, block.state, block.event_id)
        for n, (first, last, move) in enumerate(pieces):
            row = block if n == 0 else _piece_of(block, original)
            row.first, row.last = first, last
            if move is not None:
                row.holder, row.holder_enterprise_id = move.holder, move.enterprise_id
                row.state, row.retired_for_year, row.event = move.state, move.year, move.event
            (updated if n == 0 else created).append(row)
    return updated, created


def _piece_of(block: Block, original: tuple) -> Block:
    """A new row for a cut-off piece of `block`, as the block was before this movement."""
    holder, enterprise_id, state, event_id = original
    return Block(
        park_id=block.park_id,
        issuance_id=block.issuance_id,
        holder=holder,
        holder_enterprise_id=enterprise_id,
        state=state,
        event_id=event_id,
    )


def _move(park: Park, source: str, moves: list[Move], *, kind: str, actor, keys: list[str]) -> None:
    """Move the moves' tonnes out of `source`'s live blocks and post them to the ledger."""
    needed = sum(m.quantity for m in moves)
    blocks = list(
        Block.objects.select_for_update()
        .filter(park=park, holder=source, state=BlockState.LIVE)
        .order_by("first")
    )
    held = sum(b.size for b in blocks)
    if held < needed:
        reason = _("Holds %(held)d t live, %(needed)d t asked.") % {"held": held, "needed": needed}
        raise ValidationFailed.single("quantity", reason, ErrorCode.NOT_ENOUGH_CREDITS)
    updated, created = _allocate(blocks, moves)
    fields = ["first", "last", "holder", "holder_enterprise", "state", "retired_for_year", "event"]
    Block.objects.bulk_update(updated, fields, batch_size=1000)
    Block.objects.bulk_create(created, batch_size=1000)
    source_account = _account(park, f"sinks.{source}")
    targets = {}  # one account lookup per target, not per move (an auction's many fills)
    drafts = []
    for move, key in zip(moves, keys, strict=True):
        if (move.holder, move.state) not in targets:
            targets[move.holder, move.state] = _target_account(park, move)
        target = targets[move.holder, move.state]
        lines = [(source_account, -move.quantity), (target, move.quantity)]
        drafts.append(ledger.Draft(key=f"sinks:{key}", kind=kind, lines=lines))
    ledger.post_many(park=park, drafts=drafts, actor=actor)


def _target_account(park: Park, move: Move):
    if move.state == BlockState.RETIRED:
        return _account(park, RETIRED, guarded=False)
    if move.state == BlockState.CANCELLED:
        return _account(park, CANCELLED, guarded=False)
    return _account(park, f"sinks.{move.holder}")


def _event(park, key, kind, quantity, source, target, actor) -> Event:
    return Event.objects.create(
        park=park,
        key=key,
        kind=kind,
        quantity=quantity,
        source=source,
        target=target,
        actor_label=getattr(actor, "username", "system"),
    )


@transaction.atomic
def transfer(
    *, actor, via: str, park: Park, source: str, to: Enterprise, quantity, key: str
) -> Event:
    """Move live tonnes from a holder (a project or an enterprise) to an enterprise."""
    access.require(actor, access.CHANGE, Block)
    if (done := _replayed(park, key)) is not None:
        return done
    quantity = _quantity(quantity)
    target = enterprise_holder(to)
    event = _event(park, key, "transfer", quantity, source, target, actor)
    _move(
        park,
        source,
        [Move(quantity, target, to.pk, event=event)],
        kind="sinks.transfer",
        actor=actor,
        keys=[key],
    )
    audit_record(
        actor=actor,
        via=via,
        action="sinks.transfer",
        obj=event,
        before=None,
        after={"from": source, "to": target, "quantity": quantity},
        park_id=park.pk,
    )
    return event


@transaction.atomic
def retire(*, actor, via: str, enterprise: Enterprise, quantity, year, key: str) -> Event:
    """The enterprise retires its own live tonnes against a year's emissions: final. A retired
    serial is the enterprise's claim alone (it leaves every holder's balance)."""
    access.require(actor, "retire", Block)
    if not actor.is_superuser and actor.enterprise_id != enterprise.pk:
        raise NotFound  # another enterprise's holdings are not even there for this actor
    park = enterprise.park
    if (done := _replayed(park, key)) is not None:
        return done
    quantity = _quantity(quantity)
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationFailed.single("year", _("A year, e.g. 2026."), Code.NOT_A_NUMBER) from None
    if not 2000 <= year <= timezone.localdate().year:
        raise ValidationFailed.single(
            "year", _("A past or this year, from 2000."), Code.OUT_OF_RANGE
        )
    holder = enterprise_holder(enterprise)
    event = _event(park, key, "retire", quantity, holder, RETIRED, actor)
    move = Move(quantity, holder, enterprise.pk, state=BlockState.RETIRED, year=year, event=event)
    _move(park, holder, [move], kind="sinks.retire", actor=actor, keys=[key])
    audit_record(
        actor=actor,
        via=via,
        action="sinks.retire",
        obj=event,
        before=None,
        after={"quantity": quantity, "year": year},
        park_id=park.pk,
    )
    return event


@transaction.atomic
def cancel(*, actor, via: str, park: Park, holder: str, quantity, reason: str, key: str) -> Event:
    """Cancel live tonnes (a verification found them overstated): final, never claimed."""
    access.require(actor, access.CHANGE, Block)
    if (done := _replayed(park, key)) is not None:
        return done
    quantity = _quantity(quantity)
    if not str(reason or "").strip():
        raise ValidationFailed.single(
            "reason", _("Say why the credits are cancelled."), Code.REQUIRED
        )
    event = _event(park, key, "cancel", quantity, holder, CANCELLED, actor)
    owner_id = (
        Block.objects.filter(park=park, holder=holder)
        .values_list("holder_enterprise_id", flat=True)
        .first()
    )
    move = Move(quantity, holder, owner_id, state=BlockState.CANCELLED, event=event)
    _move(park, holder, [move], kind="sinks.cancel", actor=actor, keys=[key])
    audit_record(
        actor=actor,
        via=via,
        action="sinks.cancel",
        obj=event,
        before=None,
        after={"holder": holder, "quantity": quantity, "reason": reason.strip()},
        park_id=park.pk,
    )
    return event


# --- the market: one-sided auctions -------------------------------------------------------


def _price(value, field: str = "price") -> Decimal:
    try:
        price = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed.single(
            field, _("Must be a price in yuan, e.g. 45.50."), Code.NOT_A_NUMBER
        ) from None
    if not price.is_finite() or price <= 0 or price >= Decimal("100000000"):
        raise ValidationFailed.single(field, _("Must be above 0."), Code.OUT_OF_RANGE)
    if price != price.quantize(Decimal("0.01")):
        raise ValidationFailed.single(field, _("Prices go in whole fen (¥0.01)."), ErrorCode.TICK)
    return price.quantize(Decimal("0.01"))


@transaction.atomic
def auction_open(*, actor, via: str, project: Project, quantity, floor_price) -> Auction:
    access.require(actor, access.CREATE, Auction)
    quantity, floor = _quantity(quantity), _price(floor_price, "floor_price")
    auction = Auction.objects.create(
        park=project.park,
        project=project,
        quantity=quantity,
        floor_price=floor,
        state=AuctionState.OPEN,
    )
    audit_record(
        actor=actor,
        via=via,
        action="sinks.auction_open",
        obj=auction,
        before=None,
        after={"quantity": quantity, "floor_price": str(floor)},
        park_id=project.park_id,
    )
    return auction


@transaction.atomic
def bid_place(*, actor, via: str, auction: Auction, price, lots) -> Bid:
    """An enterprise's bid, appended to the order log."""
    access.require(actor, access.CREATE, Bid, enterprise_id=actor.enterprise_id)
    locked = Auction.objects.select_for_update().get(pk=auction.pk)
    if locked.state != AuctionState.OPEN:
        raise ValidationFailed.single(
            "auction", _("The auction has been cleared."), ErrorCode.CLOSED
        )
    price, lots = _price(price), _quantity(lots, "lots")
    if price < locked.floor_price:
        reason = _("At least the floor price, %(floor)s yuan/t.") % {"floor": locked.floor_price}
        raise ValidationFailed.single("price", reason, ErrorCode.BELOW_FLOOR)
    bid = Bid.objects.create(
        auction=locked, enterprise_id=actor.enterprise_id, price=price, lots=lots
    )
    audit_record(
        actor=actor,
        via=via,
        action="sinks.bid",
        obj=bid,
        before=None,
        after={"price": str(price), "lots": lots},
        park_id=locked.park_id,
    )
    return bid


def orders_of(auction: Auction) -> list[clearing.Order]:
    """The auction's order log, as the clearing reads it."""
    bids = auction.bids.order_by("id").values_list("id", "enterprise_id", "price", "lots")
    return [clearing.Order(*row) for row in bids]


@transaction.atomic
def auction_clear(*, actor, via: str, auction: Auction) -> list[Trade]:
    """Clear the order log (auction.clear) and settle every fill at once: the project's serials
    go to the winners in fill order, one registry event and one trade per fill."""
    access.require(actor, access.CHANGE, auction)
    locked = Auction.objects.select_for_update().get(pk=auction.pk)
    if locked.state != AuctionState.OPEN:
        raise ValidationFailed.single(
            "auction", _("The auction has been cleared."), ErrorCode.CLOSED
        )
    fills = clearing.clear(
        quantity=locked.quantity, floor=locked.floor_price, orders=orders_of(locked)
    )
    source, park = project_holder(locked.project), locked.park
    keys = [f"auction:{locked.pk}:bid:{f.order_id}" for f in fills]
    events = Event.objects.bulk_create(
        [
            Event(
                park=park,
                key=k,
                kind="trade",
                quantity=f.quantity,
                source=source,
                target=f"enterprise:{f.buyer}",
                actor_label=getattr(actor, "username", "system"),
            )
            for f, k in zip(fills, keys, strict=True)
        ]
    )
    moves = [
        Move(f.quantity, f"enterprise:{f.buyer}", f.buyer, event=e)
        for f, e in zip(fills, events, strict=True)
    ]
    if moves:
        _move(park, source, moves, kind="sinks.trade", actor=actor, keys=keys)
    trades = Trade.objects.bulk_create(
        [
            Trade(
                park=park,
                project=locked.project,
                auction=locked,
                bid_id=f.order_id,
                buyer_id=f.buyer,
                quantity=f.quantity,
                price=f.price,
                event=e,
            )
            for f, e in zip(fills, events, strict=True)
        ]
    )
    locked.state, locked.cleared_at = AuctionState.CLEARED, timezone.now()
    locked.save(update_fields=["state", "cleared_at"])
    audit_record(
        actor=actor,
        via=via,
        action="sinks.auction_clear",
        obj=locked,
        before=None,
        after={"fills": len(fills), "sold": sum(f.quantity for f in fills)},
        park_id=park.pk,
    )
    return trades


# --- the market: fixed-price listings ------------------------------------------------------


@transaction.atomic
def listing_open(*, actor, via: str, project: Project, quantity, price) -> Listing:
    access.require(actor, access.CREATE, Listing)
    quantity, price = _quantity(quantity), _price(price)
    listing = Listing.objects.create(
        park=project.park, project=project, quantity=quantity, remaining=quantity, price=price
    )
    audit_record(
        actor=actor,
        via=via,
        action="sinks.listing_open",
        obj=listing,
        before=None,
        after={"quantity": quantity, "price": str(price)},
        park_id=project.park_id,
    )
    return listing


@transaction.atomic
def listing_buy(*, actor, via: str, listing: Listing, quantity, key: str) -> Trade:
    """An enterprise buys part of a listing at its price: the listing's remainder goes down by a
    guarded UPDATE (never below zero, however many buy at once) and the serials move to the
    buyer in the same transaction."""
    access.require(actor, access.CREATE, Bid, enterprise_id=actor.enterprise_id)
    if (done := _replayed(listing.park, key)) is not None:
        return done.trade
    quantity = _quantity(quantity)
    taken = Listing.objects.filter(pk=listing.pk, remaining__gte=quantity).update(
        remaining=F("remaining") - quantity
    )
    if not taken:
        left = Listing.objects.values_list("remaining", flat=True).get(pk=listing.pk)
        reason = _("Only %(left)d t are left in this listing.") % {"left": left}
        raise ValidationFailed.single("quantity", reason, ErrorCode.NOT_ENOUGH_CREDITS)
    source, buyer = project_holder(listing.project), actor.enterprise
    event = _event(listing.park, key, "trade", quantity, source, enterprise_holder(buyer), actor)
    move = Move(quantity, enterprise_holder(buyer), buyer.pk, event=event)
    _move(listing.park, source, [move], kind="sinks.trade", actor=actor, keys=[key])
    trade = Trade.objects.create(
        park=listing.park,
        project=listing.project,
        listing=listing,
        buyer=buyer,
        quantity=quantity,
        price=listing.price,
        event=event,
    )
    audit_record(
        actor=actor,
        via=via,
        action="sinks.listing_buy",
        obj=trade,
        before=None,
        after={"quantity": quantity, "price": str(listing.price)},
        park_id=listing.park_id,
    )
    return trade
