from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    """The ledger core: accounts, balanced immutable journal entries, idempotency keys and a
    non-negative guard. Points and carbon credits build on it; it has no pages of its own."""

    name = "parkpilot.ledger"
    label = "ledger"
    verbose_name = _("Ledger")
