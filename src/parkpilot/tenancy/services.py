"""Writes for parks, enterprises and tokens. Keyword-only, atomic, audited."""

import hashlib
import secrets
from typing import Any

from axes.utils import reset as axes_reset
from django.db import IntegrityError, transaction
from django.utils import timezone

from parkpilot.tenancy import access
from parkpilot.tenancy.audit import audit_record, changed_only, snapshot
from parkpilot.tenancy.credit_code import CreditCodeError, validate_credit_code
from parkpilot.tenancy.errors import FieldError, ValidationFailed
from parkpilot.tenancy.industry import IndustryCodeError, validate_industry_code
from parkpilot.tenancy.models import ApiToken, Enterprise, Park, User, Zone

ENTERPRISE_FIELDS = [
    "name",
    "short_name",
    "credit_code",
    "industry_code",
    "zone",
    "above_scale",
    "floor_area_m2",
    "employees",
]
TOKEN_PREFIX = "pp_"


def _clean_enterprise_fields(
    *, park: Park, data: dict[str, Any], exclude_pk: int | None = None
) -> dict[str, Any]:
    """Validate and normalise enterprise fields; collect every error before raising."""
    errors: list[FieldError] = []
    clean = dict(data)
    if "name" in data:
        clean["name"] = (data["name"] or "").strip()
        if not clean["name"]:
            errors.append(FieldError("name", "名称不能为空 / name must not be empty", "required"))
    if "credit_code" in data:
        try:
            clean["credit_code"] = validate_credit_code(data["credit_code"] or "")
        except CreditCodeError as exc:
            errors.append(FieldError("credit_code", exc.reason, exc.code))
    if data.get("industry_code"):
        try:
            clean["industry_code"] = validate_industry_code(data["industry_code"])
        except IndustryCodeError as exc:
            errors.append(FieldError("industry_code", exc.reason, "invalid"))
    if "zone_id" in data:
        zone_id = clean.pop("zone_id")
        clean["zone"] = None
        if zone_id is not None:
            # A zone of another park is reported exactly like one that does not exist.
            clean["zone"] = Zone.objects.filter(park=park, pk=zone_id).first()
            if clean["zone"] is None:
                errors.append(FieldError("zone_id", "园区内没有该片区 / no such zone in this park"))
    errors += _duplicate_errors(park=park, clean=clean, exclude_pk=exclude_pk)
    if errors:
        raise ValidationFailed(errors)
    return clean


def _duplicate_errors(
    *, park: Park, clean: dict[str, Any], exclude_pk: int | None
) -> list[FieldError]:
    errors = []
    others = Enterprise.objects.filter(park=park).exclude(pk=exclude_pk)
    if "credit_code" in clean and others.filter(credit_code=clean["credit_code"]).exists():
        errors.append(
            FieldError("credit_code", "该信用代码已登记 / credit code already registered", "taken")
        )
    if clean.get("name") and others.filter(name=clean["name"]).exists():
        errors.append(FieldError("name", "该企业名称已登记 / name already registered", "taken"))
    return errors


@transaction.atomic
def enterprise_create(*, actor: User, via: str, park: Park, data: dict[str, Any]) -> Enterprise:
    access.require_create(actor, Enterprise)
    clean = _clean_enterprise_fields(park=park, data=data)
    enterprise = Enterprise(park=park, **clean)
    try:
        with transaction.atomic():
            enterprise.save()
    except IntegrityError:
        # A concurrent create won the unique constraint between our check and our insert.
        raise ValidationFailed.single(
            "credit_code", "该信用代码已登记 / credit code already registered", "taken"
        ) from None
    audit_record(
        actor=actor,
        via=via,
        action="enterprise.create",
        obj=enterprise,
        before=None,
        after=snapshot(enterprise, ENTERPRISE_FIELDS),
    )
    return enterprise


@transaction.atomic
def enterprise_update(
    *, actor: User, via: str, enterprise: Enterprise, changes: dict[str, Any]
) -> Enterprise:
    fields = {"zone" if k == "zone_id" else k for k in changes}
    access.require_change(actor, enterprise, fields)
    locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    before = snapshot(locked, ENTERPRISE_FIELDS)
    clean = _clean_enterprise_fields(park=locked.park, data=changes, exclude_pk=locked.pk)
    for name, value in clean.items():
        setattr(locked, name, value)
    # A field the park corrects by hand is no longer invented demo data.
    locked.demo_fields = [f for f in locked.demo_fields if f not in clean]
    locked.save()
    old, new = changed_only(before, snapshot(locked, ENTERPRISE_FIELDS))
    if new:
        audit_record(
            actor=actor, via=via, action="enterprise.update", obj=locked, before=old, after=new
        )
    return locked


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor: User | None, via: str, user: User, name: str = "") -> str:
    """Make a token for `user` and return its secret, which is never stored or shown again."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=secret[: len(TOKEN_PREFIX) + 6], digest=_digest(secret)
    )
    audit_record(
        actor=actor,
        via=via,
        action="api_token.create",
        obj=token,
        before=None,
        after={"user": user.username, "name": name, "prefix": token.prefix},
        park_id=user.park_id,
    )
    return secret


def api_token_authenticate(secret: str) -> User | None:
    """The active user a token belongs to, or None. Marks the token used (at most once a minute,
    so authentication does not turn every API read into a write)."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.user.api_token = token
    return token.user


@transaction.atomic
def login_unlock(*, actor: User, via: str, user: User) -> int:
    """Lift every sign-in lockout of `user` (all addresses) before its cool-off ends. The caller
    has loaded `user` through selectors.lockable_user_get. Returns the attempts cleared."""
    cleared = axes_reset(username=user.username)
    audit_record(
        actor=actor,
        via=via,
        action="login.unlock",
        obj=user,
        before={"attempts": cleared},
        after={"attempts": 0},
        park_id=user.park_id,
    )
    return cleared
