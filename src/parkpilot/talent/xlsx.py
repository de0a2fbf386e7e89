"""XLSX export of the pool's loans (openpyxl): one row per loan, amounts in yuan to the fen."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from parkpilot.spreadsheets import append_row
from parkpilot.talent import pool as core

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AMOUNTS = ("requested_fen", "approved_fen", "drawn_fen", "repaid_fen", "outstanding_fen",
           "loss_fen", "recovered_fen")  # fmt: skip


def headers() -> list[str]:
    return [
        _("Enterprise"), _("Industry"), _("State"), _("Purpose"), _("Applied on"), _("Due on"),
        _("Requested (CNY)"), _("Approved (CNY)"), _("Drawn (CNY)"), _("Repaid (CNY)"),
        _("Outstanding (CNY)"), _("Loss (CNY)"), _("Recovered (CNY)"),
        _("Recommendation reasons"), _("Demo data"),
    ]  # fmt: skip


def export_loans(loans) -> bytes:
    """`loans` already scoped to the reader (selectors.loans or selectors.bank_loans)."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Loans")
    append_row(sheet, headers())
    for loan in loans:
        amounts = [core.to_yuan(getattr(loan, name)) for name in AMOUNTS]
        append_row(sheet, [
            loan.enterprise.name, loan.enterprise.industry_code, loan.get_state_display(),
            loan.purpose, loan.applied_on, loan.due_on, *amounts, loan.reasons,
            _("yes") if loan.demo else "",
        ])  # fmt: skip
    for index in range(1, len(headers()) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 16
    sheet.column_dimensions["A"].width = 32
    sheet.freeze_panes = "B2"
    for row in sheet.iter_rows(min_row=2, min_col=7, max_col=13):
        for cell in row:
            cell.number_format = "#,##0.00"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
