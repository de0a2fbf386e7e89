"""Error codes of the services app (ValidationFailed codes); the shared ones are
tenancy.errors.Code."""

from enum import StrEnum


class ErrorCode(StrEnum):
    RESOLVED = "resolved"  # the request is resolved: no more changes
    TOO_SOON = "too_soon"
