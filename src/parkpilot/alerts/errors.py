"""Error codes of the alerts app (ValidationFailed codes)."""

from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID_TRANSITION = "invalid_transition"  # the alert's state does not allow the step
    UNKNOWN_KIND = "unknown_kind"  # no installed app declares this alert kind
    REQUIRED = "required"
