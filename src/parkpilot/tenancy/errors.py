"""Domain errors every app raises; parkpilot.api maps them to HTTP once, views to pages."""

from dataclasses import dataclass


class NotFound(Exception):
    """Absent, or not visible to this user: the two are never told apart (no existence leak)."""


class Forbidden(Exception):
    """The user may see the object but not do this to it."""


@dataclass(frozen=True)
class FieldError:
    field: str
    reason: str
    code: str = "invalid"


class ValidationFailed(Exception):
    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.reason}" for e in errors))

    @classmethod
    def single(cls, field: str, reason: str, code: str = "invalid") -> "ValidationFailed":
        return cls([FieldError(field=field, reason=reason, code=code)])
