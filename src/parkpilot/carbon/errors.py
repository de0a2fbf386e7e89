"""Error codes of the carbon app (ValidationFailed codes); the shared ones are
tenancy.errors.Code."""

from enum import StrEnum


class ErrorCode(StrEnum):
    ALREADY_CLOSED = "already_closed"  # the period has a current closing
    NOT_CLOSED = "not_closed"  # recompute asked for a period never closed
    NOT_DUE = "not_due"  # the system may only close a period that meets the rule
    PERIOD_NOT_ENDED = "period_not_ended"
    REASON_REQUIRED = "reason_required"  # an early close or a re-issue must say why
    FACTOR_MISSING = "factor_missing"
    SETTINGS_MISSING = "settings_missing"  # the year's grading thresholds
    ENTHALPY_MISSING = "enthalpy_missing"  # a steam point without its enthalpy
