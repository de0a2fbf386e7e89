"""The ledger's refusals. Each carries a stable code; apps turn them into their own messages
(the API maps ValidationFailed to 422 once)."""

from enum import StrEnum

from django.utils.translation import gettext as _

from parkpilot.tenancy.errors import FieldError, ValidationFailed


class LedgerCode(StrEnum):
    UNBALANCED = "unbalanced"
    MIXED_UNITS = "mixed_units"
    INSUFFICIENT_BALANCE = "insufficient_balance"
    KEY_REUSED = "idempotency_key_reused"
    ALREADY_REVERSED = "already_reversed"
    EMPTY = "empty_entry"
    OTHER_PARK = "other_park"


class InsufficientBalance(ValidationFailed):
    """A guarded account would go below zero: nothing of the entry was written."""

    def __init__(self, account, needed: int):
        self.account = account
        self.needed = needed
        reason = _("balance too low: %(needed)s %(unit)s needed") % {
            "needed": needed,
            "unit": account.unit,
        }
        super().__init__([FieldError("amount", reason, LedgerCode.INSUFFICIENT_BALANCE)])


def refused(field: str, code: LedgerCode, reason: str) -> ValidationFailed:
    return ValidationFailed([FieldError(field, reason, code)])
