"""Bulk awards from an XLSX, and the monthly report as one.

Bulk awards (volunteering hours of a day, attendance of an activity).

One sheet, a header row with 会员卡号 (card code), 规则 (the earning rule's name) and 来源 (what
the award is for, e.g. "志愿服务 2026-03-02"), then one award a row. Bounded: at most
MAX_BYTES and MAX_ROWS. All or nothing: every row is checked (the card is a member of the
park, the rule exists and is on, the source is given, caps not passed) and if any row is bad
the whole file is refused, each problem named by its row number and column; nothing is
awarded, so the corrected file can be uploaded again as a whole. A file uploaded twice awards
once (an award's key is its rule, member and source)."""

import io
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook, load_workbook

from parkpilot.points import services
from parkpilot.points.models import Award, EarningRule, Member
from parkpilot.spreadsheets import append_row
from parkpilot.tenancy import access
from parkpilot.tenancy.errors import Code, FieldError, ValidationFailed
from parkpilot.uploads import check_file

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
CARD, RULE, SOURCE = "会员卡号", "规则", "来源"
HEADERS = (CARD, RULE, SOURCE)


@dataclass(frozen=True)
class Imported:
    awarded: int  # made by this upload
    replayed: int  # awarded before (the same row uploaded again)
    points: int  # points made by this upload


def _problem(row: int, column: str, reason: str, code: str = Code.INVALID) -> FieldError:
    return FieldError(f"row {row}: {column}", reason, code)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def import_awards(*, actor, via: str, park, file) -> Imported:
    """Award every row of the upload, or none (ValidationFailed listing every bad row)."""
    access.require(actor, access.CREATE, Award)
    refused = check_file(file, field="file", allowed=frozenset({"xlsx"}), max_bytes=MAX_BYTES)
    if refused:
        raise ValidationFailed(refused)
    rows = _rows(file)
    requests, problems = _requests(actor, park, rows)
    if problems:
        raise ValidationFailed(problems)
    with transaction.atomic():
        outcomes = services.awards_bulk(actor=actor, via=via, park=park, requests=requests)
        problems = [
            _problem(number, RULE, o.error.reason, o.error.code)
            for number, o in zip([n for n, _c, _r, _s in rows], outcomes, strict=True)
            if o.error
        ]
        if problems:
            raise ValidationFailed(problems)  # leaving the block rolls every award back
    made = [o.award for o in outcomes if not o.replayed]
    return Imported(len(made), len(outcomes) - len(made), sum(a.points for a in made))


def _rows(file) -> list[tuple[int, str, str, str]]:
    """(row number, card, rule, source) for every non-empty row below the header."""
    try:
        book = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not XLSX
        raise ValidationFailed.single("file", _("not a readable XLSX file"), Code.FORMAT) from None
    sheet = book.worksheets[0]
    found = []
    header = None
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = [_text(v) for v in values]
        if header is None:
            header = cells
            missing = [h for h in HEADERS if h not in header]
            if missing:
                raise ValidationFailed(
                    [_problem(1, h, _("column missing"), Code.REQUIRED) for h in missing]
                )
            continue
        if not any(cells):
            continue
        if len(found) >= MAX_ROWS:
            raise ValidationFailed.single(
                "file", _("at most %(n)s rows a file") % {"n": MAX_ROWS}, Code.TOO_MANY
            )
        pick = {
            h: (cells[header.index(h)] if header.index(h) < len(cells) else "") for h in HEADERS
        }
        found.append((number, pick[CARD], pick[RULE], pick[SOURCE]))
    if header is None or not found:
        raise ValidationFailed.single("file", _("the sheet has no rows"), Code.REQUIRED)
    return found


def _requests(actor, park, rows) -> tuple[list[services.AwardRequest], list[FieldError]]:
    cards = {card for _n, card, _r, _s in rows}
    members = dict(
        access.scoped(actor, Member)
        .filter(park=park, card_code__in=cards)
        .values_list("card_code", "pk")
    )
    rules = {r.name: r for r in access.scoped(actor, EarningRule).filter(park=park)}
    requests, problems = [], []
    for number, card, rule_name, source in rows:
        errors = []
        if card not in members:
            errors.append(_problem(number, CARD, _("no member with this card"), Code.UNKNOWN))
        rule = rules.get(rule_name)
        if rule is None:
            errors.append(_problem(number, RULE, _("no rule of this name"), Code.UNKNOWN))
        if not source:
            errors.append(_problem(number, SOURCE, _("say what the award is for"), Code.REQUIRED))
        elif len(source) > 100:
            errors.append(_problem(number, SOURCE, _("at most 100 characters"), Code.TOO_LONG))
        if errors:
            problems += errors
        else:
            requests.append(services.AwardRequest(members[card], rule, source))
    return requests, problems


def report_workbook(report: dict) -> bytes:
    """The monthly report as one workbook, a sheet per part (text cells kept as text)."""
    book = Workbook()
    summary = book.active
    summary.title = pgettext("points", "Summary")[:31]
    append_row(summary, [pgettext("points", "Month"), report["month"].strftime("%Y-%m")])
    append_row(summary, [_("Points issued"), report["issued_total"]])
    append_row(summary, [_("Points redeemed"), report["redeemed_total"]])
    append_row(summary, [_("Outstanding liability (points)"), report["outstanding"]])
    append_row(summary, [_("Expiring next month (points)"), report["expiring_next_month"]])
    parts = (
        (
            _("Issued by rule"),
            "issued",
            "rule__name",
            [
                pgettext("points", "Rule"),
                pgettext("points", "Awards"),
                pgettext("points", "Points"),
            ],
            "awards",
        ),
        (
            _("Redeemed by good"),
            "redeemed",
            "good__name",
            [
                pgettext("points", "Good"),
                pgettext("points", "Quantity"),
                pgettext("points", "Points"),
            ],
            "quantity",
        ),
        (
            _("By organisation"),
            "by_org",
            "member__party_org",
            [_("Party organisation"), pgettext("points", "Members"), pgettext("points", "Points")],
            "members",
        ),
        (
            _("By enterprise"),
            "by_enterprise",
            "member__enterprise__name",
            [
                pgettext("points", "Enterprise"),
                pgettext("points", "Members"),
                pgettext("points", "Points"),
            ],
            "members",
        ),
    )
    for title, key, name, headers, count in parts:
        sheet = book.create_sheet(title[:31])
        append_row(sheet, headers)
        for row in report[key]:
            append_row(sheet, [row[name], row[count], row["points"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
