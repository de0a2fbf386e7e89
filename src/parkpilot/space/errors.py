"""The space app's own refusal codes (shared ones: tenancy.errors.Code)."""

from enum import StrEnum


class ErrorCode(StrEnum):
    PARCEL_CODE = "parcel_code"  # not a 宗地代码 of GB/T 37346-2019's structure
    LEASE_OVERLAP = "lease_overlap"  # the unit is already let for part of those dates
