"""The sink registry's own refusal codes (shared ones: tenancy.errors.Code)."""

from enum import StrEnum


class ErrorCode(StrEnum):
    NOT_ENOUGH_CREDITS = "not_enough_credits"  # the holder has fewer live tonnes than asked
    BELOW_FLOOR = "below_floor"  # a bid under the auction's floor price
    TICK = "tick"  # a price not in whole fen (¥0.01)
    CLOSED = "closed"  # the auction has been cleared
