"""Writes: raise an alert (once per open condition), acknowledge, escalate, close. Atomic and
audited; raising and escalating tell the people concerned through the notifications bell."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from parkpilot import plugins
from parkpilot.alerts.errors import ErrorCode
from parkpilot.alerts.models import TRANSITIONS, Alert, State, Step
from parkpilot.notifications.services import notify
from parkpilot.stored_text import clip, stored
from parkpilot.tenancy import access
from parkpilot.tenancy.actors import is_system, system_actor
from parkpilot.tenancy.audit import audit_record
from parkpilot.tenancy.errors import Code, FieldError, Forbidden, ValidationFailed
from parkpilot.tenancy.selectors import role_holders


def kinds() -> dict[str, plugins.AlertKind]:
    return {k.code: k for k in plugins.collected("alert_kinds")}


def alert_raise(
    *,
    actor,
    park,
    kind: str,
    subject: str,
    title: str,
    detail: str = "",
    link: str = "",
    enterprise_id: int | None = None,
    figure: dict | None = None,
    recipients=(),
    now: datetime.datetime | None = None,
) -> tuple[Alert, bool]:
    """The open alert of this (kind, subject), raised now if there is none: (alert, created).
    Raising the same condition again, even at the same moment from another worker, finds the
    first one (a unique constraint on open alerts decides)."""
    _check_raise(actor, park, kind, subject, title)
    now = now or timezone.now()
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                park=park, enterprise_id=enterprise_id, kind=kind, subject=subject,
                title=clip(title, 200), detail=clip(detail, 500), link=link, figure=figure or {},
                raised_at=now,
            )  # fmt: skip
            audit_record(
                actor=actor, via="system", action="alert.raise", obj=alert, before=None,
                after={"kind": kind, "subject": subject, "title": alert.title},
            )  # fmt: skip
            notify(park=park, recipients=recipients, kind=kind, title=alert.title,
                   body=alert.detail, link=link)  # fmt: skip
    except IntegrityError:
        return _open_alert(park, kind, subject), False
    return alert, True


def _check_raise(actor, park, kind, subject, title) -> None:
    access.require(actor, access.CREATE, Alert)
    if not (actor.is_superuser or actor.park_id == park.pk):
        raise Forbidden
    errors = []
    if kind not in kinds():
        errors.append(FieldError("kind", _("no installed app declares this kind"),
                                 ErrorCode.UNKNOWN_KIND))  # fmt: skip
    for field, value in (("subject", subject), ("title", title)):
        if not str(value or "").strip():
            errors.append(FieldError(field, _("must not be empty"), Code.REQUIRED))
    if errors:
        raise ValidationFailed(errors)


def _open_alert(park, kind: str, subject: str) -> Alert:
    return Alert.objects.exclude(state=State.CLOSED).get(park=park, kind=kind, subject=subject)


def alert_acknowledge(*, actor, via: str, alert: Alert, now=None) -> Alert:
    return _step(actor, via, alert, Step.ACKNOWLEDGE, now=now)


def alert_close(*, actor, via: str, alert: Alert, reason: str = "", now=None) -> Alert:
    return _step(actor, via, alert, Step.CLOSE, now=now, reason=reason)


def alert_escalate(*, actor, via: str, alert: Alert, now=None) -> Alert:
    escalated = _step(actor, via, alert, Step.ESCALATE, now=now)
    kind = kinds().get(escalated.kind)
    if kind and kind.escalate_to:
        people = role_holders(kind.escalate_to, park_id=escalated.park_id, is_active=True)
        notify(park=escalated.park, recipients=list(people), kind=escalated.kind,
               title=stored(gettext_noop("Escalated: %(title_msg)s"), title_msg=escalated.title),
               body=escalated.detail, link=escalated.link)  # fmt: skip
    return escalated


@transaction.atomic
def _step(actor, via: str, alert: Alert, step: Step, *, now=None, reason: str = "") -> Alert:
    access.require(actor, step, alert)
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    after = TRANSITIONS.get((locked.state, step))
    if step == Step.ESCALATE and locked.escalated_at is not None:
        after = None  # escalated once already (then acknowledged): it goes up only once
    if after is None:
        raise ValidationFailed.single(
            "state",
            _("a %(state)s alert cannot take this step") % {"state": locked.get_state_display()},
            Code.INVALID_TRANSITION,
        )
    if step == Step.CLOSE and not reason.strip() and not is_system(actor):
        raise ValidationFailed.single("reason", _("say why it is closed"), Code.REQUIRED)
    now = now or timezone.now()
    before = locked.state
    locked.state = after
    person = actor if getattr(actor, "pk", None) else None
    if step == Step.ACKNOWLEDGE:
        locked.acknowledged_at, locked.acknowledged_by = now, person
    elif step == Step.ESCALATE:
        locked.escalated_at = now
    else:
        locked.closed_at, locked.closed_by, locked.close_reason = now, person, reason.strip()[:300]
    locked.save()
    audit_record(actor=actor, via=via, action=f"alert.{step}", obj=locked,
                 before={"state": before}, after={"state": after})  # fmt: skip
    return locked


def escalate_due(*, park, now: datetime.datetime | None = None) -> list[Alert]:
    """Escalate every open alert of the park whose kind's time to acknowledge has passed."""
    now = now or timezone.now()
    system = system_actor(park, "alerts.escalate")
    escalated = []
    for code, kind in kinds().items():
        if kind.escalate_after_hours is None:
            continue
        due = now - datetime.timedelta(hours=kind.escalate_after_hours)
        for alert in Alert.objects.filter(park=park, kind=code, state=State.OPEN,
                                          raised_at__lte=due):  # fmt: skip
            escalated.append(alert_escalate(actor=system, via="system", alert=alert, now=now))
    return escalated
