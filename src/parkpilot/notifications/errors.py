"""Error codes of the notifications app (ValidationFailed codes)."""

from enum import StrEnum


class ErrorCode(StrEnum):
    LINK_NOT_LOCAL = "link_not_local"
