"""Domain errors every app raises; parkpilot.api maps them to HTTP once, views to pages."""

from dataclasses import dataclass
from enum import StrEnum


class Code(StrEnum):
    """Error codes every app shares: one idea, one code (`FieldError.code`, the API's `type`).
    An app's own codes live in its `errors.ErrorCode`; the OpenAPI schema lists them all."""

    INVALID = "invalid"
    REQUIRED = "required"
    TAKEN = "taken"  # unique value already used
    DUPLICATE = "duplicate"  # the same value twice in one request
    UNKNOWN = "unknown"  # refers to something that does not exist (or is not visible)
    OUT_OF_RANGE = "out_of_range"
    NOT_A_NUMBER = "not_a_number"
    FORMAT = "format"  # a date, an id or a file that does not parse
    TOO_LONG = "too_long"
    TOO_LARGE = "too_large"
    TOO_MANY = "too_many"
    INVALID_TRANSITION = "invalid_transition"  # the object's state does not allow this action
    NOT_PARK_STAFF = "not_park_staff"  # a contact who is not staff of this park
    CONFLICT = "conflict"  # clashes with another object (a booking, a concurrent change)
    FILE_TYPE = "file_type"
    UNREADABLE = "unreadable"  # a file whose content is not what its name says
    ZIP_BOMB = "zip_bomb"


class ErrorCode(StrEnum):
    """The tenancy app's own codes."""

    SCOPE = "scope"  # a role's scope does not fit the person (park, enterprise)
    UNKNOWN_ROLE = "unknown_role"
    LAST_ADMIN = "last_admin"  # the park would be left without an active administrator
    SELF = "self"  # an administrator may not lock themselves out


class NotFound(Exception):
    """Absent, or not visible to this user: the two are never told apart (no existence leak)."""


class Forbidden(Exception):
    """The user may see the object but not do this to it."""


@dataclass(frozen=True)
class FieldError:
    field: str
    reason: str
    code: str = Code.INVALID


class ValidationFailed(Exception):
    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__(errors)

    def __str__(self) -> str:
        """Each error as its field's label and reason, in the active language (a page shows
        this; the API keeps the field's machine name as `loc`)."""
        from parkpilot.field_labels import error_text

        return "; ".join(error_text(e) for e in self.errors)

    @classmethod
    def single(cls, field: str, reason: str, code: str = Code.INVALID) -> "ValidationFailed":
        return cls([FieldError(field=field, reason=reason, code=code)])
