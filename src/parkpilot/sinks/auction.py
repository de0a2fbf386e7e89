"""单向竞价 clearing, as a pure function of the order log (so a replay gives the same fills).

The seller offers `quantity` tonnes with a floor price. Bids are whole tonnes at prices in fen
(¥0.01). Bids at or above the floor fill by price, highest first, then by their place in the
order log; each winner pays its own price (pay-as-bid, as the one-sided auctions of China's
carbon exchanges); the marginal bid fills partly; the rest get nothing."""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Order:
    id: int  # its place in the order log: earlier is smaller
    buyer: int
    price: Decimal
    lots: int


@dataclass(frozen=True)
class Fill:
    order_id: int
    buyer: int
    quantity: int
    price: Decimal


def clear(*, quantity: int, floor: Decimal, orders: list[Order]) -> list[Fill]:
    eligible = sorted((o for o in orders if o.price >= floor), key=lambda o: (-o.price, o.id))
    fills, left = [], quantity
    for order in eligible:
        if left == 0:
            break
        take = min(order.lots, left)
        fills.append(Fill(order.id, order.buyer, take, order.price))
        left -= take
    return fills
