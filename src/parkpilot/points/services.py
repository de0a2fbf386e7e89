"""Writes of the points supermarket: keyword-only, atomic, audited.

Every movement is one ledger entry (`parkpilot.ledger.services.post`) with an idempotency key
derived from what it is (an award from its rule, source and member; a redemption's steps from
the redemption), so a retried request never books twice. Work on one member is serialised by
locking the member's row first (SELECT ... FOR UPDATE on PostgreSQL; SQLite's writers queue at
BEGIN IMMEDIATE): caps, limits and lots are then read and written with no one in between.
Stock moves by a guarded conditional UPDATE, so the last items are never sold twice."""

import datetime
import secrets
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from parkpilot.ledger import services as ledger
from parkpilot.points.errors import PointsCode
from parkpilot.points.models import (
    Award,
    EarningRule,
    Good,
    Lot,
    LotUse,
    Member,
    MemberKind,
    Redemption,
    RedemptionStatus,
)
from parkpilot.tenancy import access
from parkpilot.tenancy.audit import audit_record, snapshot
from parkpilot.tenancy.errors import ValidationFailed

TZ = ZoneInfo("Asia/Shanghai")
UNIT = "points"
PICK_UP_DAYS = 3


def _system_account(park, name: str):
    return ledger.account_open(park=park, unit=UNIT, owner=f"points.{name}", guarded=False)


def _today(now) -> datetime.date:
    return timezone.localtime(now, TZ).date()


def expiry_of(earned_on: datetime.date) -> datetime.date:
    """Points expire at the end of the year after the one they were earned in."""
    return datetime.date(earned_on.year + 1, 12, 31)


# --- members ------------------------------------------------------------------------------


def member_enrol(*, actor, park, kind: str, name: str, user=None, enterprise=None, party_org=""):
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
            audit_record(
                actor=actor,
                via="system" if actor is None else "ui",
                action="points.member.enrol",
                obj=member,
                before=None,
                after=snapshot(member, ["kind", "name", "party_org"]),
            )
            return member
    except IntegrityError:
        return _existing_member(park, kind, user, enterprise)


def _existing_member(park, kind, user, enterprise):
    if user is not None:
        return Member.objects.filter(park=park, user=user).first()
    if kind == MemberKind.ENTERPRISE:
        return Member.objects.filter(park=park, kind=kind, enterprise=enterprise).first()
    return None


def member_for_person(*, user) -> Member:
    """The signed-in person's own member, enrolled on first use (the front door's card)."""
    kind = MemberKind.EMPLOYEE if user.enterprise_id else MemberKind.RESIDENT
    return member_enrol(
        actor=user, park=user.park, kind=kind, name=str(user), user=user, enterprise=user.enterprise
    )


def _locked(member: Member) -> Member:
    return Member.objects.select_for_update().get(pk=member.pk)


# --- earning ------------------------------------------------------------------------------


def award(*, actor, member: Member, rule: EarningRule, source: str, now=None) -> Award:
    """Award the rule's points for `source` (e.g. "services.request:12"), once: the same rule,
    source and member never award twice. Refused past a cap or for a rule that is off."""
    now = now or timezone.now()
    with transaction.atomic():
        member = _locked(member)
        found = Award.objects.filter(member=member, rule=rule, source=source).first()
        if found:
            return found
        if not rule.active:
            raise ValidationFailed.single(
                "rule", _("this rule is switched off"), PointsCode.RULE_INACTIVE
            )
        today = _today(now)
        _check_caps(member, rule, today)
        lot = Lot.objects.create(
            member=member,
            points=rule.points,
            remaining=rule.points,
            earned_on=today,
            expires_on=expiry_of(today),
        )
        posted = ledger.post(
            park=member.park,
            key=f"points.award:{rule.pk}:{member.pk}:{source}"[:120],
            kind="points.earn",
            lines=[
                (_system_account(member.park, "issued"), -rule.points),
                (member.account, rule.points),
            ],
            actor=actor,
            memo=rule.name,
            at=now,
        )
        made = Award.objects.create(
            member=member,
            rule=rule,
            source=source[:100],
            points=rule.points,
            lot=lot,
            entry_id=posted.entry.pk,
            awarded_on=today,
        )
        audit_record(
            actor=actor,
            via="system",
            action="points.award",
            obj=made,
            before=None,
            after={"member": member.pk, "rule": rule.pk, "source": source, "points": rule.points},
            park_id=member.park_id,
        )
        return made


def _check_caps(member: Member, rule: EarningRule, today: datetime.date) -> None:
    spans = (
        (rule.cap_day, {"awarded_on": today}, _("daily")),
        (
            rule.cap_month,
            {"awarded_on__year": today.year, "awarded_on__month": today.month},
            _("monthly"),
        ),
        (rule.cap_year, {"awarded_on__year": today.year}, _("yearly")),
    )
    for cap, span, word in spans:
        if cap is None:
            continue
        so_far = (
            Award.objects.filter(member=member, rule=rule, **span).aggregate(s=Sum("points"))["s"]
            or 0
        )
        if so_far + rule.points > cap:
            raise ValidationFailed.single(
                "rule",
                _("the %(span)s cap of %(cap)s points is reached") % {"span": word, "cap": cap},
                PointsCode.CAP_REACHED,
            )


def rule_create(*, actor, park, data: dict) -> EarningRule:
    access.require(actor, access.CREATE, EarningRule)
    with transaction.atomic():
        rule = EarningRule.objects.create(park=park, **data)
        audit_record(
            actor=actor,
            via="ui",
            action="points.rule.create",
            obj=rule,
            before=None,
            after=snapshot(rule),
        )
        return rule


# --- goods --------------------------------------------------------------------------------


def good_create(*, actor, park, name: str, price: int, stock: int, per_member_limit=None) -> Good:
    access.require(actor, access.CREATE, Good)
    with transaction.atomic():
        good = Good.objects.create(
            park=park, name=name, price=price, stock=stock, per_member_limit=per_member_limit
        )
        audit_record(
            actor=actor,
            via="ui",
            action="points.good.create",
            obj=good,
            before=None,
            after=snapshot(good),
        )
        return good


def stock_move(*, actor, good: Good, change: int, reason: str) -> Good:
    """Stock in (+) or out (-) by hand, audited; never below zero."""
    access.require(actor, access.CHANGE, good)
    with transaction.atomic():
        rows = Good.objects.filter(pk=good.pk)
        if change < 0:
            rows = rows.filter(stock__gte=-change)
        if rows.update(stock=F("stock") + change) != 1:
            raise ValidationFailed.single(
                "change", _("not that much in stock"), PointsCode.OUT_OF_STOCK
            )
        good.refresh_from_db()
        audit_record(
            actor=actor,
            via="ui",
            action="points.stock.move",
            obj=good,
            before=None,
            after={"change": change, "reason": reason, "stock": good.stock},
        )
        return good


# --- redeeming: reserve, hand over, void, refund -------------------------------------------


def redemption_reserve(
    *, actor, member: Member, good: Good, quantity: int = 1, now=None
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
        audit_record(
            actor=actor,
            via="ui",
            action="points.redemption.reserve",
            obj=redemption,
            before=None,
            after={"good": good.pk, "quantity": quantity, "points": points},
            park_id=member.park_id,
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


def redemption_hand_over(*, actor, redemption: Redemption, now=None) -> Redemption:
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
        audit_record(
            actor=actor,
            via="ui",
            action="points.redemption.hand_over",
            obj=redemption,
            before={"status": "reserved"},
            after={"status": "collected"},
            park_id=park.pk,
        )
    redemption.refresh_from_db()
    return redemption


def redemption_void(*, actor, redemption: Redemption, now=None) -> Redemption:
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
        audit_record(
            actor=actor,
            via="ui" if actor else "system",
            action="points.redemption.void",
            obj=redemption,
            before={"status": "reserved"},
            after={"status": "voided"},
            park_id=member.park_id,
        )
    redemption.refresh_from_db()
    return redemption


def redemption_refund(*, actor, redemption: Redemption, now=None) -> Redemption:
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
        audit_record(
            actor=actor,
            via="ui",
            action="points.redemption.refund",
            obj=redemption,
            before={"status": "collected"},
            after={"status": "refunded"},
            park_id=member.park_id,
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


def reservations_expire(*, park, now=None) -> int:
    """Void every reservation of the park not picked up in time; returns how many."""
    now = now or timezone.now()
    due = Redemption.objects.filter(park=park, status=RedemptionStatus.RESERVED, expires_at__lt=now)
    voided = 0
    for redemption in due.select_related("member", "good"):
        try:
            redemption_void(actor=None, redemption=redemption, now=now)
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
