"""Error codes of the projects app (ValidationFailed codes); the shared ones are
tenancy.errors.Code."""

from enum import StrEnum


class ErrorCode(StrEnum):
    NOT_AN_APPROVAL = "not_an_approval"  # approval dates on a stage that is not an approval
