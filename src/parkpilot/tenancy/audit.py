"""Writing audit rows. Services call `audit_record` inside their own transaction, so a change and
its audit row commit together or not at all."""

import datetime
import decimal
import uuid

from django.db import models

from parkpilot.tenancy.models import AuditLog


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict:
    """The object's concrete field values, JSON-ready (foreign keys as ids)."""
    names = fields or [f.name for f in obj._meta.concrete_fields]
    values = {}
    for name in names:
        field = obj._meta.get_field(name)
        value = getattr(obj, field.attname)
        values[field.attname if field.is_relation else name] = _jsonable(value)
    return values


def _jsonable(value):
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.date | datetime.datetime | uuid.UUID):
        return value.isoformat() if not isinstance(value, uuid.UUID) else str(value)
    return value


def audit_record(
    *,
    actor,
    via: str,
    action: str,
    obj: models.Model,
    before: dict | None,
    after: dict | None,
    park_id: int | None = None,
) -> AuditLog:
    row = audit_row(actor=actor, via=via, action=action, obj=obj, before=before, after=after)
    if park_id is not None:
        row.park_id = park_id
    row.save()
    return row


def audit_row(*, actor, via: str, action: str, obj: models.Model, before, after) -> AuditLog:
    """The audit row of a change, unsaved: `audit_record` saves one, bulk writers many."""
    return AuditLog(
        park_id=getattr(obj, "park_id", None),
        actor=actor if actor is not None and actor.pk else None,
        actor_label=str(actor.username) if actor is not None else "system",
        via=via,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        before=before,
        after=after,
    )


def changed_only(before: dict, after: dict) -> tuple[dict, dict]:
    """Keep just the keys whose value changed, so the log shows the change, not the row."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}
