"""Grid governance's own refusal codes (FieldError.code); shared ideas use tenancy.errors.Code."""

from enum import StrEnum


class ErrorCode(StrEnum):
    OUTSIDE_GRIDS = "outside_grids"  # a location that lies in no grid of the park
    BAD_GEOMETRY = "bad_geometry"  # not a valid GeoJSON polygon
    OVERLAP = "overlap"  # a new grid overlaps another current grid
    BAD_GRID_CODE = "bad_grid_code"  # not district(6) + street(3) + community(3) + sequence(3)
    UNKNOWN_CATEGORY = "unknown_category"
    NOT_ON_DUTY = "not_on_duty"  # the grid has no worker for this shift
    NOT_YOURS = "not_yours"  # a case of another grid or department
    ALREADY_SUPPORTED = "already_supported"
    NOT_A_PHOTO = "not_a_photo"
