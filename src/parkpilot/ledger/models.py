"""The ledger core: accounts and a journal of balanced, immutable entries.

- An `Account` has a unit (points, tCO2e) and an owner key chosen by the app that opens it
  ("points.member:12", "points.issued"). Amounts are whole steps of the unit (a point, a tonne),
  as integers: exact on SQLite and PostgreSQL alike.
- An `Entry` is one movement: postings that sum to zero in one unit, written once and never
  changed (a correction is a reversing entry, `Entry.reverses`). Each has an idempotency key,
  unique in its park: a retried request finds the first entry instead of posting again.
- `Account.balance` is stored, and moved only by `ledger.services.post` in the transaction that
  writes the postings, by a conditional UPDATE that refuses to take a guarded account below
  zero. The journal stays the truth: `ledger.selectors.drift` re-derives every balance from it.

It knows nothing of what apps build on it (points' lots, credits' serial blocks)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from parkpilot.tenancy.models import Park
from parkpilot.tenancy.policy import Policy
from parkpilot.tenancy.roles import PARK_ROLES


class Unit(models.TextChoices):
    POINTS = "points", _("points")
    TCO2E = "tCO2e", _("tCO2e")


# Ledger rows are the park's books: its own roles read them; only ledger.services writes.
_BOOKS = Policy(park_path="park", readers=PARK_ROLES, park_writers=frozenset())


class Account(models.Model):
    tenancy_policy = _BOOKS

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    owner = models.CharField(_("owner"), max_length=100)  # the app's key, e.g. points.member:12
    # Members' accounts must never go negative; a source account (points issued) may.
    guarded = models.BooleanField(_("never negative"), default=True)
    balance = models.BigIntegerField(_("balance"), default=0)
    opened_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        constraints = [
            models.UniqueConstraint(fields=["park", "unit", "owner"], name="ledger_account_owner"),
            # Below the guard in services.post: even a bad UPDATE cannot leave one negative.
            models.CheckConstraint(
                name="ledger_guarded_not_negative",
                condition=models.Q(guarded=False) | models.Q(balance__gte=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner} ({self.unit})"


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("journal rows are immutable: post a reversing entry")

    def delete(self):
        raise PermissionError("journal rows are immutable: post a reversing entry")


class Immutable(models.Model):
    """Written once: the model refuses updates and deletes, and database triggers (migration
    0002) refuse them below the ORM, as for the audit log."""

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("journal rows are immutable: post a reversing entry")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("journal rows are immutable: post a reversing entry")


class Entry(Immutable):
    tenancy_policy = _BOOKS

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(_("idempotency key"), max_length=120)
    kind = models.CharField(_("kind"), max_length=40)  # the app's word, e.g. points.earn
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    at = models.DateTimeField(_("booked at"), db_index=True)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_label = models.CharField(max_length=150)

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        constraints = [
            models.UniqueConstraint(fields=["park", "key"], name="ledger_entry_key"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


class Posting(Immutable):
    tenancy_policy = Policy(park_path="entry__park", readers=PARK_ROLES, park_writers=frozenset())

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="postings")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings")
    amount = models.BigIntegerField(_("amount"))  # + raises the account's balance, - lowers it

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        indexes = [models.Index(fields=["account", "entry"], name="ledger_posting_account")]
        constraints = [
            models.CheckConstraint(name="ledger_posting_not_zero", condition=~models.Q(amount=0))
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount:+d}"
