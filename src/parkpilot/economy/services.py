"""Writes for economy statistics: one enterprise-month (form and API), the statistics office's
workbook (all or nothing), an enterprise's classification. Keyword-only, atomic, audited."""

import hashlib
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from parkpilot.economy import workbook
from parkpilot.economy.errors import CellError, ErrorCode, ImportRejected
from parkpilot.economy.models import MEASURES, EconomyProfile, EnterpriseMonthly, ImportBatch
from parkpilot.inputs import Fields
from parkpilot.tenancy import access
from parkpilot.tenancy.audit import audit_record, changed_only, snapshot
from parkpilot.tenancy.errors import Code, ValidationFailed
from parkpilot.tenancy.models import Enterprise, Park, User

MONTHLY_FIELDS = ["enterprise", "year", "month", *MEASURES, "source"]
_PLACES = {"energy_tce": 3}


def current_month() -> tuple[int, int]:
    """The month that is running now in the park's time zone: the latest one with statistics."""
    today = timezone.localdate()
    return today.year, today.month


# The largest figure each column holds: 12 whole digits and 2 places (energy 11 and 3), and
# employees at most MAX_EMPLOYEES_DIGITS digits, so nothing too long reaches the database.
def _largest(places: int) -> Decimal:
    return Decimal(10) ** (workbook.COLUMN_DIGITS - places) - Decimal(1).scaleb(-places)


LARGEST_EMPLOYEES = 10**workbook.MAX_EMPLOYEES_DIGITS - 1


def _clean_month(
    year, month, values: dict[str, Any]
) -> tuple[int | None, int | None, dict[str, Any]]:
    """One enterprise-month as the page posts it (text) or the API sends it (typed): every bad
    field named at once, in the input layer's words, so both refuse it alike. Blank is "not
    reported" (None); a figure is never rounded (more decimals than its column keeps are
    refused)."""
    fields = Fields()
    year = fields.whole("year", year, low=2000, high=2100)
    month = fields.whole("month", month, low=1, high=12)
    clean: dict[str, Any] = {}
    for name, raw in values.items():
        if name not in MEASURES:
            fields.refuse(name, gettext("Unknown field."), Code.UNKNOWN)
        elif name == "employees":
            clean[name] = fields.whole(name, raw, low=0, high=LARGEST_EMPLOYEES, required=False)
        else:
            places = _PLACES.get(name, 2)
            value = fields.decimal(
                name, raw, low=0, high=_largest(places), places=places, required=False
            )
            # As the column keeps it ("1000" is 1000.00: exact, never rounded), so the audit
            # row compares like with like.
            clean[name] = None if value is None else value.quantize(Decimal(1).scaleb(-places))
    if year is not None and month is not None:
        latest = current_month()
        if (year, month) > latest:
            field = "month" if year == latest[0] else "year"
            fields.refuse(field, gettext("This month has not begun."), ErrorCode.FUTURE_MONTH)
    fields.check()
    return year, month, clean


@transaction.atomic
def monthly_save(
    *,
    actor: User,
    via: str,
    enterprise: Enterprise,
    year: int | str | None,
    month: int | str | None,
    values: dict[str, Any],
) -> EnterpriseMonthly:
    """Create or replace one enterprise's figures for one month (the fields given). The values
    may be a form's text or the API's types (`_clean_month` reads both)."""
    year, month, clean = _clean_month(year, month, values)
    # Lock the month's row if it exists, so two saves of the same month cannot interleave.
    row = (
        EnterpriseMonthly.objects.select_for_update()
        .filter(enterprise=enterprise, year=year, month=month)
        .first()
    )
    if row is None:
        access.require(actor, access.CREATE, EnterpriseMonthly, enterprise_id=enterprise.pk)
    else:
        access.require(actor, access.CHANGE, row, fields=set(values))
    source = "api" if via in ("api", "token") else "form"
    if row is None:
        row = EnterpriseMonthly(
            park_id=enterprise.park_id, enterprise=enterprise, year=year, month=month
        )
        before = None
    else:
        before = snapshot(row, MONTHLY_FIELDS)
    for name, value in clean.items():
        setattr(row, name, value)
    # A month corrected by a person is no longer invented demo data.
    row.source, row.is_demo, row.batch = source, False, None
    # Checked on the merged row: a change of one field must still agree with the stored other.
    if None not in (row.output_value, row.value_added) and row.value_added > row.output_value:
        raise ValidationFailed.single(
            "value_added",
            gettext("The value added cannot exceed the output value."),
            ErrorCode.EXCEEDS_OUTPUT,
        )
    row.save()
    row.created = before is None  # the API answers 201 or 200 by it
    after = snapshot(row, MONTHLY_FIELDS)
    if before is not None:
        before, after = changed_only(before, after)
    audit_record(
        actor=actor,
        via=via,
        action="economy.monthly.create" if before is None else "economy.monthly.update",
        obj=row,
        before=before,
        after=after,
    )
    return row


@transaction.atomic
def workbook_import(
    *, actor: User, via: str, park: Park, file_name: str, content: bytes
) -> ImportBatch:
    """Import a statistics-office workbook. Any bad cell, sheet or row refuses the whole file
    (ImportRejected lists each with sheet, row, column and reason) and writes nothing."""
    access.require(actor, access.CREATE, ImportBatch)
    rows, errors = workbook.parse(content, latest=current_month())
    enterprises = {
        e.credit_code: e
        for e in Enterprise.objects.tenants()
        .filter(park=park)
        .only("id", "name", "credit_code", "short_name", "park_id")
    }
    for r in rows:
        e = enterprises.get(r.credit_code)
        if e is None:
            errors.append(
                CellError(
                    r.sheet,
                    r.row,
                    "统一社会信用代码",
                    gettext("No such enterprise in this park."),
                    ErrorCode.UNKNOWN_ENTERPRISE,
                )
            )
        elif r.name and r.name not in (e.name, e.short_name):
            errors.append(
                CellError(
                    r.sheet,
                    r.row,
                    "企业名称",
                    gettext("Does not match the name registered for the credit code, “%(name)s”.")
                    % {"name": e.name},
                    ErrorCode.NAME_MISMATCH,
                )
            )
        va, out = r.values.get("value_added"), r.values.get("output_value")
        if va is not None and out is not None and va > out:
            errors.append(
                CellError(
                    r.sheet,
                    r.row,
                    "工业增加值（万元）",
                    gettext("The value added cannot exceed the output value."),
                    ErrorCode.EXCEEDS_OUTPUT,
                )
            )
    if not rows and not errors:
        errors.append(
            CellError("", None, None, gettext("The file has no data rows."), ErrorCode.EMPTY)
        )
    if errors:
        errors.sort(key=lambda e: (e.sheet, e.row or 0))
        raise ImportRejected(errors)
    batch = ImportBatch.objects.create(
        park=park,
        file_name=file_name[:200],
        sha256=hashlib.sha256(content).hexdigest(),
        sheets=sorted({r.sheet for r in rows}),
        rows=len(rows),
        created_by=actor if actor.pk else None,
    )
    existing = {
        (m.enterprise_id, m.year, m.month): m
        for m in EnterpriseMonthly.objects.select_for_update().filter(
            park=park, year__in={r.year for r in rows}, month__in={r.month for r in rows}
        )
    }
    to_create, to_update = [], []
    for r in rows:
        e = enterprises[r.credit_code]
        row = existing.get((e.pk, r.year, r.month))
        if row is None:
            row = EnterpriseMonthly(park=park, enterprise=e, year=r.year, month=r.month)
            to_create.append(row)
        else:
            to_update.append(row)
        for name in MEASURES:
            setattr(row, name, r.values.get(name))
        row.source, row.is_demo, row.batch = "import", False, batch
    EnterpriseMonthly.objects.bulk_create(to_create, batch_size=500)
    now = timezone.now()  # bulk_update skips auto_now; the cockpit's data version reads it
    for row in to_update:
        row.updated_at = now
    EnterpriseMonthly.objects.bulk_update(
        to_update, [*MEASURES, "source", "is_demo", "batch", "updated_at"], batch_size=500
    )
    audit_record(
        actor=actor,
        via=via,
        action="economy.import",
        obj=batch,
        before=None,
        after={
            "file_name": batch.file_name,
            "sha256": batch.sha256,
            "sheets": batch.sheets,
            "created": len(to_create),
            "updated": len(to_update),
        },
    )
    return batch


@transaction.atomic
def profile_save(
    *, actor: User, via: str, enterprise: Enterprise, high_tech: bool, high_end_equipment: bool
) -> EconomyProfile:
    access.require(actor, access.CREATE, EconomyProfile)
    profile, created = EconomyProfile.objects.select_for_update().get_or_create(
        enterprise=enterprise
    )
    fields = ["high_tech", "high_end_equipment", "is_demo"]
    before = None if created else snapshot(profile, fields)
    profile.high_tech, profile.high_end_equipment, profile.is_demo = (
        high_tech,
        high_end_equipment,
        False,
    )
    profile.save()
    after = snapshot(profile, fields)
    if before is not None:
        before, after = changed_only(before, after)
    if after:
        audit_record(
            actor=actor,
            via=via,
            action="economy.profile.save",
            obj=profile,
            before=before,
            after=after,
            park_id=enterprise.park_id,
        )
    return profile
