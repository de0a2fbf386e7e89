"""The API's one pagination: limit/offset, bounded so a generated or pasted number can never
reach the database as an integer it cannot hold (limit ≤ 1000, offset ≤ 10,000,000)."""

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination as NinjaLimitOffset

MAX_LIMIT = 1000
MAX_OFFSET = 10_000_000


class LimitOffsetPagination(NinjaLimitOffset):
    class Input(Schema):
        limit: int = Field(100, ge=1, le=MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)

    def __init__(self, **kwargs):
        super().__init__(max_limit=MAX_LIMIT, **kwargs)
