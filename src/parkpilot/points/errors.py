"""The points supermarket's refusal codes (FieldError.code)."""

from enum import StrEnum


class PointsCode(StrEnum):
    CAP_REACHED = "cap_reached"
    RULE_INACTIVE = "rule_inactive"
    OUT_OF_STOCK = "out_of_stock"
    LIMIT_REACHED = "limit_reached"
    NOT_ON_SALE = "not_on_sale"
    NOT_RESERVED = "not_reserved"
    NOT_COLLECTED = "not_collected"
    BAD_QUANTITY = "bad_quantity"
    NOT_A_MEMBER = "not_a_member"
    CHECK_IN_CLOSED = "check_in_closed"
