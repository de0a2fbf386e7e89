"""Writes for carbon. Keyword-only, atomic, audited in the same transaction."""

import logging
from collections import defaultdict, deque
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop, pgettext

from parkpilot import events
from parkpilot.alerts import services as alert_services
from parkpilot.carbon import (
    accounting,
    documents,
    grading,
    periods,
    reports,
    selectors,
    shared_reads,
)
from parkpilot.carbon.errors import ErrorCode
from parkpilot.carbon.factors import FactorSet, validate_unit
from parkpilot.carbon.models import (
    AccountScope,
    AlertKind,
    BatchStatus,
    Budget,
    CarbonAccount,
    Carrier,
    CloseRule,
    EmissionFactor,
    IndustryAverage,
    Level,
    PeriodClose,
    Quantity,
    Region,
    Report,
    ReportBatch,
    ReportVersion,
    YearSettings,
)
from parkpilot.carbon.periods import Period, period
from parkpilot.carbon.rendering import RenderPool, default_workers
from parkpilot.energy import selectors as energy_selectors
from parkpilot.energy import selectors_carbon as energy_carbon
from parkpilot.inputs import Fields
from parkpilot.stored_text import stored
from parkpilot.tenancy import access
from parkpilot.tenancy.actors import is_system, system_actor
from parkpilot.tenancy.audit import audit_record, snapshot
from parkpilot.tenancy.errors import Code, FieldError, NotFound, ValidationFailed
from parkpilot.tenancy.models import Enterprise, Park
from parkpilot.tenancy.roles import ENTERPRISE_ROLES
from parkpilot.tenancy.selectors import role_holders

log = logging.getLogger(__name__)


def _positive(fields: Fields, field: str, value) -> Decimal | None:
    """A factor, an intensity or a budget: a number above zero."""
    number = fields.decimal(field, value)
    if number is not None and number <= 0:  # -1 and 0 get the same reason
        fields.refuse(field, gettext("Must be positive."), Code.OUT_OF_RANGE)
        return None
    return number


EARLIEST = date(2000, 1, 1)


def _year(fields: Fields, value) -> int | None:
    return fields.whole("year", value, low=2000, high=2100)


def _require(actor, model) -> None:
    """The policy's write right; scheduled work acts as its park's SystemActor."""
    access.require(actor, access.CREATE, model)


# --- catalogue -----------------------------------------------------------------------------


@transaction.atomic
def factor_create(
    *,
    actor,
    via: str,
    park: Park,
    carrier: str,
    quantity: str,
    region: str,
    year: int,
    value,
    unit: str,
    document: str,
    effective_from: date,
    purpose: str = "default",
    note: str = "",
    is_demo: bool = False,
) -> EmissionFactor:
    """Add a factor. The same key again is a new version; the previous one is kept (stored
    accounts that used it still name it) and marked superseded."""
    _require(actor, EmissionFactor)
    fields = Fields()
    errors = fields.errors
    for f, v, ch in (("carrier", carrier, Carrier), ("quantity", quantity, Quantity)):
        if v not in ch.values:
            errors.append(
                FieldError(f, gettext("Unknown value %(value)r.") % {"value": v}, Code.UNKNOWN)
            )
    if region not in Region.values:
        errors.append(
            FieldError(
                "region", gettext("Unknown region %(value)r.") % {"value": region}, Code.UNKNOWN
            )
        )
    year = _year(fields, year)
    amount = _positive(fields, "value", value)
    # Blank: in force since the earliest accounts.
    effective_from = fields.date("effective_from", effective_from, required=False) or EARLIEST
    if not (document or "").strip():
        errors.append(
            FieldError("document", gettext("The source document is required."), Code.REQUIRED)
        )
    if errors:
        raise ValidationFailed(errors)
    validate_unit(carrier, quantity, unit)
    key = dict(park=park, carrier=carrier, quantity=quantity, purpose=purpose or "default",
               region=region, year=year)  # fmt: skip
    previous = EmissionFactor.objects.select_for_update().filter(**key).order_by("-version")
    last = previous.first()
    if last is not None:
        previous.filter(superseded=False).update(superseded=True)
    row = EmissionFactor.objects.create(
        **key,
        value=amount,
        unit=unit,
        document=document.strip(),
        effective_from=effective_from,
        note=note,
        version=(last.version + 1) if last else 1,
        is_demo=is_demo,
        created_by=actor if actor is not None and actor.pk else None,
    )
    audit_record(
        actor=actor, via=via, action="carbon.factor.create", obj=row,
        before=snapshot(last, ["value", "unit", "document", "version"]) if last else None,
        after=snapshot(row, ["carrier", "quantity", "region", "year", "value", "unit",
                             "document", "version"]),
    )  # fmt: skip
    return row


@transaction.atomic
def settings_upsert(
    *,
    actor,
    via: str,
    park: Park,
    year: int,
    grade_bounds=None,
    level_bounds=None,
    tou_hours: dict | None = None,
    document: str = "",
    is_demo: bool = False,
) -> YearSettings:
    _require(actor, YearSettings)
    fields = Fields()
    year = _year(fields, year)
    grade_b = grading.validate_bounds(
        "grade_bounds", grade_bounds or grading.DEFAULT_GRADE_BOUNDS, 4
    )
    level_b = grading.validate_bounds(
        "level_bounds", level_bounds or grading.DEFAULT_LEVEL_BOUNDS, 2
    )
    tou = {}
    for name, hours in (tou_hours or {}).items():
        if name not in ("sharp", "peak", "valley"):
            fields.refuse("tou_hours", gettext("Hours must be whole hours 0-23."), Code.FORMAT)
            continue
        tou[name] = [fields.whole("tou_hours", h, low=0, high=23) for h in hours]
    fields.check()
    row = YearSettings.objects.filter(park=park, year=year).first()
    before = snapshot(row, ["grade_bounds", "level_bounds", "tou_hours"]) if row else None
    if row is None:
        row = YearSettings(park=park, year=year)
    row.grade_bounds, row.level_bounds, row.tou_hours = grade_b, level_b, tou
    row.document, row.is_demo = document, is_demo
    row.save()
    audit_record(
        actor=actor, via=via, action="carbon.settings.save", obj=row, before=before,
        after=snapshot(row, ["grade_bounds", "level_bounds", "tou_hours"]),
    )  # fmt: skip
    return row


@transaction.atomic
def industry_average_upsert(
    *, actor, via: str, park: Park, industry_code: str, year: int, intensity, document: str = "",
    is_demo: bool = False,
) -> IndustryAverage:  # fmt: skip
    _require(actor, IndustryAverage)
    # GB/T 4754 division as enterprises carry it (e.g. "C34"): grading matches it exactly.
    industry_code = (industry_code or "").strip().upper()
    if not industry_code or len(industry_code) > 3:
        raise ValidationFailed.single(
            "industry_code", gettext("Invalid industry code."), Code.FORMAT
        )
    fields = Fields()
    year = _year(fields, year)
    value = _positive(fields, "intensity", intensity)
    fields.check()
    row, _ = IndustryAverage.objects.update_or_create(
        park=park, industry_code=industry_code, year=year,
        defaults={"intensity": value, "document": document, "is_demo": is_demo},
    )  # fmt: skip
    audit_record(
        actor=actor, via=via, action="carbon.industry_average.save", obj=row, before=None,
        after=snapshot(row, ["industry_code", "year", "intensity"]),
    )  # fmt: skip
    return row


# --- accounts ------------------------------------------------------------------------------


def _all_scopes(acc: selectors.Accounts, park: Park):
    """Every scope's figures (the stored form) in the period."""
    for eid, a in acc.enterprises.items():
        yield AccountScope.ENTERPRISE, eid, eid, a.figures()
    if acc.public:
        yield AccountScope.PUBLIC, park.pk, None, acc.public_total().figures()
    for zid in acc.zones:
        yield AccountScope.ZONE, zid, None, acc.zone(zid).figures()
    yield AccountScope.PARK, park.pk, None, acc.park().figures()


def _reason(text) -> str:
    reason = str(text or "").strip()
    if len(reason) > 500:
        raise ValidationFailed.single("reason", gettext("At most 500 characters."), Code.TOO_LONG)
    return reason


def close_threshold() -> float:
    """Data completeness at which an ended month closes by itself (PARKPILOT_CLOSE_COMPLETENESS,
    percent, default 95)."""
    return settings.PARKPILOT_CLOSE_COMPLETENESS / 100


def close_after() -> timedelta:
    """How long after its end a month closes whatever its completeness
    (PARKPILOT_CLOSE_AFTER_DAYS, default 5)."""
    return timedelta(days=settings.PARKPILOT_CLOSE_AFTER_DAYS)


def due_rule(per: Period, rate: float, now: datetime) -> str | None:
    """Why an ended period closes by itself now, or None: completeness reached the threshold,
    or the configured days after its end have passed, whichever comes first."""
    if not periods.has_ended(per, now):
        return None
    if rate >= close_threshold():
        return CloseRule.COMPLETENESS
    if now >= per.end + close_after():
        return CloseRule.DAYS
    return None


def _write_snapshot(*, park, per, version, rule, actor, via, reason, now) -> PeriodClose:
    """Compute and store one snapshot version: its closing record and every scope's account."""
    parts = selectors.snapshot_parts(park=park, per=per, now=now)
    complete = parts["completeness"]
    scopes = list(_all_scopes(parts["accounts"], park))
    closing = PeriodClose.objects.create(
        park=park, level=per.level, period_start=per.start.date(), version=version,
        rule=rule, reason=reason, closed_by=actor if actor is not None and actor.pk else None,
        via=via, completeness=complete.as_dict() | {"threshold": close_threshold()},
        incomplete_points=complete.points, quarantined_points=parts["quarantined"],
        factor_ids=sorted({i for *_x, a in scopes for i in accounting.factor_ids(a)}),
        indicators=parts["indicators"], grades=parts["grades"],
        grade_error=parts["grade_error"][:300], compare=parts["compare"], ytd=parts["ytd"],
    )  # fmt: skip
    rows = [
        CarbonAccount(
            park=park, scope=scope, scope_id=sid, enterprise_id=ent, level=per.level,
            period_start=per.start.date(), tce=a["tce"], co2_t=a["co2_t"], figures=a,
            factor_ids=accounting.factor_ids(a), version=version, closing=closing,
        )
        for scope, sid, ent, a in scopes
    ]  # fmt: skip
    CarbonAccount.objects.bulk_create(rows)
    return closing


@transaction.atomic
def account_close(
    *, actor, via: str, park: Park, per: Period, reason: str = "", now: datetime | None = None
) -> PeriodClose:
    """Close an ended period: store its snapshot (version 1). The system closes what is due
    (completeness at the threshold, or the days after the end passed); staff may close earlier
    with a stated reason. A period that has not ended is refused, naming the field; closing a
    closed period again is refused too (a recompute makes the next version)."""
    _require(actor, CarbonAccount)
    now = now or timezone.now()
    periods.require_closable(per, now)
    if selectors.current_closing(park=park, per=per) is not None:
        raise ValidationFailed.single(
            "period",
            gettext("%(period)s is already closed; recompute to make a new version.")
            % {"period": per.label},
            ErrorCode.ALREADY_CLOSED,
        )
    complete = energy_selectors.period_completeness(
        user=selectors.system_reader(park), park_id=park.pk, start=per.start, end=per.end, now=now
    )
    rule = due_rule(per, complete.rate, now)
    reason = _reason(reason)
    if rule is None:
        if is_system(actor):
            raise ValidationFailed.single(
                "period",
                gettext("%(period)s is not due.") % {"period": per.label},
                ErrorCode.NOT_DUE,
            )
        if not reason:
            raise ValidationFailed.single(
                "reason",
                gettext(
                    "Completeness %(rate)s is below %(threshold)s and %(days)d days have not "
                    "passed: closing early needs a stated reason."
                )
                % {
                    "rate": f"{complete.rate:.1%}",
                    "threshold": f"{close_threshold():.0%}",
                    "days": close_after().days,
                },
                ErrorCode.REASON_REQUIRED,
            )
        rule = CloseRule.STAFF
    closing = _write_snapshot(
        park=park, per=per, version=1, rule=rule, actor=actor, via=via, reason=reason, now=now
    )
    audit_record(
        actor=actor, via=via, action="carbon.account.close", obj=closing, park_id=park.pk,
        before=None,
        after={"period": per.label, "level": per.level, "version": 1, "rule": rule,
               "reason": reason, "completeness": closing.completeness["rate"],
               "incomplete_points": len(closing.incomplete_points),
               "quarantined_points": len(closing.quarantined_points)},
    )  # fmt: skip
    return closing


def close_due(*, park: Park, now: datetime | None = None) -> list[PeriodClose]:
    """Close every ended month of the park that is due, oldest first, catching up months a
    stopped scheduler or a late start missed. Months close in order, so a month's
    month-on-month always compares with a closed month; the first month not yet due stops
    the run (every later one ended later, so it is not due by days either)."""
    now = now or timezone.now()
    closed = []
    for per in open_ended_months(park=park, now=now):
        complete = energy_selectors.period_completeness(
            user=selectors.system_reader(park), park_id=park.pk, start=per.start,
            end=per.end, now=now,
        )  # fmt: skip
        if due_rule(per, complete.rate, now) is None:
            break
        try:
            closed.append(
                account_close(actor=system_actor(park, "carbon.close"), via="system", park=park,
                              per=per, now=now)
            )  # fmt: skip
        except ValidationFailed as exc:  # e.g. a factor missing: retried next time, logged
            log.warning("carbon: park %s: %s not closed: %s", park.pk, per.label, exc)
            break
        except IntegrityError:  # another worker closed it first: its snapshot stands
            break
    return closed


def open_ended_months(*, park: Park, now: datetime) -> list[Period]:
    """Ended months from the park's first metered month that have no snapshot yet."""
    first = energy_carbon.first_rollup_month(park_id=park.pk)
    if first is None:
        return []
    per = selectors.month_period(park, first.year, first.month)
    closed = set(
        PeriodClose.objects.filter(park=park, level=Level.MONTH, current=True).values_list(
            "period_start", flat=True
        )
    )
    out = []
    while periods.has_ended(per, now):
        if per.start.date() not in closed:
            out.append(per)
        per = period(Level.MONTH, per.end, per.start.tzinfo)
    return out


def _grade_changes(before: dict, after: dict) -> list[dict]:
    """Enterprises whose grade or K differs between two snapshots."""
    out = []
    for eid in sorted({*before, *after}, key=int):
        was, now = before.get(eid, {}), after.get(eid, {})
        if (was.get("grade"), was.get("k")) != (now.get("grade"), now.get("k")):
            out.append({"enterprise_id": int(eid), "before": was.get("grade"),
                        "after": now.get("grade"), "k_before": was.get("k"),
                        "k_after": now.get("k")})  # fmt: skip
    return out


def reproduce(*, account: CarbonAccount, park: Park) -> dict:
    """Recompute a stored account from the rollups with exactly its own factor versions."""
    per = period(account.level, account.period_start, park.timezone)
    factors = FactorSet.from_ids(park=park, year=per.year, ids=account.factor_ids)
    acc = selectors.live_accounts(
        user=selectors.system_reader(park), park=park, per=per, factors=factors
    )
    return acc.scope(account.scope, account.scope_id).figures()


@transaction.atomic
def account_recompute(
    *, actor, via: str, park: Park, per: Period, reason: str = "", now: datetime | None = None
) -> dict:
    """Recompute a closed period from today's data and catalogue: an explicit, audited action
    that makes the next snapshot version and keeps every earlier one as it was. Returns the
    new version and, per scope, the figures before and after and their difference."""
    access.require(actor, access.CREATE, CarbonAccount)
    reason = _reason(reason)
    old = (
        PeriodClose.objects.select_for_update()
        .filter(park=park, level=per.level, period_start=per.start.date(), current=True)
        .first()
    )
    if old is None:
        raise ValidationFailed.single(
            "period", gettext("This period is not closed."), ErrorCode.NOT_CLOSED
        )
    before = {(a.scope, a.scope_id): a for a in old.accounts.all()}
    PeriodClose.objects.filter(pk=old.pk).update(current=False)
    new = _write_snapshot(
        park=park, per=per, version=old.version + 1, rule=CloseRule.RECOMPUTE, actor=actor,
        via=via, reason=reason, now=now or timezone.now(),
    )  # fmt: skip
    changes = []
    for row in new.accounts.order_by("scope", "scope_id"):
        was = before.get((row.scope, row.scope_id))
        b = {"co2_t": was.co2_t, "tce": was.tce, "factor_ids": was.factor_ids} if was else None
        changes.append(
            {
                "scope": row.scope,
                "scope_id": row.scope_id,
                "before": b,
                "after": {"co2_t": row.co2_t, "tce": row.tce, "factor_ids": row.factor_ids},
                "co2_t_diff": row.co2_t - (was.co2_t if was else 0.0),
                "tce_diff": row.tce - (was.tce if was else 0.0),
            }
        )
    grade_changes = _grade_changes(old.grades, new.grades)
    new.difference = {"scopes": changes, "grades": grade_changes}
    new.save(update_fields=["difference"])
    park_change = next(c for c in changes if c["scope"] == AccountScope.PARK)
    audit_record(
        actor=actor, via=via, action="carbon.account.recompute", obj=new, park_id=park.pk,
        before={"version": old.version, "co2_t": (park_change["before"] or {}).get("co2_t"),
                "factor_ids": old.factor_ids},
        after={"version": new.version, "co2_t": park_change["after"]["co2_t"],
               "factor_ids": new.factor_ids, "reason": new.reason,
               "changed_scopes": sum(1 for c in changes if c["co2_t_diff"] or c["tce_diff"]),
               "changed_grades": len(grade_changes)},
    )  # fmt: skip
    return {"version": new.version, "previous_version": old.version, "changes": changes,
            "grades": grade_changes}  # fmt: skip


# --- budgets and alerts --------------------------------------------------------------------


@transaction.atomic
def budget_upsert(
    *, actor, via: str, park: Park, year: int, energy_tce, co2_t, enterprise_id: int | None = None,
    is_demo: bool = False,
) -> Budget:  # fmt: skip
    access.require(actor, access.CREATE, Budget)
    fields = Fields()
    year = _year(fields, year)
    energy = _positive(fields, "energy_tce", energy_tce)
    co2 = _positive(fields, "co2_t", co2_t)
    enterprise_id = fields.whole("enterprise_id", enterprise_id, low=1, required=False)
    fields.check()
    if enterprise_id is not None:
        ent = Enterprise.objects.filter(park=park, pk=enterprise_id).first()
        if ent is None:
            raise ValidationFailed.single(
                "enterprise_id", gettext("Unknown enterprise."), Code.UNKNOWN
            )
    row = Budget.objects.filter(park=park, enterprise_id=enterprise_id, year=year).first()
    before = snapshot(row, ["energy_tce", "co2_t"]) if row else None
    if row is None:
        row = Budget(park=park, enterprise_id=enterprise_id, year=year)
    row.energy_tce, row.co2_t, row.is_demo = energy, co2, is_demo
    row.save()
    audit_record(
        actor=actor, via=via, action="carbon.budget.save", obj=row, before=before,
        after=snapshot(row, ["enterprise", "year", "energy_tce", "co2_t"]),
    )  # fmt: skip
    return row


@transaction.atomic
def alerts_evaluate(*, park: Park, per: Period) -> list:
    """After a month: projected over budget, or a grade worse than the month before → an
    alert to the enterprise (each at most once per period and kind)."""
    ytd = periods.year_to_date(per)
    used_by = _ytd_use(park, per, ytd)
    made = []
    budgets = {b.enterprise_id: b for b in Budget.objects.filter(park=park, year=per.year)}
    for eid, b in budgets.items():
        if eid is None:
            continue
        acc = used_by.get(str(eid)) or {"tce": 0.0, "co2_t": 0.0}
        for kind, used, limit, label in (
            (AlertKind.BUDGET_ENERGY, acc["tce"], float(b.energy_tce), gettext_noop("energy use")),
            (AlertKind.BUDGET_CO2, acc["co2_t"], float(b.co2_t), gettext_noop("carbon emissions")),
        ):
            p = selectors.projection(used, ytd, limit)
            if p["over"]:
                unit = "tce" if kind == AlertKind.BUDGET_ENERGY else "tCO2"
                made += _alert(
                    park, eid, kind, str(per.year),
                    stored(gettext_noop("At this pace the year's %(figure_msg)s is projected at "
                                        "%(projected)s %(unit)s, over the budget of %(budget)s "
                                        "%(unit)s."),
                           figure_msg=label, projected=f"{p['projected']:.1f}",
                           budget=f"{limit:.1f}", unit=unit),
                    {"figure": kind, "projected": p["projected"], "budget": limit, "used": used},
                )  # fmt: skip
    try:
        now_g = _grades(park, per)
        prev_g = _grades(park, per.previous())
    except ValidationFailed:
        return made
    for eid, g in now_g.items():
        before = prev_g.get(eid, {}).get("grade")
        if g["grade"] and before and g["grade"] > before:
            made += _alert(
                park, eid, AlertKind.GRADE_WORSE, per.label,
                stored(gettext_noop("The carbon-efficiency grade worsened from %(before)s to "
                                    "%(after)s (carbon intensity %(intensity)s tCO2/10k CNY)."),
                       before=before, after=g["grade"],
                       intensity=f"{g['carbon_intensity']:.3f}"),
                {"figure": "carbon_efficiency_grade", "before": before, "after": g["grade"],
                 "carbon_intensity": g["carbon_intensity"]},
            )  # fmt: skip
    return made


def _ytd_use(park: Park, per: Period, ytd: Period) -> dict:
    """Use from 1 January per enterprise: a closed month's snapshot's, else live."""
    closing = selectors.current_closing(park=park, per=per)
    if closing is not None and closing.ytd:
        return closing.ytd
    acc = selectors.live_accounts(user=selectors.system_reader(park), park=park, per=ytd)
    return {str(eid): {"tce": a.tce, "co2_t": a.co2_t} for eid, a in acc.enterprises.items()}


def _grades(park: Park, per: Period) -> dict:
    closing = selectors.current_closing(park=park, per=per)
    if closing is not None:  # a closed month's grades are its snapshot's
        return selectors.snapshot_grades(closing)
    system = selectors.system_reader(park)
    acc = selectors.live_accounts(user=system, park=park, per=per)
    return selectors.grades(
        park=park, accounts=acc, econ=selectors.economics(user=system, park=park, per=per)
    )


def _alert(park, eid, kind, period_label, message, figure) -> list:
    """Raise one alert to the enterprise through the alerts framework: once per enterprise,
    kind and period while it is not closed; its people are told under the bell."""
    people = role_holders(ENTERPRISE_ROLES, enterprise_id=eid, is_active=True)
    alert, created = alert_services.alert_raise(
        actor=system_actor(park, "carbon.alerts"), park=park, kind=f"carbon.{kind}",
        subject=f"enterprise:{eid}/{period_label}", title=message, detail=message,
        link=reverse("carbon:mine"), enterprise_id=eid,
        figure={**figure, "period": period_label}, recipients=list(people),
    )  # fmt: skip
    return [alert] if created else []


def alert_acknowledge(*, actor, via: str, alert_id: int):
    """The enterprise has seen its alert (again: nothing changes)."""
    alert = selectors.alert_get(user=actor, alert_id=alert_id)
    if alert.acknowledged_at is not None:
        return alert
    return alert_services.alert_acknowledge(actor=actor, via=via, alert=alert)


# --- reports -------------------------------------------------------------------------------
# An issue reads the figures and renders the files outside any transaction (a PDF takes a few
# hundred ms, and on SQLite an open write transaction holds the database's one write lock that
# long), then stores the new version in one short transaction.

REPORT_ATTEMPTS = 3  # a report whose issue fails unexpectedly is tried this often in a batch
BATCH_STALE_AFTER = timedelta(minutes=15)  # a running batch with no progress for this long died
SYSTEM_REASON = gettext_noop("Scheduled issue")
POOL_FROM = 8  # a batch of at least this many reports renders in worker processes


class ConcurrentIssue(ValidationFailed):
    """Someone issued the same report between reading its figures and storing them."""


@dataclass
class ReportDraft:
    """The next version of a report, figures and document block ready, files not yet made."""

    enterprise: Enterprise
    year: int
    month: int
    version: int
    content: dict
    previous: ReportVersion | None
    actor: object
    via: str
    batch_id: int | None


def _report_enterprise(actor, enterprise_id: int) -> Enterprise:
    ent = Enterprise.objects.select_related("park", "zone").filter(pk=enterprise_id).first()
    if ent is None:
        raise NotFound
    _require(actor, Report)
    if not actor.is_superuser and actor.park_id != ent.park_id:
        raise NotFound
    return ent


def _report_period(year, month) -> tuple[int, int]:
    """A report's year, and its month (0: the whole year)."""
    fields = Fields()
    year = _year(fields, year)
    month = fields.whole("month", month, low=0, high=12)
    fields.check()
    return year, month


def report_prepare(
    *, actor, via: str, enterprise: Enterprise, year: int, month: int, reason: str = "",
    batch_id: int | None = None,
) -> ReportDraft:  # fmt: skip
    """Read the figures and build the document block of the report's next version (reads only:
    call it outside a transaction)."""
    with translation.override(documents.REPORT_LANGUAGE):  # a Chinese document, whoever asks
        return _report_prepare(actor, via, enterprise, year, month, reason, batch_id)


def _report_prepare(actor, via, enterprise, year, month, reason, batch_id) -> ReportDraft:
    park = enterprise.park
    content = reports.build_content(enterprise=enterprise, year=year, month=month)
    report = Report.objects.filter(enterprise=enterprise, year=year, month=month).first()
    previous = None
    if report is not None and report.latest_version:
        previous = report.versions.defer("pdf", "xlsx").get(version=report.latest_version)
    factors = documents.factor_entries(park=park, content=content)
    content["document"] = documents.document_block(
        number=documents.report_number(park.code, year, month, enterprise.pk),
        version=previous.version + 1 if previous else 1,
        issued_at=timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        issued_by=_actor_label(actor),
        reason=reason.strip() or (gettext(SYSTEM_REASON) if is_system(actor) else ""),
        factors=factors,
        demo=documents.demo_inputs(park=park, enterprise=enterprise, year=year, month=month,
                                   factors=factors, sections=content.get("sections", [])),
        previous=(
            {"version": previous.version, "content_sha256": previous.content_sha256,
             "pdf_sha256": previous.pdf_sha256}
            if previous else None
        ),
        content_sha256=documents.figures_sha256(content),
    )  # fmt: skip
    return ReportDraft(enterprise, year, month, content["document"]["version"], content,
                       previous, actor, via, batch_id)  # fmt: skip


def _actor_label(actor) -> str:
    if is_system(actor):
        return pgettext("report issued by", "System")
    return actor.get_full_name() or actor.username


@transaction.atomic
def report_store(*, draft: ReportDraft, pdf: bytes, xlsx: bytes) -> Report:
    """Store a rendered draft as the report's new version, with its audit row (and, in a
    batch, the batch's progress), in one short transaction."""
    ent, doc = draft.enterprise, draft.content["document"]
    report, _ = Report.objects.select_for_update().get_or_create(
        enterprise=ent, year=draft.year, month=draft.month,
        defaults={"park": ent.park, "number": doc["number"]},
    )  # fmt: skip
    if report.latest_version != draft.version - 1:
        raise ConcurrentIssue.single(
            "version", gettext("Another version of this report was just issued: try again.")
        )
    previous = draft.previous
    difference = documents.difference(previous.content, draft.content) if previous else []
    actor = draft.actor if draft.actor is not None and draft.actor.pk else None
    version = ReportVersion.objects.create(
        report=report, park=ent.park, enterprise=ent, version=draft.version,
        content=draft.content, pdf=pdf, xlsx=xlsx, content_sha256=doc["content_sha256"],
        pdf_sha256=documents.sha256(pdf), xlsx_sha256=documents.sha256(xlsx),
        factors=doc["factors"], completeness=draft.content.get("completeness") or {},
        is_demo=bool(doc["demo_inputs"]), difference=difference, reason=doc["reason"],
        issued_by=actor, issued_by_label=doc["issued_by"], issued_at=timezone.now(),
        batch_id=draft.batch_id,
    )  # fmt: skip
    report.latest_version, report.batch_id = version.version, draft.batch_id
    report.save(update_fields=["latest_version", "batch", "generated_at"])
    audit_record(
        actor=draft.actor, via=draft.via, action="carbon.report.issue", obj=report,
        before=(
            {"version": previous.version, "content_sha256": previous.content_sha256,
             "pdf_sha256": previous.pdf_sha256}
            if previous else None
        ),
        after={"version": version.version, "content_sha256": version.content_sha256,
               "pdf_sha256": version.pdf_sha256, "xlsx_sha256": version.xlsx_sha256,
               "reason": version.reason,
               "changed": [r["key"] for r in difference if r["changed"]]},
    )  # fmt: skip
    if draft.batch_id is not None:
        ReportBatch.objects.filter(pk=draft.batch_id).update(
            done=F("done") + 1, heartbeat_at=timezone.now()
        )
    return report


def report_issue(
    *, actor, via: str, enterprise_id: int, year: int, month: int, reason: str = "",
    batch_id: int | None = None,
) -> Report:  # fmt: skip
    """Issue a new version of one enterprise's 碳体检报告 (PDF + XLSX) for a month (or the
    year: month 0). Earlier versions stay as they were; a person re-issuing states why."""
    ent = _report_enterprise(actor, enterprise_id)
    year, month = _report_period(year, month)
    draft = report_prepare(
        actor=actor, via=via, enterprise=ent, year=year, month=month, reason=reason,
        batch_id=batch_id,
    )  # fmt: skip
    if draft.version > 1 and not draft.content["document"]["reason"]:
        raise ValidationFailed.single(
            "reason", gettext("A re-issue needs a reason."), ErrorCode.REASON_REQUIRED
        )
    pdf, xlsx = reports.render(draft.content)
    return report_store(draft=draft, pdf=pdf, xlsx=xlsx)


# The name callers used before reports had versions: every generation is an issue.
report_generate = report_issue


# Emitted after a batch is made to run; carbon.tasks starts it (CarbonConfig.event_handlers).
BATCH_QUEUED = "carbon.report_batch_queued"


@transaction.atomic
def batch_create(
    *, actor, via: str, park: Park, year: int, month: int, start: bool = True
) -> ReportBatch:
    """A batch of every enterprise's report; its run starts in the task queue after commit
    (carbon.tasks hears `carbon.report_batch_queued`: the task module imports the services,
    never the other way round)."""
    _require(actor, ReportBatch)
    year, month = _report_period(year, month)
    total = Enterprise.objects.tenants().filter(park=park).count()
    batch = ReportBatch.objects.create(
        park=park, year=year, month=month, total=total,
        created_by=actor if actor is not None and actor.pk else None,
    )  # fmt: skip
    audit_record(
        actor=actor, via=via, action="carbon.report.batch", obj=batch, before=None,
        after={"year": year, "month": month, "total": total},
    )  # fmt: skip
    if start:
        events.emit(BATCH_QUEUED, batch_id=batch.pk)
    return batch


def batch_run(*, batch_id: int, workers: int | None = None) -> ReportBatch:
    """Issue every enterprise's report of the batch. The park is read once per period for the
    whole batch, the files render in worker processes, each report is stored in its own short
    transaction; a report that fails is retried (REPORT_ATTEMPTS) and then recorded with its
    reason while the others go on. The batch always ends done or failed, never running."""
    batch = ReportBatch.objects.select_related("park").get(pk=batch_id)
    if batch.finished:
        return batch
    now = timezone.now()
    ReportBatch.objects.filter(pk=batch_id).update(status=BatchStatus.RUNNING, heartbeat_at=now)
    try:
        with shared_reads.shared(batch=True):
            _batch_issue_all(batch, workers)
    except Exception as exc:  # (whatever broke the run, the batch must end)
        log.exception("report batch %s failed", batch_id)
        _batch_finish(batch_id, BatchStatus.FAILED, f"{type(exc).__name__}: {exc}"[:500])
    else:
        failed = ReportBatch.objects.values_list("failed", flat=True).get(pk=batch_id)
        if failed:  # the others are issued; the batch says which failed and why
            reason = stored(
                gettext_noop("%(failed)d of %(total)d reports failed."),
                failed=failed,
                total=batch.total,
            )
            _batch_finish(batch_id, BatchStatus.FAILED, reason)
        else:
            _batch_finish(batch_id, BatchStatus.DONE, "")
    batch.refresh_from_db()
    return batch


def _batch_issue_all(batch: ReportBatch, workers: int | None) -> None:
    system = selectors.system_reader(batch.park)
    issued = set(ReportVersion.objects.filter(batch=batch).values_list("enterprise_id", flat=True))
    enterprises = (
        Enterprise.objects.tenants().filter(park=batch.park).select_related("park", "zone")
    )
    queue = deque(e for e in enterprises.order_by("id") if e.pk not in issued)  # resumable
    attempts: dict[int, int] = defaultdict(int)

    def failed(ent: Enterprise, exc: Exception) -> None:
        attempts[ent.pk] += 1
        hopeless = isinstance(exc, ValidationFailed) and not isinstance(exc, ConcurrentIssue)
        if hopeless or attempts[ent.pk] >= REPORT_ATTEMPTS:  # bad data: no retry helps
            _batch_failure(batch.pk, ent, exc, attempts[ent.pk])
        else:
            queue.append(ent)

    if workers is None:  # starting worker processes costs about a second: not for a few
        workers = default_workers() if len(queue) >= POOL_FROM else 1
    with RenderPool(workers) as pool:
        in_flight: dict = {}  # future → draft
        window = 2 * pool.workers  # keep every worker busy while the next drafts are read

        def collect(block_until_one: bool) -> None:
            done, _ = wait(in_flight, timeout=None if block_until_one else 0,
                           return_when=FIRST_COMPLETED)  # fmt: skip
            for future in done:
                draft = in_flight.pop(future)
                try:
                    pdf, xlsx = future.result()
                    report_store(draft=draft, pdf=pdf, xlsx=xlsx)
                except Exception as exc:  # (recorded per report)
                    failed(draft.enterprise, exc)

        while queue or in_flight:
            if queue and len(in_flight) < window:
                ent = queue.popleft()
                try:
                    draft = report_prepare(
                        actor=system, via="system", enterprise=ent, year=batch.year,
                        month=batch.month, reason=documents.document_text(
                            gettext_noop("Batch issue (batch %(batch)d)"), batch=batch.pk),
                        batch_id=batch.pk,
                    )  # fmt: skip
                    in_flight[pool.submit(draft.content)] = draft
                except Exception as exc:  # (recorded per report)
                    failed(ent, exc)
                collect(block_until_one=False)
            else:
                collect(block_until_one=True)


@transaction.atomic
def _batch_failure(batch_id: int, ent: Enterprise, exc: Exception, attempts: int) -> None:
    batch = ReportBatch.objects.select_for_update().get(pk=batch_id)
    batch.failed += 1
    batch.heartbeat_at = timezone.now()
    error = {"enterprise_id": ent.pk, "enterprise": ent.name, "attempts": attempts,
             "error": str(exc)[:300] or type(exc).__name__}  # fmt: skip
    batch.errors = [*batch.errors, error][-100:]
    batch.save(update_fields=["failed", "errors", "heartbeat_at"])


def _batch_finish(batch_id: int, status: str, reason: str) -> None:
    ReportBatch.objects.filter(pk=batch_id).update(
        status=status, reason=reason, finished_at=timezone.now()
    )


@transaction.atomic
def batch_reap_stale(*, now: datetime | None = None) -> int:
    """Batches left running (or never started) with no progress for BATCH_STALE_AFTER: their
    worker died. They end failed, saying so, so no batch stays "running" for ever."""
    now = now or timezone.now()
    since = now - BATCH_STALE_AFTER
    stale = (
        ReportBatch.objects.select_for_update()
        .filter(status__in=[BatchStatus.QUEUED, BatchStatus.RUNNING])
        .filter(Q(heartbeat_at__lt=since) | Q(heartbeat_at__isnull=True, created_at__lt=since))
    )
    count = 0
    for batch in stale:
        last = (batch.heartbeat_at or batch.created_at).isoformat(timespec="seconds")
        batch.status, batch.finished_at = BatchStatus.FAILED, now
        batch.reason = stored(
            gettext_noop("Stopped: no progress since %(since)s (%(done)d of %(total)d done)."),
            since=last,
            done=batch.done,
            total=batch.total,
        )
        batch.save(update_fields=["status", "finished_at", "reason"])
        audit_record(
            actor=None, via="system", action="carbon.report.batch_stale", obj=batch,
            before={"status": "running"}, after={"status": "failed", "reason": batch.reason},
        )  # fmt: skip
        count += 1
    return count
