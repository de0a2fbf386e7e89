"""Small builders shared by the economy tests."""

import io
from decimal import Decimal

from openpyxl import Workbook

from parkpilot.economy.models import EconomyProfile, EnterpriseMonthly
from parkpilot.economy.workbook import COLUMNS

HEADERS = [title for _f, title, _p in COLUMNS]


def month(enterprise, year, m, output=None, added=None, **extra):
    return EnterpriseMonthly.objects.create(
        park=enterprise.park,
        enterprise=enterprise,
        year=year,
        month=m,
        output_value=None if output is None else Decimal(str(output)),
        value_added=None if added is None else Decimal(str(added)),
        **extra,
    )


def profile(enterprise, *, high_tech=False, high_end_equipment=False):
    return EconomyProfile.objects.create(
        enterprise=enterprise, high_tech=high_tech, high_end_equipment=high_end_equipment
    )


def workbook_bytes(sheets: dict[str, list[list]], headers=HEADERS) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        ws.append(headers)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
