"""Reads: the alerts a person may see (the access rule scopes them), filtered."""

from django.apps import apps
from django.db.models import Q, QuerySet

from parkpilot.alerts.models import Alert, State
from parkpilot.alerts.services import kinds
from parkpilot.tenancy import access

ACTIVE = (State.OPEN, State.ACKNOWLEDGED, State.ESCALATED)


def alert_list(*, user, source: str = "", state: str = "", kind: str = "") -> QuerySet:
    """Newest first. `state` "active" (the default on pages) is every state but closed."""
    qs = access.scoped(user, Alert).select_related("enterprise")
    if source:
        qs = qs.filter(kind__startswith=f"{source}.")
    if kind:
        qs = qs.filter(kind=kind)
    if state == "active":
        qs = qs.filter(state__in=ACTIVE)
    elif state:
        qs = qs.filter(state=state)
    return qs.order_by("-raised_at", "-id")


def alert_get(*, user, alert_id: int) -> Alert:
    return access.get_for(user, Alert, alert_id)


def escalated_to(user) -> Q:
    """The escalated alerts this person follows: those of every kind whose `escalate_to` names
    one of their roles (the people told on escalation keep them under "sent to me")."""
    roles = access.roles_of(user)
    codes = [code for code, kind in kinds().items() if kind.escalate_to & roles]
    return Q(escalated_at__isnull=False, kind__in=codes)


def kind_label(code: str) -> str:
    kind = kinds().get(code)
    return str(kind.label) if kind else code


def sources() -> list[tuple[str, str]]:
    """(app label, its name in the reader's language) of every app that declares alerts."""
    labels = sorted({code.split(".", 1)[0] for code in kinds()})
    return [(label, str(apps.get_app_config(label).verbose_name)) for label in labels]
