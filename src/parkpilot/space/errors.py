"""The space app's own refusal codes (shared ones: tenancy.errors.Code)."""

from enum import StrEnum


class ErrorCode(StrEnum):
    PARCEL_CODE = "parcel_code"  # not a 宗地代码 of GB/T 37346-2019's structure
    LEASE_OVERLAP = "lease_overlap"  # the unit is already let for part of those dates
    LADDER_STEP = "ladder_step"  # not the rung above the enterprise's (one rung at a time)
    NOT_READY = "not_ready"  # a graduation criterion of the rung is not met
    SPACE_FULL = "space_full"  # the space holds as many enterprises as its capacity
