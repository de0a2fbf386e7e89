"""Writes of the points supermarket: keyword-only, atomic, audited.

Every movement is one ledger entry (`parkpilot.ledger.services.post`) with an idempotency key
derived from what it is (an award from its rule, source and member; a redemption's steps from
the redemption), so a retried request never books twice. Work on one member is serialised by
locking the member's row first (SELECT ... FOR UPDATE on PostgreSQL; SQLite's writers queue at
BEGIN IMMEDIATE): caps, limits and lots are then read and written with no one in between.
Stock moves by a guarded conditional UPDATE, so the last items are never sold twice.

Every audited write takes `via` from its caller ("ui" for pages, "api", "task" for scheduled
work and event handlers, "system" for the platform's own steps) and records through `_audit`.
Many awards at once (an XLSX of volunteering hours) go through `awards_bulk`: one transaction
per chunk, the rows of a chunk written in a few multi-row INSERTs."""

import datetime
import secrets
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from parkpilot.ledger import services as ledger
from parkpilot.ledger.models import Account
from parkpilot.notifications.services import notify
from parkpilot.points.errors import PointsCode
from parkpilot.points.models import (
    Activity,
    Award,
    EarningRule,
    Good,
    Lot,
    LotUse,
    Member,
    MemberKind,
    Redemption,
    RedemptionStatus,
    RuleKind,
)
from parkpilot.stored_text import stored
from parkpilot.tenancy import access
from parkpilot.tenancy.audit import audit_record, audit_row, changed_only, snapshot
from parkpilot.tenancy.errors import Code, FieldError, ValidationFailed
from parkpilot.tenancy.models import AuditLog

TZ = ZoneInfo("Asia/Shanghai")
UNIT = "points"
PICK_UP_DAYS = 3
# How a write came in (AuditLog.via): pages, the API (session or token), the CLI, tasks.
VIAS = frozenset({"ui", "api", "token", "cli", "admin", "task", "system"})


def _audit(actor, via: str, action: str, obj, *, before=None, after=None, park_id=None):
    """The audit row of one points write, in the caller's transaction."""
    if via not in VIAS:
        raise ValueError(f"via must be one of {sorted(VIAS)}, not {via!r}")
    audit_record(
        actor=actor,
        via=via,
        action=f"points.{action}",
        obj=obj,
        before=before,
        after=after,
        park_id=park_id,
    )


def _system_account(park, name: str):
    return ledger.account_open(park=park, unit=UNIT, owner=f"points.{name}", guarded=False)


def _today(now) -> datetime.date:
    return timezone.localtime(now, TZ).date()


def expiry_of(earned_on: datetime.date) -> datetime.date:
    """Points expire at the end of the year after the one they were earned in."""
    return datetime.date(earned_on.year + 1, 12, 31)


# --- members ------------------------------------------------------------------------------


def member_enrol(
    *, actor, via: str, park, kind: str, name: str, user=None, enterprise=None, party_org=""
):
    """A member of the park (a person, or an enterprise as a whole), with its guarded account.
    Enrolling the same person or enterprise again returns the existing member."""
    existing = _existing_member(park, kind, user, enterprise)
    if existing:
        return existing
    try:
        with transaction.atomic():
            member = Member(
                park=park,
                kind=kind,
                name=name[:100],
                user=user,
                enterprise=enterprise,
                party_org=party_org[:100],
                card_code=f"{secrets.randbelow(10**12):012d}",
            )
            member.account = ledger.account_open(
                park=park, unit=UNIT, owner=f"points.member:{member.card_code}"
            )
            member.save()
            _audit(
                actor,
                via,
                "member.enrol",
                member,
                after=snapshot(member, ["kind", "name", "party_org"]),
            )
            return member
    except IntegrityError:
        return _existing_member(park, kind, user, enterprise)


def _existing_member(park, kind, user, enterprise):
    if user is not None:
        found = Member.objects.filter(park=park, user=user).first()
    elif kind == MemberKind.ENTERPRISE:
        found = Member.objects.filter(park=park, kind=kind, enterprise=enterprise).first()
    else:
        return None
    if found is not None:
        found.park = park  # the caller's park: no second look-up when an award needs it
    return found


def member_for_person(*, user, via: str) -> Member:
    """The signed-in person's own member, enrolled on first use (the front door's card)."""
    kind = MemberKind.EMPLOYEE if user.enterprise_id else MemberKind.RESIDENT
    return member_enrol(
        actor=user,
        via=via,
        park=user.park,
        kind=kind,
        name=str(user),
        user=user,
        enterprise=user.enterprise,
    )


def _locked(member: Member) -> Member:
    """The member's row locked for the transaction (only it: `of` keeps the joined account and
    park rows free), with its account and park in the same query."""
    return (
        Member.objects.select_for_update(of=("self",))
        .select_related("account", "park")
        .get(pk=member.pk)
    )


# --- earning ------------------------------------------------------------------------------


def award(*, actor, via: str, member: Member, rule: EarningRule, source: str, now=None) -> Award:
    """Award the rule's points for `source` (e.g. "services.request:12"), once: the same rule,
    source and member never award twice. Refused past a cap or for a rule that is off.

    Eight statements inside the transaction for a rule without caps (nine with): lock the member
    and read its two accounts (one SELECT), the awards so far only when a cap or a switched-off
    rule needs them, the ledger entry (its INSERT, the postings' INSERT, two balance UPDATEs),
    then the lot, the award and its audit row. A retried source meets its key in the ledger's
    INSERT ... ON CONFLICT and returns the first award, having written nothing."""
    if via not in VIAS:
        raise ValueError(f"via must be one of {sorted(VIAS)}, not {via!r}")
    now = now or timezone.now()
    today = _today(now)
    with transaction.atomic():
        account, issued = _lock_for_award(member)
        if not rule.active or _has_caps(rule):
            found, so_far = _awarded_so_far(member.pk, rule, source, today)
            if found:
                return Award.objects.get(pk=found)
            refusal = _refusal(rule, so_far)
            if refusal:
                raise ValidationFailed([refusal])
        posted = ledger.post(
            park=member.park,
            key=_award_key(rule, member.pk, source),
            kind="points.earn",
            lines=[(issued, -rule.points), (account, rule.points)],
            actor=actor,
            memo=rule.name,
            at=now,
        )
        if posted.replayed:
            return Award.objects.get(entry_id=posted.entry.pk)
        return _write_award(actor, via, member, rule, source, posted.entry.pk, now, today)


def _has_caps(rule: EarningRule) -> bool:
    return any(cap is not None for cap in (rule.cap_day, rule.cap_month, rule.cap_year))


def _lock_for_award(member: Member) -> tuple:
    """Lock the member's row for the transaction (on PostgreSQL; SQLite's writers already queue
    at BEGIN IMMEDIATE) and read its account and the park's issued account, in one SELECT.
    The issued account is opened on the park's first award."""
    sql = (
        "SELECT a.id, a.guarded, i.id FROM points_member m"
        " JOIN ledger_account a ON a.id = m.account_id"
        " LEFT JOIN ledger_account i"
        " ON i.park_id = m.park_id AND i.unit = %s AND i.owner = 'points.issued'"
        " WHERE m.id = %s"
    )
    if connection.features.has_select_for_update_of:
        sql += " FOR UPDATE OF m"  # only the member's row: the accounts are locked by the UPDATEs
    with connection.cursor() as cursor:
        cursor.execute(sql, [UNIT, member.pk])
        account_id, guarded, issued_id = cursor.fetchone()
    # The ledger needs an account's id, park, unit and guard (as Account.objects.only() gives).
    fields = ["id", "park_id", "unit", "guarded"]
    account = Account.from_db(connection.alias, fields, [account_id, member.park_id, UNIT, guarded])
    if issued_id is None:
        return account, _system_account(member.park, "issued")
    issued = Account.from_db(connection.alias, fields, [issued_id, member.park_id, UNIT, False])
    return account, issued


def _write_award(actor, via, member, rule, source, entry_id, now, today) -> Award:
    """The award's own rows, in plain SQL (three INSERTs; through the ORM, building them cost
    several times what SQLite spends running them): its lot, the award naming the lot and the
    ledger entry, and the audit row (`audit_row` decides its fields, as for every other write).
    Values go as parameters, adapted by the database's own field conversions."""
    ops = connection.ops
    saved_at = timezone.now()  # the audit row's and the award's own time, as auto_now_add
    lot = Lot(
        member=member,
        points=rule.points,
        remaining=rule.points,
        earned_on=today,
        expires_on=expiry_of(today),
    )
    made = Award(
        member=member,
        rule=rule,
        source=source[:100],
        points=rule.points,
        lot=lot,
        entry_id=entry_id,
        awarded_on=today,
        awarded_at=saved_at,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO points_lot (member_id, points, remaining, earned_on, expires_on, expired)"
            " VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
            [
                member.pk,
                lot.points,
                lot.remaining,
                ops.adapt_datefield_value(lot.earned_on),
                ops.adapt_datefield_value(lot.expires_on),
                False,
            ],
        )
        _saved(lot, cursor.fetchone()[0])
        made.lot = lot
        cursor.execute(
            "INSERT INTO points_award (member_id, rule_id, source, points, lot_id, entry_id,"
            " awarded_on, awarded_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            [
                member.pk,
                rule.pk,
                made.source,
                made.points,
                lot.pk,
                entry_id,
                ops.adapt_datefield_value(today),
                ops.adapt_datetimefield_value(saved_at),
            ],
        )
        _saved(made, cursor.fetchone()[0])
        row = audit_row(
            actor=actor,
            via=via,
            action="points.award",
            obj=made,
            before=None,
            after=_award_after(made),
        )
        as_json = AuditLog._meta.get_field("after").get_db_prep_save
        cursor.execute(
            "INSERT INTO tenancy_auditlog (at, park_id, actor_id, actor_label, via, action,"
            " object_type, object_id, object_repr, before, after)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                ops.adapt_datetimefield_value(saved_at),
                member.park_id,
                row.actor_id,
                row.actor_label,
                row.via,
                row.action,
                row.object_type,
                row.object_id,
                row.object_repr,
                None,
                as_json(row.after, connection),
            ],
        )
    return made


def _saved(instance, pk) -> None:
    """Mark a model instance as the row just inserted with this id."""
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = connection.alias


def _award_key(rule: EarningRule, member_id: int, source: str) -> str:
    return f"points.award:{rule.pk}:{member_id}:{source}"[:120]


def _award_after(made: Award) -> dict:
    return {
        "member": made.member_id,
        "rule": made.rule_id,
        "source": made.source,
        "points": made.points,
    }


@dataclass
class SoFar:
    """Points a member has had by one rule in the day, month and year of an award."""

    day: int = 0
    month: int = 0
    year: int = 0

    def add(self, points: int) -> None:
        self.day, self.month, self.year = self.day + points, self.month + points, self.year + points


def _spans(today: datetime.date):
    """The day's, month's and year's first and last dates."""
    month_end = (today.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return {
        "day": (today, today),
        "month": (today.replace(day=1), month_end - datetime.timedelta(days=1)),
        "year": (datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)),
    }


def _cap_sums(today: datetime.date) -> dict:
    return {
        name: Sum("points", filter=Q(awarded_on__range=span), default=0)
        for name, span in _spans(today).items()
    }


def _awarded_so_far(member_id: int, rule: EarningRule, source: str, today) -> tuple:
    """One query: the award already made for this source (its id, or None) and what the member
    had by this rule in the day, month and year of `today` (rows summed here: a cheaper query
    than an aggregate of CASEs, and a member has few awards by one rule in a year)."""
    source = source[:100]
    spans = _spans(today)
    wanted = Q(source=source)
    if rule.cap_day is not None or rule.cap_month is not None or rule.cap_year is not None:
        wanted |= Q(awarded_on__range=spans["year"])
    rows = Award.objects.filter(wanted, member_id=member_id, rule=rule).values_list(
        "pk", "source", "awarded_on", "points"
    )
    found, so_far = None, SoFar()
    for pk, row_source, on, points in rows:
        if row_source == source:
            found = pk
        so_far.day += points if on == today else 0
        so_far.month += points if spans["month"][0] <= on <= spans["month"][1] else 0
        so_far.year += points if spans["year"][0] <= on <= spans["year"][1] else 0
    return found, so_far


def _refusal(rule: EarningRule, so_far: SoFar) -> FieldError | None:
    """Why this award of `rule` may not be made, or None."""
    if not rule.active:
        return FieldError("rule", _("this rule is switched off"), PointsCode.RULE_INACTIVE)
    caps = (
        (rule.cap_day, so_far.day, _("daily")),
        (rule.cap_month, so_far.month, _("monthly")),
        (rule.cap_year, so_far.year, _("yearly")),
    )
    for cap, had, word in caps:
        if cap is not None and had + rule.points > cap:
            reason = _("the %(span)s cap of %(cap)s points is reached") % {"span": word, "cap": cap}
            return FieldError("rule", reason, PointsCode.CAP_REACHED)
    return None


# --- many awards at once -------------------------------------------------------------------


@dataclass(frozen=True)
class AwardRequest:
    """One award asked of `awards_bulk`: a member (by id), a rule and the source."""

    member_id: int
    rule: EarningRule
    source: str


@dataclass(frozen=True)
class AwardOutcome:
    request: AwardRequest
    award: Award | None = None  # made now, or made before (replayed)
    replayed: bool = False
    error: FieldError | None = None  # why not: over a cap, rule off, not a member of the park


def awards_bulk(
    *, actor, via: str, park, requests: list[AwardRequest], now=None, chunk_size: int = 500
) -> list[AwardOutcome]:
    """Many awards (an XLSX upload, a day's check-ins): one transaction per chunk of requests;
    in each, the members locked in id order by one query, "awarded already?" and the caps by
    two, then the lots, ledger entries, postings, awards and audit rows in multi-row INSERTs.
    The same rules as `award`: a source awards once (replayed), caps and switched-off rules
    refuse that request alone. An outcome per request, in order."""
    now = now or timezone.now()
    outcomes: list[AwardOutcome] = []
    for start in range(0, len(requests), chunk_size):
        with transaction.atomic():
            outcomes += _award_chunk(actor, via, park, requests[start : start + chunk_size], now)
    return outcomes


def _award_chunk(actor, via, park, requests: list[AwardRequest], now) -> list[AwardOutcome]:
    today = _today(now)
    members = {
        m.pk: m
        for m in Member.objects.select_for_update(of=("self",))
        .select_related("account")
        .filter(park=park, pk__in={r.member_id for r in requests})
        .order_by("pk")
    }
    rule_ids = {r.rule.pk for r in requests}
    made_before = {
        (a.member_id, a.rule_id, a.source): a
        for a in Award.objects.filter(
            member_id__in=members,
            rule_id__in=rule_ids,
            source__in={r.source[:100] for r in requests},
        )
    }
    so_far = {
        (row["member_id"], row["rule_id"]): SoFar(row["day"], row["month"], row["year"])
        for row in Award.objects.filter(
            member_id__in=members, rule_id__in=rule_ids, awarded_on__range=_spans(today)["year"]
        )
        .values("member_id", "rule_id")
        .annotate(**_cap_sums(today))
    }
    slots: list = []  # per request: an AwardOutcome, or the request to write
    taking: dict[tuple, AwardRequest] = {}
    for request in requests:
        source = request.source[:100]
        triple = (request.member_id, request.rule.pk, source)
        if request.member_id not in members:
            slots.append(AwardOutcome(request, error=_not_a_member()))
        elif triple in made_before:
            slots.append(AwardOutcome(request, made_before[triple], replayed=True))
        elif triple in taking:
            slots.append(triple)  # the same source twice in one file: awarded once
        else:
            had = so_far.setdefault((request.member_id, request.rule.pk), SoFar())
            refusal = _refusal(request.rule, had)
            if refusal:
                slots.append(AwardOutcome(request, error=refusal))
                continue
            had.add(request.rule.points)
            taking[triple] = request
            slots.append(triple)
    made = _write_awards(actor, via, park, members, list(taking.values()), now, today)
    first_seen: set = set()
    outcomes = []
    for slot, request in zip(slots, requests, strict=True):
        if isinstance(slot, AwardOutcome):
            outcomes.append(slot)
        else:
            outcomes.append(AwardOutcome(request, made[slot], replayed=slot in first_seen))
            first_seen.add(slot)
    return outcomes


def _not_a_member() -> FieldError:
    return FieldError("member", _("not a member of this park"), PointsCode.NOT_A_MEMBER)


def _write_awards(actor, via, park, members, taking: list[AwardRequest], now, today) -> dict:
    if not taking:
        return {}
    lots = Lot.objects.bulk_create(
        [
            Lot(
                member_id=r.member_id,
                points=r.rule.points,
                remaining=r.rule.points,
                earned_on=today,
                expires_on=expiry_of(today),
            )
            for r in taking
        ]
    )
    issued = _system_account(park, "issued")
    posted = ledger.post_many(
        park=park,
        drafts=[
            ledger.Draft(
                key=_award_key(r.rule, r.member_id, r.source),
                kind="points.earn",
                lines=[(issued, -r.rule.points), (members[r.member_id].account, r.rule.points)],
                memo=r.rule.name,
            )
            for r in taking
        ],
        actor=actor,
        at=now,
    )
    awards = Award.objects.bulk_create(
        [
            Award(
                member=members[r.member_id],
                rule=r.rule,
                source=r.source[:100],
                points=r.rule.points,
                lot=lot,
                entry_id=p.entry.pk,
                awarded_on=today,
                awarded_at=now,
            )
            for r, lot, p in zip(taking, lots, posted, strict=True)
        ]
    )
    if via not in VIAS:
        raise ValueError(f"via must be one of {sorted(VIAS)}, not {via!r}")
    rows = []
    for made in awards:
        row = audit_row(
            actor=actor,
            via=via,
            action="points.award",
            obj=made,
            before=None,
            after=_award_after(made),
        )
        row.park_id = park.pk
        rows.append(row)
    AuditLog.objects.bulk_create(rows)
    return {(a.member_id, a.rule_id, a.source): a for a in awards}


RULE_FIELDS = ("kind", "name", "points", "cap_day", "cap_month", "cap_year", "active")


def rule_create(*, actor, via: str, park, data: dict) -> EarningRule:
    access.require(actor, access.CREATE, EarningRule)
    data = _rule_data(data)
    with transaction.atomic():
        rule = EarningRule.objects.create(park=park, **data)
        _audit(actor, via, "rule.create", rule, after=snapshot(rule))
        return rule


def rule_update(*, actor, via: str, rule: EarningRule, data: dict) -> EarningRule:
    """Change a rule (its points apply to awards from now on; made awards keep theirs)."""
    access.require(actor, access.CHANGE, rule)
    data = _rule_data(data)
    with transaction.atomic():
        before = snapshot(rule, list(RULE_FIELDS))
        EarningRule.objects.filter(pk=rule.pk).update(**data)
        rule.refresh_from_db()
        old, new = changed_only(before, snapshot(rule, list(RULE_FIELDS)))
        _audit(actor, via, "rule.update", rule, before=old, after=new)
        return rule


def _rule_data(data: dict) -> dict:
    """The rule's fields, checked: a known activity, a name, points, caps that fit together."""
    data = {k: data.get(k) for k in RULE_FIELDS if k in data}
    errors = []
    if data.get("kind") not in RuleKind.values:
        errors.append(FieldError("kind", _("not a known activity"), Code.INVALID))
    if not (data.get("name") or "").strip():
        errors.append(FieldError("name", pgettext("points", "required"), Code.REQUIRED))
    points = data.get("points")
    if not isinstance(points, int) or points < 1:
        errors.append(FieldError("points", _("a whole number of at least 1"), Code.OUT_OF_RANGE))
    for cap in ("cap_day", "cap_month", "cap_year"):
        value = data.get(cap)
        if value is not None and (not isinstance(value, int) or value < 1):
            errors.append(FieldError(cap, _("a whole number of at least 1"), Code.OUT_OF_RANGE))
        elif value is not None and isinstance(points, int) and value < points:
            errors.append(FieldError(cap, _("below one award's points"), Code.OUT_OF_RANGE))
    if errors:
        raise ValidationFailed(errors)
    data["name"] = data["name"].strip()[:100]
    data["active"] = bool(data.get("active", True))
    return data


# --- goods --------------------------------------------------------------------------------


def good_create(
    *, actor, via: str, park, name: str, price: int, stock: int, per_member_limit=None
) -> Good:
    access.require(actor, access.CREATE, Good)
    data = _good_data(
        {"name": name, "price": price, "per_member_limit": per_member_limit, "active": True}
    )
    if not isinstance(stock, int) or stock < 0:
        raise ValidationFailed.single("stock", _("a whole number, 0 or more"), Code.OUT_OF_RANGE)
    with transaction.atomic():
        good = Good.objects.create(park=park, stock=stock, **data)
        _audit(actor, via, "good.create", good, after=snapshot(good))
        return good


GOOD_FIELDS = ("name", "price", "per_member_limit", "active")


def good_update(*, actor, via: str, good: Good, data: dict) -> Good:
    """Name, price, limit and whether on sale; stock moves only by `stock_move` (audited)."""
    access.require(actor, access.CHANGE, good)
    data = _good_data(data)
    with transaction.atomic():
        before = snapshot(good, list(GOOD_FIELDS))
        Good.objects.filter(pk=good.pk).update(**data)
        good.refresh_from_db()
        old, new = changed_only(before, snapshot(good, list(GOOD_FIELDS)))
        _audit(actor, via, "good.update", good, before=old, after=new)
        return good


def _good_data(data: dict) -> dict:
    errors = []
    name = (data.get("name") or "").strip()
    if not name:
        errors.append(FieldError("name", pgettext("points", "required"), Code.REQUIRED))
    price = data.get("price")
    if not isinstance(price, int) or price < 1:
        errors.append(FieldError("price", _("a whole number of at least 1"), Code.OUT_OF_RANGE))
    limit = data.get("per_member_limit")
    if limit is not None and (not isinstance(limit, int) or not 1 <= limit <= 99):
        errors.append(FieldError("per_member_limit", _("between 1 and 99"), Code.OUT_OF_RANGE))
    if errors:
        raise ValidationFailed(errors)
    return {
        "name": name[:100],
        "price": price,
        "per_member_limit": limit,
        "active": bool(data.get("active", True)),
    }


def stock_move(*, actor, via: str, good: Good, change: int, reason: str) -> Good:
    """Stock in (+) or out (-) by hand, audited with its reason; never below zero."""
    access.require(actor, access.CHANGE, good)
    if not isinstance(change, int) or change == 0:
        raise ValidationFailed.single("change", _("a whole number, not 0"), Code.INVALID)
    if not reason.strip():
        raise ValidationFailed.single("reason", pgettext("points", "required"), Code.REQUIRED)
    with transaction.atomic():
        rows = Good.objects.filter(pk=good.pk)
        if change < 0:
            rows = rows.filter(stock__gte=-change)
        if rows.update(stock=F("stock") + change) != 1:
            raise ValidationFailed.single(
                "change", _("not that much in stock"), PointsCode.OUT_OF_STOCK
            )
        good.refresh_from_db()
        _audit(
            actor,
            via,
            "stock.move",
            good,
            after={"change": change, "reason": reason, "stock": good.stock},
        )
        return good


# --- redeeming: reserve, hand over, void, refund -------------------------------------------


def redemption_reserve(
    *, actor, via: str, member: Member, good: Good, quantity: int = 1, now=None
) -> Redemption:
    now = now or timezone.now()
    if quantity < 1 or quantity > 99:
        raise ValidationFailed.single("quantity", _("between 1 and 99"), PointsCode.BAD_QUANTITY)
    with transaction.atomic():
        member = _locked(member)
        good = Good.objects.get(pk=good.pk)
        if not good.active:
            raise ValidationFailed.single("good", _("not on sale"), PointsCode.NOT_ON_SALE)
        if good.per_member_limit is not None:
            taken = (
                Redemption.objects.filter(
                    member=member,
                    good=good,
                    status__in=(RedemptionStatus.RESERVED, RedemptionStatus.COLLECTED),
                ).aggregate(s=Sum("quantity"))["s"]
                or 0
            )
            if taken + quantity > good.per_member_limit:
                raise ValidationFailed.single(
                    "quantity",
                    _("at most %(limit)s per member") % {"limit": good.per_member_limit},
                    PointsCode.LIMIT_REACHED,
                )
        if (
            Good.objects.filter(pk=good.pk, stock__gte=quantity).update(stock=F("stock") - quantity)
            != 1
        ):
            raise ValidationFailed.single("good", _("out of stock"), PointsCode.OUT_OF_STOCK)
        points = good.price * quantity
        redemption = Redemption.objects.create(
            park=member.park,
            member=member,
            good=good,
            quantity=quantity,
            points=points,
            reserved_at=now,
            expires_at=now + datetime.timedelta(days=PICK_UP_DAYS),
        )
        ledger.post(
            park=member.park,
            key=f"points.reserve:{redemption.pk}",
            kind="points.reserve",
            lines=[(member.account, -points), (_system_account(member.park, "held"), points)],
            actor=actor,
            memo=good.name,
            at=now,
        )
        _take_from_lots(member, redemption, points)
        _audit(
            actor,
            via,
            "redemption.reserve",
            redemption,
            after={"good": good.pk, "quantity": quantity, "points": points},
        )
        return redemption


def _take_from_lots(member: Member, redemption: Redemption, points: int) -> None:
    """Soonest-to-expire first; the member's row is locked, so these lots are ours to move."""
    left = points
    for lot in Lot.objects.filter(member=member, remaining__gt=0).order_by("expires_on", "pk"):
        take = min(left, lot.remaining)
        if (
            Lot.objects.filter(pk=lot.pk, remaining__gte=take).update(
                remaining=F("remaining") - take
            )
            != 1
        ):
            raise RuntimeError("a lot moved under a member lock")  # cannot happen: loud if it does
        LotUse.objects.create(lot=lot, redemption=redemption, points=take)
        left -= take
        if left == 0:
            return
    raise RuntimeError("lots hold less than the account")  # the ledger guard passed: a bug


def _give_back_to_lots(redemption: Redemption) -> None:
    for lot_id, held in _held_by_lot(redemption):
        Lot.objects.filter(pk=lot_id).update(remaining=F("remaining") + held)
        LotUse.objects.create(lot_id=lot_id, redemption=redemption, points=-held)


def _held_by_lot(redemption: Redemption) -> list[tuple[int, int]]:
    rows = redemption.lot_uses.values("lot_id").annotate(s=Sum("points")).order_by("lot_id")
    return [(r["lot_id"], r["s"]) for r in rows if r["s"]]


def _step(redemption: Redemption, *, expect: str, to: str, now) -> bool:
    """Move the redemption's status only if it is still `expect` (a conditional UPDATE): of two
    staff handing over and a timeout voiding at once, one wins."""
    return (
        Redemption.objects.filter(pk=redemption.pk, status=expect).update(status=to, closed_at=now)
        == 1
    )


def redemption_hand_over(*, actor, via: str, redemption: Redemption, now=None) -> Redemption:
    """The counter scanned the member's code and hands the good over: the points are spent."""
    access.require(actor, "hand_over", redemption)
    now = now or timezone.now()
    with transaction.atomic():
        if not _step(
            redemption, expect=RedemptionStatus.RESERVED, to=RedemptionStatus.COLLECTED, now=now
        ):
            raise ValidationFailed.single(
                "status", _("not waiting to be picked up"), PointsCode.NOT_RESERVED
            )
        park = redemption.park
        ledger.post(
            park=park,
            key=f"points.collect:{redemption.pk}",
            kind="points.redeem",
            lines=[
                (_system_account(park, "held"), -redemption.points),
                (_system_account(park, "redeemed"), redemption.points),
            ],
            actor=actor,
            memo=redemption.good.name,
            at=now,
        )
        _audit(
            actor,
            via,
            "redemption.hand_over",
            redemption,
            before={"status": "reserved"},
            after={"status": "collected"},
        )
    redemption.refresh_from_db()
    return redemption


def redemption_void(*, actor, via: str, redemption: Redemption, now=None) -> Redemption:
    """Cancelled by the member or timed out: points back to their lots, stock released."""
    now = now or timezone.now()
    with transaction.atomic():
        member = _locked(redemption.member)
        if not _step(
            redemption, expect=RedemptionStatus.RESERVED, to=RedemptionStatus.VOIDED, now=now
        ):
            raise ValidationFailed.single(
                "status", _("not waiting to be picked up"), PointsCode.NOT_RESERVED
            )
        _release(
            redemption,
            member,
            source="held",
            key=f"points.void:{redemption.pk}",
            actor=actor,
            now=now,
        )
        _audit(
            actor,
            via,
            "redemption.void",
            redemption,
            before={"status": "reserved"},
            after={"status": "voided"},
        )
    redemption.refresh_from_db()
    return redemption


def redemption_refund(*, actor, via: str, redemption: Redemption, now=None) -> Redemption:
    """A good brought back after pick-up: the points return to their original lots."""
    access.require(actor, access.CHANGE, redemption)
    now = now or timezone.now()
    with transaction.atomic():
        member = _locked(redemption.member)
        if not _step(
            redemption, expect=RedemptionStatus.COLLECTED, to=RedemptionStatus.REFUNDED, now=now
        ):
            raise ValidationFailed.single("status", _("not picked up"), PointsCode.NOT_COLLECTED)
        _release(
            redemption,
            member,
            source="redeemed",
            key=f"points.refund:{redemption.pk}",
            actor=actor,
            now=now,
        )
        _audit(
            actor,
            via,
            "redemption.refund",
            redemption,
            before={"status": "collected"},
            after={"status": "refunded"},
        )
    redemption.refresh_from_db()
    return redemption


def _release(redemption, member, *, source: str, key: str, actor, now) -> None:
    park = member.park
    ledger.post(
        park=park,
        key=key,
        kind=f"points.{key.split(':')[0].split('.')[1]}",
        lines=[
            (_system_account(park, source), -redemption.points),
            (member.account, redemption.points),
        ],
        actor=actor,
        memo=redemption.good.name,
        at=now,
    )
    _give_back_to_lots(redemption)
    Good.objects.filter(pk=redemption.good_id).update(stock=F("stock") + redemption.quantity)


def reservations_expire(*, park, via: str, now=None) -> int:
    """Void every reservation of the park not picked up in time; returns how many."""
    now = now or timezone.now()
    due = Redemption.objects.filter(park=park, status=RedemptionStatus.RESERVED, expires_at__lt=now)
    voided = 0
    for redemption in due.select_related("member", "good"):
        try:
            redemption_void(actor=None, via=via, redemption=redemption, now=now)
            voided += 1
        except ValidationFailed:
            continue  # picked up or cancelled meanwhile
    return voided


# --- expiry -------------------------------------------------------------------------------


def lots_expire(*, park, today: datetime.date) -> int:
    """Book the expiry of every lot whose date has passed: its remaining points leave the
    member's account (one entry per lot, keyed by it, so a rerun books nothing twice)."""
    expired = 0
    due = Lot.objects.filter(member__park=park, expired=False, expires_on__lt=today)
    for lot_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            lot = Lot.objects.select_related("member").get(pk=lot_id)
            member = _locked(lot.member)
            lot = Lot.objects.get(pk=lot_id)
            if lot.remaining:
                ledger.post(
                    park=park,
                    key=f"points.expire:{lot.pk}",
                    kind="points.expire",
                    lines=[
                        (member.account, -lot.remaining),
                        (_system_account(park, "expired"), lot.remaining),
                    ],
                    memo=str(lot.expires_on),
                )
            Lot.objects.filter(pk=lot.pk).update(remaining=0, expired=True)
            expired += 1
    return expired


NOTICE_DAYS = 31  # told about a month before points expire


def expiry_notices(*, park, today: datetime.date, within_days: int = NOTICE_DAYS) -> int:
    """Tell each person whose points expire within `within_days` how many and when, once per
    lot (a lot told about is marked; a rerun tells nobody twice). Returns how many were told.
    Enterprise members have no person to tell: their points show on the staff's report."""
    due = Lot.objects.filter(
        member__park=park,
        member__user__isnull=False,
        expired=False,
        remaining__gt=0,
        expiry_noticed_on__isnull=True,
        expires_on__lte=today + datetime.timedelta(days=within_days),
    )
    by_member: dict[int, list[Lot]] = {}
    for lot in due.select_related("member__user").order_by("member_id", "expires_on"):
        by_member.setdefault(lot.member_id, []).append(lot)
    told = 0
    for lots in by_member.values():
        with transaction.atomic():
            ids = [lot.pk for lot in lots]
            marked = Lot.objects.filter(pk__in=ids, expiry_noticed_on__isnull=True).update(
                expiry_noticed_on=today
            )
            if marked != len(ids):
                continue  # another run is telling them; leave it to that one
            points = sum(lot.remaining for lot in lots)
            first = lots[0].expires_on
            notify(
                park=park,
                recipients=[lots[0].member.user],
                kind="points.expiring",
                title=stored(
                    gettext_noop("%(points)s of your points expire on %(date)s"),
                    points=points,
                    date=first.isoformat(),
                ),
                body=gettext_noop("Spend them at the points supermarket before they expire."),
                link=reverse("points:catalogue"),
            )
            told += 1
    return told


# --- activities: check in by QR at the event -----------------------------------------------


def activity_create(*, actor, via: str, park, name: str, rule: EarningRule, starts_at, ends_at):
    access.require(actor, access.CREATE, Activity)
    errors = []
    if not name.strip():
        errors.append(FieldError("name", pgettext("points", "required"), Code.REQUIRED))
    if rule.park_id != park.pk:
        errors.append(FieldError("rule", _("not a rule of this park"), Code.UNKNOWN))
    if starts_at is None or ends_at is None or ends_at <= starts_at:
        errors.append(FieldError("ends_at", _("must be after check-in opens"), Code.OUT_OF_RANGE))
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        activity = Activity.objects.create(
            park=park,
            name=name.strip()[:100],
            rule=rule,
            starts_at=starts_at,
            ends_at=ends_at,
            code=secrets.token_urlsafe(18)[:24],
        )
        _audit(actor, via, "activity.create", activity, after=snapshot(activity, ["name", "rule"]))
        return activity


def check_in(*, user, via: str, activity: Activity, now=None) -> Award:
    """The person scanned the activity's code: their member earns the activity's rule once
    (source: the activity), while check-in is open."""
    now = now or timezone.now()
    if not activity.starts_at <= now <= activity.ends_at:
        raise ValidationFailed.single(
            "activity", _("check-in is not open now"), PointsCode.CHECK_IN_CLOSED
        )
    member = member_for_person(user=user, via=via)
    return award(
        actor=user,
        via=via,
        member=member,
        rule=activity.rule,
        source=f"points.activity:{activity.pk}",
        now=now,
    )
