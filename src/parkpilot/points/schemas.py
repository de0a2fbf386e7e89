import datetime

from ninja import Field, Schema


class MemberOut(Schema):
    id: int
    kind: str
    name: str
    party_org: str
    card_code: str
    balance: int = Field(alias="account.balance")


class StatementLineOut(Schema):
    at: datetime.datetime
    kind: str
    memo: str
    amount: int
    balance: int


class LotOut(Schema):
    id: int
    points: int
    remaining: int
    earned_on: datetime.date
    expires_on: datetime.date


class StatementOut(Schema):
    balance: int
    lots: list[LotOut]
    lines: list[StatementLineOut]


class GoodOut(Schema):
    id: int
    name: str
    price: int
    stock: int
    per_member_limit: int | None
    active: bool


class GoodIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    price: int = Field(ge=1, le=1_000_000)
    stock: int = Field(ge=0, le=1_000_000)
    per_member_limit: int | None = Field(None, ge=1, le=99)


class StockIn(Schema):
    change: int = Field(ge=-1_000_000, le=1_000_000, description="+ in, - out")
    reason: str = Field(min_length=1, max_length=200)


class ReserveIn(Schema):
    quantity: int = Field(1, ge=1, le=99)


class RedemptionOut(Schema):
    id: int
    good_id: int
    good_name: str = Field(alias="good.name")
    quantity: int
    points: int
    status: str
    reserved_at: datetime.datetime
    expires_at: datetime.datetime


class RuleOut(Schema):
    id: int
    kind: str
    name: str
    points: int
    cap_day: int | None
    cap_month: int | None
    cap_year: int | None
    active: bool


class RuleIn(Schema):
    kind: str = Field(
        description="volunteering, party_activity, grid_report, bus_commute, enterprise"
    )
    name: str = Field(min_length=1, max_length=100)
    points: int = Field(ge=1, le=100_000)
    cap_day: int | None = Field(None, ge=1)
    cap_month: int | None = Field(None, ge=1)
    cap_year: int | None = Field(None, ge=1)
    active: bool = True


class ImportedOut(Schema):
    awarded: int
    replayed: int
    points: int
