"""The risk pool's own refusal codes (shared ones: tenancy.errors.Code)."""

from enum import StrEnum


class ErrorCode(StrEnum):
    ABOVE_LIMIT = "above_limit"  # an amount above what the loan or the pool allows
