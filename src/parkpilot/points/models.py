"""The points supermarket (积分超市) of the party-and-people service centre.

Members earn points by rules staff configure; every movement is an entry of the ledger core
(`parkpilot.ledger`): a member's account is guarded (never negative), the park's "issued"
account is the source. What the ledger does not know lives here: each award is a lot that
expires (end of the next year), spent soonest-to-expire first (`LotUse` says which lot paid
for which redemption, so a void or refund goes back to the same lots), and goods with stock
redeemed in two phases (reserve, hand over at the counter, or void)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from parkpilot.ledger.models import Account
from parkpilot.tenancy.models import Enterprise, Park, User
from parkpilot.tenancy.policy import Policy
from parkpilot.tenancy.roles import ENTERPRISE_ROLES, PARK_OPERATORS, PARK_ROLES

COUNTER = "points_counter"  # the centre's counter staff (an app role, AppConfig.roles)
COUNTER_ROLES = frozenset({COUNTER}) | PARK_OPERATORS


class MemberKind(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    EMPLOYEE = "employee", _("Enterprise employee")
    PARTY_MEMBER = "party_member", _("Party member")
    ENTERPRISE = "enterprise", _("Enterprise")


class Member(models.Model):
    # The park and the counter see every member; an enterprise its own (its employees and
    # itself). A person reads their own through OwnMember (selectors.member_of).
    tenancy_policy = Policy(
        park_path="park",
        enterprise_path="enterprise",
        readers=PARK_ROLES | ENTERPRISE_ROLES | {COUNTER},
        park_writers=PARK_OPERATORS,
    )

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=MemberKind.choices)
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    party_org = models.CharField(_("party organisation"), max_length=100, blank=True)
    name = models.CharField(_("name"), max_length=100)
    card_code = models.CharField(_("card code"), max_length=12)
    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="+")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(fields=["park", "card_code"], name="points_member_card"),
            models.UniqueConstraint(
                fields=["park", "user"],
                name="points_member_user",
                condition=models.Q(user__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["park", "enterprise"],
                name="points_member_enterprise",
                condition=models.Q(kind="enterprise"),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OwnMember(Member):
    """A person's own member row, read through the access rule: the same table, with a policy
    that lets everyone (a resident too) read the one row that names them, and nobody else's."""

    tenancy_policy = Policy(park_path="park", user_path="user", readers=frozenset())

    class Meta:
        proxy = True
        verbose_name = _("own member card")


class RuleKind(models.TextChoices):
    VOLUNTEERING = "volunteering", _("Volunteering hours")
    PARTY_ACTIVITY = "party_activity", _("Party activity attended")
    GRID_REPORT = "grid_report", _("Grid report accepted")
    BUS_COMMUTE = "bus_commute", _("Digital bus commute")
    ENTERPRISE = "enterprise", _("Enterprise participation")


class EarningRule(models.Model):
    tenancy_policy = Policy(park_path="park", shared_in_park=True, park_writers=PARK_OPERATORS)

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("activity"), max_length=20, choices=RuleKind.choices)
    name = models.CharField(_("name"), max_length=100)
    points = models.PositiveIntegerField(_("points"))
    cap_day = models.PositiveIntegerField(_("cap per day"), null=True, blank=True)
    cap_month = models.PositiveIntegerField(_("cap per month"), null=True, blank=True)
    cap_year = models.PositiveIntegerField(_("cap per year"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("earning rule")
        verbose_name_plural = _("earning rules")

    def __str__(self) -> str:
        return self.name


class Lot(models.Model):
    """The points of one award: what is left of them and when they expire."""

    tenancy_policy = Policy(
        park_path="member__park", enterprise_path="member__enterprise", readers=PARK_ROLES
    )

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="lots")
    points = models.PositiveIntegerField(_("points"))
    remaining = models.PositiveIntegerField(_("remaining"))
    earned_on = models.DateField(_("earned on"))
    expires_on = models.DateField(_("expires on"), db_index=True)
    expired = models.BooleanField(default=False)
    # The day the member was told these points expire soon (services.expiry_notices), once.
    expiry_noticed_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        constraints = [
            models.CheckConstraint(
                name="points_lot_remaining_le_points",
                condition=models.Q(remaining__lte=models.F("points")),
            )
        ]


class Award(models.Model):
    tenancy_policy = Policy(
        park_path="member__park",
        enterprise_path="member__enterprise",
        readers=PARK_ROLES | ENTERPRISE_ROLES,
    )

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="awards")
    rule = models.ForeignKey(EarningRule, on_delete=models.PROTECT, related_name="awards")
    source = models.CharField(_("source"), max_length=100)  # e.g. services.request:12
    points = models.PositiveIntegerField(_("points"))
    lot = models.OneToOneField(Lot, on_delete=models.PROTECT, related_name="award")
    entry_id = models.BigIntegerField()  # the ledger entry
    awarded_on = models.DateField()
    awarded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        constraints = [
            models.UniqueConstraint(fields=["member", "rule", "source"], name="points_award_once")
        ]


class Good(models.Model):
    tenancy_policy = Policy(park_path="park", shared_in_park=True, park_writers=PARK_OPERATORS)

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    price = models.PositiveIntegerField(_("price in points"))
    stock = models.PositiveIntegerField(_("stock"))  # moved only by guarded updates
    per_member_limit = models.PositiveIntegerField(_("limit per member"), null=True, blank=True)
    active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        verbose_name = _("good")
        verbose_name_plural = _("goods")

    def __str__(self) -> str:
        return self.name


class Activity(models.Model):
    """A 党群 activity at which attendance earns points: people check in by scanning the QR
    code shown at the event (it opens the check-in page with the activity's secret code)."""

    tenancy_policy = Policy(park_path="park", shared_in_park=True, park_writers=PARK_OPERATORS)

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    rule = models.ForeignKey(EarningRule, on_delete=models.PROTECT, related_name="activities")
    starts_at = models.DateTimeField(_("check-in opens"))
    ends_at = models.DateTimeField(_("check-in closes"))
    code = models.CharField(max_length=32, unique=True)  # in the QR: who has it was there

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self) -> str:
        return self.name


class RedemptionStatus(models.TextChoices):
    RESERVED = "reserved", _("Reserved, to pick up")
    COLLECTED = "collected", _("Picked up")
    VOIDED = "voided", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")


class Redemption(models.Model):
    tenancy_policy = Policy(
        park_path="park",
        readers=PARK_ROLES | {COUNTER},
        park_writers=PARK_OPERATORS,
        actions={"hand_over": COUNTER_ROLES},
    )

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="redemptions")
    good = models.ForeignKey(Good, on_delete=models.PROTECT, related_name="redemptions")
    quantity = models.PositiveIntegerField(_("quantity"))
    points = models.PositiveIntegerField(_("points"))
    status = models.CharField(
        _("status"), max_length=12, choices=RedemptionStatus.choices, default="reserved"
    )
    reserved_at = models.DateTimeField()
    expires_at = models.DateTimeField(_("pick up by"))
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        indexes = [models.Index(fields=["status", "expires_at"], name="points_redemption_due")]


class LotUse(models.Model):
    """Points of a lot held or spent by a redemption (+) and given back to it (-)."""

    tenancy_policy = Policy(park_path="lot__member__park", readers=PARK_ROLES)

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="uses")
    redemption = models.ForeignKey(Redemption, on_delete=models.PROTECT, related_name="lot_uses")
    points = models.IntegerField()
