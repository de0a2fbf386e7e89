"""Error codes of the alerts app (beside the shared tenancy.errors.Code: invalid_transition for
a step the alert's state does not allow, required for a missing reason)."""

from enum import StrEnum


class ErrorCode(StrEnum):
    UNKNOWN_KIND = "unknown_kind"  # no installed app declares this alert kind
