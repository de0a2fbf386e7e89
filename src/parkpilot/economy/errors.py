"""Errors of the statistics import: each names the sheet, row, column and reason, so the
statistics office can fix the workbook; a file with any of them writes nothing."""

from dataclasses import dataclass
from enum import StrEnum

from parkpilot.tenancy.errors import Code, FieldError, ValidationFailed


class ErrorCode(StrEnum):
    """The statistics import's own codes; the shared ones are tenancy.errors.Code."""

    SHEET_NAME = "sheet_name"  # a sheet not named after a month
    DUPLICATE_SHEET = "duplicate_sheet"
    DUPLICATE_ROW = "duplicate_row"
    MISSING_COLUMN = "missing_column"
    FUTURE_MONTH = "future_month"
    EMPTY = "empty"
    EXCEEDS_OUTPUT = "exceeds_output"
    UNKNOWN_ENTERPRISE = "unknown_enterprise"
    NAME_MISMATCH = "name_mismatch"


@dataclass(frozen=True)
class CellError:
    sheet: str
    row: int | None  # 1-based spreadsheet row; None for the whole sheet
    column: str | None  # the column's header as printed in the template
    reason: str  # in the request's language (gettext)
    code: str = Code.INVALID

    def as_dict(self) -> dict:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "reason": self.reason,
            "code": self.code,
        }


class ImportRejected(ValidationFailed):
    """The workbook was refused as a whole. A ValidationFailed, so it maps to 422 everywhere."""

    def __init__(self, errors: list[CellError]):
        self.cell_errors = errors
        super().__init__(
            [
                FieldError(
                    field=_where(e),
                    reason=e.reason,
                    code=e.code,
                )
                for e in errors
            ]
        )


def _where(e: CellError) -> str:
    parts = [e.sheet or "file"]
    if e.row is not None:
        parts.append(str(e.row))
    if e.column:
        parts.append(e.column)
    return "!".join(parts)
