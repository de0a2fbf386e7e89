"""Cells that are safe to hand to a spreadsheet program, for every export (XLSX and CSV).

Text a user typed may start like a formula (`=HYPERLINK(...)`, `+cmd|...`, `@SUM(...)`): a CSV
cell gets a leading apostrophe, as OWASP's CSV-injection guidance says, and an XLSX cell is
typed as text, so the spreadsheet shows it and never runs it. Control characters, which XLSX
cannot hold (openpyxl refuses the whole file), are dropped."""

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def _clean(value):
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def csv_cell(value):
    value = _clean(value)
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return value


def csv_row(row: dict) -> dict:
    return {key: csv_cell(value) for key, value in row.items()}


def append_row(sheet, values) -> None:
    """`sheet.append(values)` with every text cell kept as text, never as a formula."""
    sheet.append([_clean(v) for v in values])
    for cell in sheet[sheet.max_row]:
        if cell.data_type == "f":  # openpyxl took a string starting with "=" for a formula
            cell.data_type = "s"
