"""Writes for parks, enterprises and tokens. Keyword-only, atomic, audited."""

import datetime
import hashlib
import secrets
from typing import Any

from axes.utils import reset as axes_reset
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from parkpilot.tenancy import access
from parkpilot.tenancy.audit import audit_record, changed_only, snapshot
from parkpilot.tenancy.credit_code import CreditCodeError, validate_credit_code
from parkpilot.tenancy.errors import Code, ErrorCode, FieldError, ValidationFailed
from parkpilot.tenancy.industry import IndustryCodeError, validate_industry_code
from parkpilot.tenancy.models import ApiToken, Enterprise, Park, TokenScope, User, Zone
from parkpilot.tenancy.roles import Reach, Role, grantable
from parkpilot.tenancy.signals import api_token_revoked

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
# Sensible bounds (and well inside the integer columns): the largest plants have tens of
# thousands of staff and a few million m².
COUNT_LIMITS = {"employees": 1_000_000, "floor_area_m2": 100_000_000}


def _clean_enterprise_fields(
    *, park: Park, data: dict[str, Any], exclude_pk: int | None = None
) -> dict[str, Any]:
    """Validate and normalise enterprise fields; collect every error before raising."""
    errors: list[FieldError] = []
    clean = dict(data)
    for text in ("short_name", "industry_code"):
        if text in data and data[text] is None:
            clean[text] = ""  # "no value" for a text column is the empty text
    if "above_scale" in data and not isinstance(data["above_scale"], bool):
        errors.append(FieldError("above_scale", gettext("Must be true or false."), Code.INVALID))
    for number, most in COUNT_LIMITS.items():
        value = data.get(number)
        if value is not None and not 0 <= value <= most:
            errors.append(
                FieldError(
                    number, gettext("Must be 0-%(most)d.") % {"most": most}, Code.OUT_OF_RANGE
                )
            )
    if "name" in data:
        clean["name"] = (data["name"] or "").strip()
        if not clean["name"]:
            errors.append(FieldError("name", gettext("The name must not be empty."), Code.REQUIRED))
    if "credit_code" in data:
        try:
            clean["credit_code"] = validate_credit_code(data["credit_code"] or "")
        except CreditCodeError as exc:
            errors.append(FieldError("credit_code", exc.reason, exc.code))
    if data.get("industry_code"):
        try:
            clean["industry_code"] = validate_industry_code(data["industry_code"])
        except IndustryCodeError as exc:
            errors.append(FieldError("industry_code", exc.reason, Code.INVALID))
    if "zone_id" in data:
        zone_id = clean.pop("zone_id")
        clean["zone"] = None
        if zone_id is not None:
            # A zone of another park is reported exactly like one that does not exist.
            clean["zone"] = Zone.objects.filter(park=park, pk=zone_id).first()
            if clean["zone"] is None:
                errors.append(FieldError("zone_id", gettext("No such zone in this park.")))
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
            FieldError(
                "credit_code", gettext("This credit code is already registered."), Code.TAKEN
            )
        )
    if clean.get("name") and others.filter(name=clean["name"]).exists():
        errors.append(FieldError("name", gettext("This name is already registered."), Code.TAKEN))
    return errors


@transaction.atomic
def enterprise_create(*, actor: User, via: str, park: Park, data: dict[str, Any]) -> Enterprise:
    access.require(actor, access.CREATE, Enterprise)
    clean = _clean_enterprise_fields(park=park, data=data)
    enterprise = Enterprise(park=park, **clean)
    try:
        with transaction.atomic():
            enterprise.save()
    except IntegrityError:
        # A concurrent create won the unique constraint between our check and our insert.
        raise ValidationFailed.single(
            "credit_code", gettext("This credit code is already registered."), Code.TAKEN
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
    access.require(actor, access.CHANGE, enterprise, fields=fields)
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


PERSON_TOKEN_DAYS = 90  # a person's token expires by default; a gateway's runs until revoked
MAX_TOKEN_DAYS = 730


def _token_scope(user: User, scope: str | None) -> str:
    """Gateways hold gateway tokens only; people read or write tokens."""
    if user.role == Role.GATEWAY:
        allowed, default = {TokenScope.GATEWAY}, TokenScope.GATEWAY
    else:
        allowed, default = {TokenScope.READ, TokenScope.WRITE}, TokenScope.WRITE
    scope = scope or default
    if scope not in allowed:
        names = ", ".join(sorted(allowed))
        raise ValidationFailed.single(
            "scope",
            gettext("This account's token scope must be one of %(names)s.") % {"names": names},
            ErrorCode.SCOPE,
        )
    return scope


def _token_expiry(user: User, days: int | None):
    if days is None:
        days = None if user.role == Role.GATEWAY else PERSON_TOKEN_DAYS
    if days is None:
        return None
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_TOKEN_DAYS:
        # A non-number from a form arrives as text: refused here with the field named.
        raise ValidationFailed.single(
            "expires_in_days",
            gettext("Must be 1-%(most)d days.") % {"most": MAX_TOKEN_DAYS},
            Code.OUT_OF_RANGE,
        )
    return timezone.now() + datetime.timedelta(days=days)


def _token_name(name: str) -> str:
    name = (name or "").strip()
    if len(name) > 100 or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise ValidationFailed.single(
            "name",
            gettext("At most 100 characters, no control characters."),
        )
    return name


def api_token_create(*, actor: User | None, via: str, user: User, **options) -> str:
    """Make a token for `user` and return its secret, which is never stored or shown again."""
    return api_token_issue(actor=actor, via=via, user=user, **options)[1]


@transaction.atomic
def api_token_issue(
    *,
    actor: User | None,
    via: str,
    user: User,
    name: str = "",
    scope: str | None = None,
    expires_in_days: int | None = None,
) -> tuple[ApiToken, str]:
    """A new token for `user` and its secret (shown once: only its SHA-256 is stored)."""
    name, scope = _token_name(name), _token_scope(user, scope)
    expires_at = _token_expiry(user, expires_in_days)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        scope=scope,
        expires_at=expires_at,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        digest=_digest(secret),
    )
    audit_record(
        actor=actor,
        via=via,
        action="api_token.create",
        obj=token,
        before=None,
        after={
            "user": user.username,
            "name": name,
            "prefix": token.prefix,
            "scope": scope,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
        park_id=user.park_id,
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: User | None, via: str, token: ApiToken) -> ApiToken:
    """Revoke a token at once (loaded through selectors.api_token_get, so the actor may). Apps
    that hang a login on a token follow in the same transaction (signals.api_token_revoked:
    a gateway's MQTT login). Revoking a revoked token changes nothing."""
    locked = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if locked.revoked_at is not None:
        return locked
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        via=via,
        action="api_token.revoke",
        obj=locked,
        before={"revoked_at": None},
        after={"revoked_at": locked.revoked_at.isoformat(), "prefix": locked.prefix},
        park_id=locked.user.park_id,
    )
    api_token_revoked.send(sender=ApiToken, token=locked, actor=actor, via=via)
    return locked


def api_token_authenticate(secret: str) -> User | None:
    """The active user a live (unexpired, unrevoked) token belongs to, or None. Marks the token
    used (at most once a minute, so authentication does not turn every API read into a write)."""
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(secret), revoked_at__isnull=True, user__is_active=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .first()
    )
    if token is None:
        return None
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


@transaction.atomic
def user_roles_set(*, actor: User, via: str, user: User, roles: list[str]) -> User:
    """Give a person exactly these further roles beside their primary one (a resident who is
    also a party member, an employee who drives a bus): the park's administrators' to change.
    Codes must be roles the platform knows (tenancy.roles.registry, app roles included); a role
    reaching an enterprise needs the person's enterprise."""
    access.require(actor, access.CHANGE, user, fields={"granted_roles"})
    known = {r.code: r for r in grantable()}
    wanted = sorted({str(code) for code in roles} - {user.role})
    errors = [FieldError("roles", _("Unknown role: %(code)s") % {"code": c}, ErrorCode.UNKNOWN_ROLE)
              for c in wanted if c not in known]  # fmt: skip
    if user.enterprise_id is None and any(
        known[c].reach == Reach.ENTERPRISE for c in wanted if c in known
    ):
        errors.append(
            FieldError(
                "roles", _("An enterprise role needs the person's enterprise."), Code.INVALID
            )
        )
    if errors:
        raise ValidationFailed(errors)
    locked = User.objects.select_for_update().get(pk=user.pk)
    before = sorted(locked.granted_roles)
    locked.granted_roles = wanted
    locked.save(update_fields=["granted_roles"])
    audit_record(
        actor=actor, via=via, action="user.roles", obj=locked,
        before={"granted_roles": before}, after={"granted_roles": wanted}, park_id=locked.park_id,
    )  # fmt: skip
    user.granted_roles = wanted
    return locked
