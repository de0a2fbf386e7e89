"""The talent-finance loan risk pool (人才金融贷款风险池) as stored rows.

A `Pool` is the agreement as data (credit scale, first-loss fund, its `PoolParty`s with fixed
shares and caps) and its current balances; a `Loan` is one enterprise's loan from one bank of
the pool, with its own balances; `LoanEvent` is the append-only log. Every balance is whole fen
and is what `pool.apply` made of the log, so `pool.replay` over the events reproduces it
(selectors.replayed, tested). Services are the only writers (services.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from parkpilot.talent import pool as core
from parkpilot.talent.roles import TALENT_BANK
from parkpilot.tenancy.models import Enterprise, Park
from parkpilot.tenancy.policy import Policy
from parkpilot.tenancy.roles import ENTERPRISE_ROLES, PARK_OPERATORS, PARK_ROLES

BANK = frozenset({TALENT_BANK})


class Pool(models.Model):
    """The pool's agreement and balances. The park's staff read it whole; the lending bank's
    staff read the pool they lend in."""

    tenancy_policy = Policy(
        park_path="park", enterprise_path="bank", readers=PARK_ROLES | BANK,
        park_writers=PARK_OPERATORS,
    )  # fmt: skip

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    signed_on = models.DateField(_("signed on"))
    bank = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="+", verbose_name=_("lending bank")
    )
    principles = models.JSONField(_("principles"), default=list, blank=True)
    credit_scale_fen = models.BigIntegerField(_("credit scale (fen)"))
    fund_fen = models.BigIntegerField(_("first-loss fund (fen)"))
    # Balances, as pool.apply leaves them (pool.PoolState)
    fund_left_fen = models.BigIntegerField(_("fund left (fen)"))
    in_use_fen = models.BigIntegerField(_("in use (fen)"), default=0)
    bearers = models.JSONField(_("net borne by bearer (fen)"), default=dict)
    paid = models.JSONField(_("compensation paid by bearer (fen)"), default=dict)
    returned = models.JSONField(_("recoveries returned by bearer (fen)"), default=dict)
    seq = models.PositiveIntegerField(_("events logged"), default=0)
    demo = models.BooleanField(_("demo data"), default=False)
    demo_fields = models.JSONField(_("demo fields"), default=list, blank=True)

    class Meta:
        verbose_name = _("loan risk pool")
        verbose_name_plural = _("loan risk pools")

    def __str__(self) -> str:
        return self.name

    def agreement(self) -> core.Agreement:
        parties = tuple(
            core.Party(p.code, p.name, p.share, p.cap_fen) for p in self.parties.order_by("order")
        )
        return core.Agreement(self.credit_scale_fen, self.fund_fen, parties)

    def state(self, loans: dict | None = None) -> core.PoolState:
        return core.PoolState(
            fund_left=self.fund_left_fen,
            in_use=self.in_use_fen,
            bearers=dict(self.bearers),
            paid=dict(self.paid),
            returned=dict(self.returned),
            loans=loans or {},
        )


class PoolParty(models.Model):
    """A party sharing the losses beyond the fund: its fixed share and its cap."""

    tenancy_policy = Policy(
        park_path="pool__park", enterprise_path="pool__bank", readers=PARK_ROLES | BANK,
        park_writers=PARK_OPERATORS,
    )  # fmt: skip

    pool = models.ForeignKey(Pool, on_delete=models.CASCADE, related_name="parties")
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    share = models.PositiveSmallIntegerField(_("share"))
    cap_fen = models.BigIntegerField(_("cap (fen)"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("pool party")
        verbose_name_plural = _("pool parties")
        constraints = [
            models.UniqueConstraint(fields=["pool", "code"], name="talent_party_code"),
        ]

    def __str__(self) -> str:
        return self.name


class LoanState(models.TextChoices):
    APPLIED = core.State.APPLIED, _("Applied (自主申请)")
    RECOMMENDED = core.State.RECOMMENDED, _("Recommended (择优推荐)")
    NOT_RECOMMENDED = core.State.NOT_RECOMMENDED, _("Not recommended")
    APPROVED = core.State.APPROVED, _("Approved by the bank")
    DECLINED = core.State.DECLINED, _("Declined by the bank")
    DRAWN = core.State.DRAWN, _("Drawn")
    REPAYING = core.State.REPAYING, _("Repaying")
    OVERDUE = core.State.OVERDUE, _("Overdue")
    DEFAULTED = core.State.DEFAULTED, _("Defaulted")
    COMPENSATED = core.State.COMPENSATED, _("Compensated")
    RECOVERED = core.State.RECOVERED, _("Partly recovered")
    CLOSED = core.State.CLOSED, _("Closed")


class Loan(models.Model):
    """One enterprise's loan in the pool. The park's staff read all; an enterprise its own."""

    tenancy_policy = Policy(
        park_path="park",
        enterprise_path="enterprise",
        readers=PARK_ROLES | ENTERPRISE_ROLES,
        park_writers=PARK_OPERATORS,
        own_creators=ENTERPRISE_ROLES,
        actions={"recommend": PARK_OPERATORS, "compensate": PARK_OPERATORS},
    )

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="loans")
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="+", verbose_name=_("enterprise")
    )
    bank = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="+", verbose_name=_("bank")
    )
    state = models.CharField(_("state"), max_length=20, choices=LoanState.choices)
    purpose = models.CharField(_("purpose"), max_length=300)
    reasons = models.TextField(_("recommendation reasons"), blank=True)
    applied_on = models.DateField(_("applied on"))
    due_on = models.DateField(_("due on"), null=True, blank=True)
    # Balances, as pool.apply leaves them (pool.Loan)
    requested_fen = models.BigIntegerField(_("requested (fen)"), default=0)
    approved_fen = models.BigIntegerField(_("approved (fen)"), default=0)
    drawn_fen = models.BigIntegerField(_("drawn (fen)"), default=0)
    repaid_fen = models.BigIntegerField(_("repaid (fen)"), default=0)
    loss_fen = models.BigIntegerField(_("loss (fen)"), default=0)
    recovered_fen = models.BigIntegerField(_("recovered (fen)"), default=0)
    borne = models.JSONField(_("loss borne by bearer (fen)"), default=dict)
    returned = models.JSONField(_("recoveries by bearer (fen)"), default=dict)
    demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("talent loan")
        verbose_name_plural = _("talent loans")

    def __str__(self) -> str:
        return f"{self.enterprise} {self.purpose}"

    @property
    def outstanding_fen(self) -> int:
        return self.drawn_fen - self.repaid_fen - self.loss_fen

    def as_core(self) -> core.Loan:
        return core.Loan(
            state=core.State(self.state) if self.state else None,
            requested=self.requested_fen,
            approved=self.approved_fen,
            drawn=self.drawn_fen,
            repaid=self.repaid_fen,
            loss=self.loss_fen,
            recovered=self.recovered_fen,
            borne=dict(self.borne),
            returned=dict(self.returned),
        )


class BankLoan(Loan):
    """The loans as the lending bank's staff see them: only those their bank holds."""

    tenancy_policy = Policy(
        park_path="park",
        enterprise_path="bank",
        readers=BANK,
        park_writers=frozenset(),
        actions={"lend": BANK},
    )

    class Meta:
        proxy = True


class LoanEvent(models.Model):
    """One step of a loan, appended once, never changed: the pool's log (`seq` in the pool)."""

    tenancy_policy = Policy(
        park_path="park",
        enterprise_path="loan__enterprise",
        readers=PARK_ROLES | ENTERPRISE_ROLES,
        park_writers=frozenset(),
    )

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="events")
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField(_("sequence"))
    kind = models.CharField(_("kind"), max_length=20, choices=[(k, k) for k in core.Kind])
    amount_fen = models.BigIntegerField(_("amount (fen)"), default=0)
    note = models.TextField(_("note"), blank=True)
    on = models.DateField(_("date"))
    at = models.DateTimeField(auto_now_add=True)
    actor_label = models.CharField(max_length=150)

    class Meta:
        verbose_name = _("loan event")
        verbose_name_plural = _("loan events")
        ordering = ["pool", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["pool", "seq"], name="talent_event_seq"),
        ]

    def as_core(self) -> core.Event:
        return core.Event(self.loan_id, core.Kind(self.kind), self.amount_fen)


# --- the talent registry and policy rewards (政策兑现) ---------------------------------------


class TalentClass(models.Model):
    """A class of the park's (Hangzhou's) talent classification, as data: its code (A-E), name
    and the document that defines it."""

    tenancy_policy = Policy(park_path="park", readers=PARK_ROLES | ENTERPRISE_ROLES,
                            park_writers=PARK_OPERATORS)  # fmt: skip

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("code"), max_length=2)
    name = models.CharField(_("name"), max_length=100)
    document = models.CharField(_("document"), max_length=300)
    rank = models.PositiveSmallIntegerField(_("rank"))  # 1 = A, the highest
    demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("talent class")
        verbose_name_plural = _("talent classes")
        constraints = [models.UniqueConstraint(fields=["park", "code"], name="talent_class_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Talent(models.Model):
    """A talent of an enterprise of the park, with the class certified and its evidence. The
    enterprise keeps its own; the park's staff verify."""

    tenancy_policy = Policy(
        park_path="park", enterprise_path="enterprise", readers=PARK_ROLES | ENTERPRISE_ROLES,
        park_writers=PARK_OPERATORS, own_creators=ENTERPRISE_ROLES,
        actions={"verify": PARK_OPERATORS},
    )  # fmt: skip

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("enterprise"))  # fmt: skip
    name = models.CharField(_("name"), max_length=100)
    talent_class = models.ForeignKey(TalentClass, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("talent class"))  # fmt: skip
    evidence = models.CharField(_("evidence"), max_length=300)
    certified_on = models.DateField(_("certified on"))
    joined_on = models.DateField(_("joined on"))
    project = models.CharField(_("talent project"), max_length=200, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("talent")
        verbose_name_plural = _("talents")

    def __str__(self) -> str:
        return self.name


class RewardPolicy(models.Model):
    """A policy reward (政策兑现) as data: the amount per talent class (fen), a cap per
    enterprise and year, its conditions in words, the document, the deadline."""

    tenancy_policy = Policy(park_path="park", readers=PARK_ROLES | ENTERPRISE_ROLES,
                            park_writers=PARK_OPERATORS)  # fmt: skip

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    document = models.CharField(_("document"), max_length=300)
    conditions = models.TextField(_("conditions"), blank=True)
    amounts = models.JSONField(_("amount by talent class (fen)"), default=dict)
    cap_fen = models.BigIntegerField(_("cap per enterprise and year (fen)"), null=True, blank=True)
    deadline = models.DateField(_("deadline"))
    demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("reward policy")
        verbose_name_plural = _("reward policies")

    def __str__(self) -> str:
        return self.name


class ApplicationState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    PAID = "paid", _("Paid")


class PolicyApplication(models.Model):
    """An enterprise's application under a policy, for one of its talents: the amount the
    policy gives that talent's class; reviewed by the park's staff, then paid."""

    tenancy_policy = Policy(
        park_path="park", enterprise_path="enterprise", readers=PARK_ROLES | ENTERPRISE_ROLES,
        park_writers=PARK_OPERATORS, own_creators=ENTERPRISE_ROLES,
        actions={"review": PARK_OPERATORS, "pay": PARK_OPERATORS},
    )  # fmt: skip

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    policy = models.ForeignKey(RewardPolicy, on_delete=models.PROTECT, related_name="applications")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("enterprise"))  # fmt: skip
    talent = models.ForeignKey(Talent, on_delete=models.PROTECT, related_name="applications",
                               verbose_name=_("talent"))  # fmt: skip
    year = models.PositiveSmallIntegerField(_("year"))
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    state = models.CharField(_("state"), max_length=12, choices=ApplicationState.choices,
                             default=ApplicationState.SUBMITTED)  # fmt: skip
    submitted_on = models.DateField(_("submitted on"))
    reviewed_on = models.DateField(_("reviewed on"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("policy application")
        verbose_name_plural = _("policy applications")
        constraints = [
            models.UniqueConstraint(fields=["policy", "talent", "year"],
                                    name="talent_application_once"),
        ]  # fmt: skip
        indexes = [models.Index(fields=["park", "state", "-submitted_on"])]
