"""The statistics office's XLSX template: one sheet per month named like "2022-01" (or
"2022年1月"), a header row, one row per enterprise keyed by its 统一社会信用代码. Parsing is pure:
bytes in, rows and cell errors out; the service decides what to write."""

import io
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from parkpilot.economy.errors import CellError, ErrorCode
from parkpilot.spreadsheets import append_row
from parkpilot.tenancy.errors import Code
from parkpilot.uploads import check_xlsx

# (field, header as printed in the template, decimal places; None = text, 0 = whole number)
COLUMNS: list[tuple[str, str, int | None]] = [
    ("credit_code", "统一社会信用代码", None),
    ("name", "企业名称", None),
    ("output_value", "工业总产值（万元）", 2),
    ("value_added", "工业增加值（万元）", 2),
    ("revenue", "营业收入（万元）", 2),
    ("tax", "税收（万元）", 2),
    ("employees", "从业人员（人）", 0),
    ("rnd_spending", "研发费用（万元）", 2),
    ("energy_tce", "综合能耗（吨标准煤）", 3),
]
NUMBER_FIELDS = [c for c in COLUMNS if c[2] is not None]
_SHEET = [
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})$"),
    re.compile(r"^(?P<y>\d{4})年(?P<m>\d{1,2})月$"),
]
MAX_ROWS = 5000  # per sheet; a park has hundreds of reporting enterprises, not thousands
# Every figure column is DecimalField(max_digits=14) (economy.models): its whole part holds
# 14 - places digits. Head counts are bounded by the domain, not the column.
COLUMN_DIGITS = 14
MAX_EMPLOYEES_DIGITS = 7


@dataclass(frozen=True)
class SheetRow:
    sheet: str
    row: int
    year: int
    month: int
    credit_code: str
    name: str
    values: dict  # field -> Decimal | int | None


def sheet_month(name: str) -> tuple[int, int] | None:
    for pattern in _SHEET:
        m = pattern.match(name.strip())
        if m:
            year, month = int(m["y"]), int(m["m"])
            if 2000 <= year <= 2100 and 1 <= month <= 12:
                return year, month
    return None


def _norm_header(text) -> str:
    s = str(text or "").strip()
    s = s.replace("(", "（").replace(")", "）")
    return re.sub(r"\s+", "", s)


def parse(
    content: bytes, *, latest: tuple[int, int] | None = None
) -> tuple[list[SheetRow], list[CellError]]:
    """Rows and cell errors of a workbook. A sheet for a month after `latest` (the current
    month) is refused: statistics describe months that have begun."""
    errors: list[CellError] = []
    rows: list[SheetRow] = []
    refused = check_xlsx(io.BytesIO(content), field="file")  # a zip bomb, before any XML
    if refused:
        return [], [CellError("", None, None, refused[0].reason, refused[0].code)]
    try:
        # External entities and entity expansion are refused inside (defusedxml is installed).
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        return [], [CellError("", None, None, gettext("Not a valid XLSX file."), Code.FORMAT)]
    months_seen: dict[tuple[int, int], str] = {}
    for ws in wb.worksheets:
        ym = sheet_month(ws.title)
        if ym is None:
            errors.append(
                CellError(
                    ws.title,
                    None,
                    None,
                    gettext("The sheet name must be a month, e.g. 2022-01."),
                    ErrorCode.SHEET_NAME,
                )
            )
            continue
        if latest is not None and ym > latest:
            errors.append(
                CellError(
                    ws.title,
                    None,
                    None,
                    gettext("This month has not begun."),
                    ErrorCode.FUTURE_MONTH,
                )
            )
            continue
        if ym in months_seen:
            other = months_seen[ym]
            errors.append(
                CellError(
                    ws.title,
                    None,
                    None,
                    gettext("The same month as sheet %(sheet)s.") % {"sheet": other},
                    ErrorCode.DUPLICATE_SHEET,
                )
            )
            continue
        months_seen[ym] = ws.title
        _parse_sheet(ws, ym, rows, errors)
    wb.close()
    return rows, errors


def _parse_sheet(ws, ym, rows: list[SheetRow], errors: list[CellError]) -> None:
    iterator = ws.iter_rows(values_only=True)
    header = next(iterator, None) or ()
    positions = {_norm_header(h): i for i, h in enumerate(header) if h is not None}
    index: dict[str, int] = {}
    for field, title, _places in COLUMNS:
        if _norm_header(title) not in positions:
            errors.append(
                CellError(ws.title, 1, title, gettext("Missing column."), ErrorCode.MISSING_COLUMN)
            )
        else:
            index[field] = positions[_norm_header(title)]
    if len(index) != len(COLUMNS):
        return
    seen: dict[str, int] = {}
    for offset, values in enumerate(iterator, start=2):
        if offset > MAX_ROWS + 1:
            errors.append(
                CellError(ws.title, offset, None, gettext("Over %(n)d rows.") % {"n": MAX_ROWS})
            )
            return
        if values is None or all(v is None or str(v).strip() == "" for v in values):
            continue
        cell = {f: (values[i] if i < len(values) else None) for f, i in index.items()}
        code = str(cell["credit_code"] or "").strip().upper()
        if not code:
            errors.append(
                CellError(
                    ws.title,
                    offset,
                    "统一社会信用代码",
                    gettext("Must not be empty."),
                    Code.REQUIRED,
                )
            )
            continue
        if code in seen:
            errors.append(
                CellError(
                    ws.title,
                    offset,
                    "统一社会信用代码",
                    gettext("The same enterprise as row %(row)d.") % {"row": seen[code]},
                    ErrorCode.DUPLICATE_ROW,
                )
            )
            continue
        seen[code] = offset
        parsed = {}
        ok = True
        for field, title, places in NUMBER_FIELDS:
            value, reason = parse_number(cell[field], places)
            if reason:
                code = Code.OUT_OF_RANGE if reason == _negative() else Code.NOT_A_NUMBER
                errors.append(CellError(ws.title, offset, title, reason, code))
                ok = False
            parsed[field] = value
        if ok:
            rows.append(
                SheetRow(
                    sheet=ws.title,
                    row=offset,
                    year=ym[0],
                    month=ym[1],
                    credit_code=code,
                    name=str(cell["name"] or "").strip(),
                    values=parsed,
                )
            )


def _negative() -> str:
    return gettext("Must not be negative.")


def parse_number(raw, places: int) -> tuple[Decimal | int | None, str]:
    """A cell's number, or the reason it is not one. Blank means "not reported" (None).
    Bounded by what stores it: a number too long for its column is refused, never truncated."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, ""
    if isinstance(raw, bool):
        return None, gettext("Must be a number.")
    try:
        text = raw.strip().replace(",", "") if isinstance(raw, str) else str(raw)
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None, gettext("Must be a number, not “%(text)s”.") % {"text": str(raw)[:30]}
    if not value.is_finite():
        return None, gettext("Must be a number.")
    if value < 0:
        return None, _negative()
    whole_digits = MAX_EMPLOYEES_DIGITS if places == 0 else COLUMN_DIGITS - places
    if value >= 1 and value.adjusted() + 1 > whole_digits:
        return (
            None,
            gettext("Too large: at most %(n)d digits before the point.") % {"n": whole_digits},
        )
    if places == 0:
        if value != value.to_integral_value():
            return None, gettext("Must be a whole number.")
        return int(value), ""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP), ""


def template(months: list[tuple[int, int]], enterprises) -> bytes:
    """An empty workbook for these months, one row per enterprise (credit code and name)."""
    wb = Workbook()
    wb.remove(wb.active)
    for year, month in months:
        ws = wb.create_sheet(f"{year}-{month:02d}")
        ws.append([title for _f, title, _p in COLUMNS])
        for e in enterprises:
            append_row(ws, [e.credit_code, e.name])
        for i, (_f, title, _p) in enumerate(COLUMNS, start=1):
            ws.column_dimensions[get_column_letter(i)].width = max(14, len(title) * 2 + 2)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def write_rows(sheet_rows: dict[str, list[list]], columns: list[str]) -> bytes:
    """A workbook of plain tables: {sheet name: rows}, each sheet headed by `columns`."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheet_rows.items():
        ws = wb.create_sheet(name[:31])
        ws.append(columns)
        for r in rows:
            append_row(ws, r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
