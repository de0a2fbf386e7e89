"""Reads of the points supermarket, all through the access rule: a person reads their own member
through `member_of` (OwnMember's policy: the row naming them); staff and enterprises read
members by Member's policy."""

import datetime
import io

import segno
from django.db.models import Count, Sum
from django.utils import timezone

from parkpilot.ledger import selectors as ledger
from parkpilot.points.models import (
    Activity,
    Award,
    EarningRule,
    Good,
    Lot,
    Member,
    OwnMember,
    Redemption,
    RedemptionStatus,
)
from parkpilot.tenancy import access
from parkpilot.tenancy.errors import NotFound


def member_of(*, user) -> Member | None:
    """The person's own member, through the access rule (OwnMember: the row naming them)."""
    return access.scoped(user, OwnMember.objects.select_related("account")).first()


def card_qr_svg(*, member: Member) -> str:
    """The member card's QR code (the card code) as inline SVG, for the counter to scan."""
    out = io.BytesIO()
    segno.make(member.card_code, error="m").save(
        out, kind="svg", scale=6, border=2, xmldecl=False, svgns=True
    )
    return out.getvalue().decode()


def catalogue(*, user) -> list[Good]:
    return list(access.scoped(user, Good).filter(active=True).order_by("price", "name"))


def good_get(*, user, good_id: int) -> Good:
    return access.get_for(user, Good.objects.filter(active=True), good_id)


def lots_of(*, member: Member) -> list[Lot]:
    return list(member.lots.filter(remaining__gt=0).order_by("expires_on", "pk"))


def expiring(
    *, member: Member, within_days: int = 62, today=None
) -> tuple[int, datetime.date | None]:
    """Points expiring soon (announced in advance on the member's page) and the first date."""
    today = today or timezone.localdate()
    soon = member.lots.filter(
        remaining__gt=0, expires_on__lte=today + datetime.timedelta(days=within_days)
    )
    total = soon.aggregate(s=Sum("remaining"))["s"] or 0
    first = soon.order_by("expires_on").values_list("expires_on", flat=True).first()
    return total, first


def history(*, member: Member, limit: int = 50) -> list[dict]:
    return ledger.statement(account=member.account, limit=limit)


def my_redemptions(*, member: Member) -> list[Redemption]:
    return list(member.redemptions.select_related("good").order_by("-reserved_at")[:30])


def my_redemption(*, user, redemption_id: int) -> Redemption:
    """One of the person's own redemptions, or NotFound (someone else's looks absent)."""
    member = member_of(user=user)
    found = Redemption.objects.filter(member=member, pk=redemption_id).first() if member else None
    if found is None:
        raise NotFound
    return found


def counter_lookup(*, user, code: str) -> tuple[Member | None, list[Redemption]]:
    """The member behind a scanned card code and what they have waiting to pick up."""
    code = "".join(ch for ch in code if ch.isdigit())
    member = access.scoped(user, Member).filter(card_code=code).first() if code else None
    if member is None:
        return None, []
    waiting = access.scoped(user, Redemption).filter(
        member=member, status=RedemptionStatus.RESERVED
    )
    return member, list(waiting.select_related("good").order_by("reserved_at"))


def counter_redemption(*, user, redemption_id: int) -> Redemption:
    return access.get_for(user, Redemption.objects.select_related("good", "member"), redemption_id)


def counter_day(*, user, day: datetime.date) -> list[dict]:
    """The counter's day report: goods handed over that day."""
    rows = (
        access.scoped(user, Redemption)
        .filter(status=RedemptionStatus.COLLECTED, closed_at__date=day)
        .values("good__name")
        .annotate(quantity=Sum("quantity"), points=Sum("points"))
        .order_by("good__name")
    )
    return list(rows)


def good_for_staff(*, user, good_id: int) -> Good:
    """A good of the user's park, on sale or not (staff's pages and stock moves)."""
    return access.get_for(user, Good, good_id)


def goods_for_staff(*, user) -> list[Good]:
    return list(access.scoped(user, Good).order_by("-active", "name"))


def rules(*, user) -> list:
    return list(access.scoped(user, EarningRule).order_by("-active", "kind", "name"))


def rule_get(*, user, rule_id: int):
    return access.get_for(user, EarningRule, rule_id)


# --- the centre's monthly report ------------------------------------------------------------


def month_of(text: str | None, *, today: datetime.date) -> datetime.date | None:
    """The first day of the month "YYYY-MM" (this month when blank), or None if it is no month."""
    if not text:
        return today.replace(day=1)
    try:
        return datetime.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        return None


def _next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def monthly_report(*, user, month: datetime.date) -> dict:
    """The centre's month: points issued by rule, redeemed by good, the outstanding liability
    (what members hold plus what is reserved for pick-up), what expires next month, and
    participation by party organisation and by enterprise. Every read through the access rule:
    an enterprise sees its own members only."""
    issued = issued_by_rule(user=user, month=month)
    redeemed = redeemed_by_good(user=user, month=month)
    return {
        "month": month,
        "issued": issued,
        "issued_total": sum(row["points"] for row in issued),
        "redeemed": redeemed,
        "redeemed_total": sum(row["points"] for row in redeemed),
        "outstanding": outstanding(user=user),
        "expiring_next_month": expiring_next_month(user=user, month=month),
        **participation(user=user, month=month),
    }


def _awards_in(user, month: datetime.date):
    return access.scoped(user, Award).filter(
        awarded_on__gte=month, awarded_on__lt=_next_month(month)
    )


def issued_by_rule(*, user, month: datetime.date) -> list[dict]:
    return list(
        _awards_in(user, month)
        .values("rule__name")
        .annotate(awards=Count("pk"), points=Sum("points"))
        .order_by("-points", "rule__name")
    )


def redeemed_by_good(*, user, month: datetime.date) -> list[dict]:
    end = _next_month(month)
    handed = access.scoped(user, Redemption).filter(
        status=RedemptionStatus.COLLECTED, closed_at__date__gte=month, closed_at__date__lt=end
    )
    return list(
        handed.values("good__name")
        .annotate(quantity=Sum("quantity"), points=Sum("points"))
        .order_by("-points", "good__name")
    )


def redeemed_total(*, user, month: datetime.date) -> int:
    end = _next_month(month)
    handed = access.scoped(user, Redemption).filter(
        status=RedemptionStatus.COLLECTED, closed_at__date__gte=month, closed_at__date__lt=end
    )
    return handed.aggregate(s=Sum("points"))["s"] or 0


def outstanding(*, user) -> int:
    """Points the centre still owes: members' balances plus reservations waiting for pick-up."""
    members = access.scoped(user, Member).aggregate(s=Sum("account__balance"))["s"] or 0
    held = access.scoped(user, Redemption).filter(status=RedemptionStatus.RESERVED)
    return members + (held.aggregate(s=Sum("points"))["s"] or 0)


def expiring_next_month(*, user, month: datetime.date) -> int:
    start = _next_month(month)
    return (
        access.scoped(user, Lot)
        .filter(expired=False, expires_on__gte=start, expires_on__lt=_next_month(start))
        .aggregate(s=Sum("remaining"))["s"]
        or 0
    )


def participation(*, user, month: datetime.date) -> dict:
    """Members who earned in the month and their points, by party organisation and enterprise."""
    awards = _awards_in(user, month)
    by_org = list(
        awards.exclude(member__party_org="")
        .values("member__party_org")
        .annotate(members=Count("member", distinct=True), points=Sum("points"))
        .order_by("-points", "member__party_org")
    )
    by_enterprise = list(
        awards.filter(member__enterprise__isnull=False)
        .values("member__enterprise__name")
        .annotate(members=Count("member", distinct=True), points=Sum("points"))
        .order_by("-points", "member__enterprise__name")
    )
    return {"by_org": by_org, "by_enterprise": by_enterprise}


# --- activities ------------------------------------------------------------------------------


def activities(*, user) -> list[Activity]:
    return list(access.scoped(user, Activity).select_related("rule").order_by("-starts_at")[:50])


def activity_get(*, user, activity_id: int) -> Activity:
    return access.get_for(user, Activity.objects.select_related("rule"), activity_id)


def activity_by_code(*, user, code: str) -> Activity:
    """The activity whose QR was scanned: one of the person's park, or NotFound."""
    found = access.scoped(user, Activity).select_related("rule").filter(code=code).first()
    if found is None:
        raise NotFound
    return found


def checkin_qr_svg(*, url: str) -> str:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=8, border=2, xmldecl=False, svgns=True)
    return out.getvalue().decode()
