import datetime
from decimal import Decimal

from ninja import Field, Schema


class RegistryOut(Schema):
    issued: int
    live: int
    retired: int
    cancelled: int
    traded: int
    traded_yuan: Decimal
    average_price: Decimal | None = Field(description="volume-weighted, yuan/t, to the fen")
    problems: list[str] = Field(description="what registry_violations found; empty: consistent")


class ProjectOut(Schema):
    id: int
    code: str
    name: str
    seller: str
    methodology: str = Field(alias="methodology.code")
    issued: int | None
    plots_count: int | None
    demo: bool


class PlotOut(Schema):
    id: int
    owner_name: str
    owner_kind: str
    area_ha: Decimal
    species: str
    age_class: str
    share: Decimal
    expected_t_per_year: Decimal
    outline: dict | None


class IssuanceOut(Schema):
    vintage: int
    quantity: int
    first: int
    last: int
    verification: str


class ListingOut(Schema):
    id: int
    quantity: int
    remaining: int
    price: Decimal


class AuctionOut(Schema):
    id: int
    quantity: int
    floor_price: Decimal
    state: str


class ProjectDetailOut(Schema):
    id: int
    code: str
    name: str
    seller: str
    methodology: str
    plots: list[PlotOut]
    issuances: list[IssuanceOut]
    listings: list[ListingOut] = Field(description="with tonnes left")
    auctions: list[AuctionOut] = Field(description="open")


class HeldOut(Schema):
    project: str
    vintage: int
    t: int


class HoldingsOut(Schema):
    live_total: int
    live: list[HeldOut]
    retired: dict[int, int] = Field(description="tonnes retired by year of emissions")


class StatementLineOut(Schema):
    at: datetime.datetime
    kind: str
    what: str
    amount: int
    balance: int


class BlockOut(Schema):
    first: int
    last: int
    project: str = Field(alias="issuance.project.name")
    vintage: int = Field(alias="issuance.vintage")


class StatementOut(Schema):
    lines: list[StatementLineOut]
    blocks: list[BlockOut]


class RetireIn(Schema):
    quantity: int = Field(description="whole tCO2e")
    year: int = Field(description="the year of emissions the tonnes offset")
    key: str = Field(min_length=1, max_length=60, description="idempotency key: sent twice, once")


class BuyIn(Schema):
    quantity: int = Field(description="whole tCO2e")
    key: str = Field(min_length=1, max_length=60, description="idempotency key: sent twice, once")


class BidIn(Schema):
    price: Decimal = Field(description="yuan/t, in whole fen, at least the floor price")
    lots: int = Field(description="tonnes (1 tCO2e lots)")


class EventOut(Schema):
    id: int
    kind: str
    quantity: int
    at: datetime.datetime


class TradeOut(Schema):
    id: int
    project_id: int
    quantity: int
    price: Decimal
    amount: Decimal


class BidOut(Schema):
    id: int
    auction_id: int
    price: Decimal
    lots: int
