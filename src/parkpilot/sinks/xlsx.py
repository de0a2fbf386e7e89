"""The sink registry's XLSX exports: a holder's statement (an enterprise's or a project's) and
the registry's trades. Every cell goes through parkpilot.spreadsheets, so a name that looks
like a formula stays text."""

from io import BytesIO

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from parkpilot.spreadsheets import append_row

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _local(at):
    # Spreadsheets hold no time zone: the park's local time, as the pages show it.
    return timezone.localtime(at).replace(tzinfo=None)


def statement_book(statement: dict, *, title: str) -> Workbook:
    """Two sheets: the movements (newest first, the balance after each) and the serials held."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Statement")
    append_row(sheet, [title])
    append_row(sheet, [_("Time"), _("Movement"), "tCO2e", _("Balance")])
    for line in statement["lines"]:
        append_row(sheet, [_local(line["at"]), str(line["what"]), line["amount"], line["balance"]])
    held = book.create_sheet(_("Serials held"))
    append_row(held, [_("First serial"), _("Last serial"), "tCO2e", _("Project"), _("Vintage")])
    for b in statement["blocks"]:
        append_row(held, [b.first, b.last, b.size, b.issuance.project.name, b.issuance.vintage])
    return book


def trades_book(trades, *, with_buyer: bool, book: Workbook | None = None) -> Workbook:
    """One row per settled trade: when, which project, how (auction or listing), to whom (for
    the park's readers), tonnes, price and amount. A sheet of its own, added to `book` if
    given."""
    if book is None:
        book = Workbook()
        sheet = book.active
        sheet.title = _("Trades")
    else:
        sheet = book.create_sheet(_("Trades"))
    head = [_("Time"), _("Project"), _("Mode")]
    append_row(sheet, [*head, *([_("Buyer")] if with_buyer else []),
                       "tCO2e", _("Price (yuan/t)"), _("Amount (yuan)")])  # fmt: skip
    for t in trades:
        mode = _("One-sided auction") if t.auction_id else _("Fixed-price listing")
        buyer = [t.buyer.name] if with_buyer else []
        append_row(sheet, [_local(t.event.at), t.project.name, mode, *buyer, t.quantity,
                           t.price, t.amount])  # fmt: skip
    return book


def response(book: Workbook, filename: str) -> HttpResponse:
    out = BytesIO()
    book.save(out)
    answer = HttpResponse(out.getvalue(), content_type=XLSX)
    answer["Content-Disposition"] = f'attachment; filename="{filename}"'
    return answer
