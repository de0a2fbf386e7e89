"""Limits of the energy API, stated once, and its error codes."""

from enum import StrEnum

MAX_READINGS_PER_REQUEST = 10_000


class ErrorCode(StrEnum):
    """The energy app's own codes (ValidationFailed codes); the shared ones are
    tenancy.errors.Code."""

    BEFORE_CURRENT = "before_current"  # a reassignment dated before the current one
    NOT_GATEWAY = "not_gateway"
    UNCHANGED = "unchanged"  # the point already belongs there
