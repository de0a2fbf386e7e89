"""The talent API's bodies. Amounts go in as text in yuan ("1200.50", checked to the fen by the
services) and come out as whole fen."""

import datetime

from ninja import Schema


class ShareOut(Schema):
    code: str
    name: str
    share: int | None
    cap_fen: int | None
    paid_fen: int
    returned_fen: int
    net_fen: int


class PoolOut(Schema):
    id: int
    name: str
    signed_on: datetime.date
    principles: list[str]
    credit_scale_fen: int
    in_use_fen: int
    utilisation: str  # e.g. "0.131"
    drawn_fen: int
    compensated_fen: int
    recovered_fen: int
    uncovered_fen: int
    fund_fen: int
    fund_left_fen: int
    overdue_loans: int
    shares: list[ShareOut]
    demo: bool


class LoanOut(Schema):
    id: int
    enterprise_id: int
    enterprise: str
    state: str
    purpose: str
    reasons: str
    applied_on: datetime.date
    due_on: datetime.date | None
    requested_fen: int
    approved_fen: int
    drawn_fen: int
    repaid_fen: int
    outstanding_fen: int
    loss_fen: int
    recovered_fen: int
    demo: bool

    @staticmethod
    def resolve_enterprise(obj) -> str:
        return obj.enterprise.name


class LoanIn(Schema):
    amount: str
    purpose: str
    on: datetime.date


class StepIn(Schema):
    on: datetime.date
    decision: bool = True  # recommend / decide: False does not recommend, declines
    amount: str | None = None
    due_on: datetime.date | None = None
    reasons: str | None = None
    note: str | None = None
