"""Writes for parks, enterprises and tokens. Keyword-only, atomic, audited."""

import datetime
import hashlib
import re
import secrets
from typing import Any

from axes.utils import reset as axes_reset
from django.contrib.auth.tokens import default_token_generator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from parkpilot.inputs import Fields
from parkpilot.tenancy import access
from parkpilot.tenancy.audit import audit_record, changed_only, snapshot
from parkpilot.tenancy.credit_code import CreditCodeError, validate_credit_code
from parkpilot.tenancy.errors import Code, ErrorCode, FieldError, ValidationFailed
from parkpilot.tenancy.industry import IndustryCodeError, validate_industry_code
from parkpilot.tenancy.models import ApiToken, Enterprise, Park, TokenScope, User, Zone
from parkpilot.tenancy.roles import ENTERPRISE_ROLES, PARK_ROLES, Reach, Role, grantable
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
    """Validate and normalise enterprise fields (a form's text or the API's types); collect
    every error before raising."""
    fields = Fields()
    errors: list[FieldError] = fields.errors
    clean = dict(data)
    for text in ("short_name", "industry_code"):
        if text in data and data[text] is None:
            clean[text] = ""  # "no value" for a text column is the empty text
    if "above_scale" in data and not isinstance(data["above_scale"], bool):
        errors.append(FieldError("above_scale", gettext("Must be true or false."), Code.INVALID))
    for number, most in COUNT_LIMITS.items():
        if number in data:
            clean[number] = fields.whole(number, data[number], low=0, high=most, required=False)
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


def _token_expiry(user: User, days: int | str | None):
    """Days as the page posts them (text) or the API sends them; blank is the default."""
    fields = Fields()
    days = fields.whole("expires_in_days", days, low=1, high=MAX_TOKEN_DAYS, required=False)
    fields.check()
    if days is None:
        days = None if user.role == Role.GATEWAY else PERSON_TOKEN_DAYS
    if days is None:
        return None
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
    expires_in_days: int | str | None = None,
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


# --- the park's people: invited, changed, deactivated by their administrators ---------------

USERNAME_PATTERN = re.compile(r"^[\w.@+-]{1,150}$")
PERSON_TEXT_LIMITS = {"display_name": 100, "email": 254}
# The order the forms offer roles in: the first is the default, so it gives the least.
LEAST_PRIVILEGE_FIRST = [
    Role.RESIDENT,
    Role.ENTERPRISE_USER,
    Role.ENTERPRISE_ADMIN,
    Role.PARK_STAFF,
    Role.SUPERVISOR,
    Role.PARK_ADMIN,
]


def person_roles_for(actor: User) -> list[str]:
    """The primary roles this administrator may give: a park admin every person's role (device
    gateways come with their token, not an invitation); an enterprise admin its staff's."""
    if actor.is_superuser or Role.PARK_ADMIN in access.roles_of(actor):
        return LEAST_PRIVILEGE_FIRST
    return [Role.ENTERPRISE_USER, Role.ENTERPRISE_ADMIN]


def _clean_person(actor: User, park: Park, data: dict[str, Any], person: User | None) -> dict:
    """The person's fields as the model takes them, or ValidationFailed naming each bad one."""
    errors: list[FieldError] = []
    clean: dict[str, Any] = {}
    for name, limit in PERSON_TEXT_LIMITS.items():
        value = str(data.get(name) or "").strip()
        if len(value) > limit:
            errors.append(
                FieldError(name, _("At most %(n)d characters.") % {"n": limit}, Code.TOO_LONG)
            )
        clean[name] = value
    if clean["email"] and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", clean["email"]):
        errors.append(FieldError("email", _("Not an e-mail address."), Code.FORMAT))
    role = str(data.get("role") or (person.role if person else "")).strip()
    if role not in person_roles_for(actor):
        errors.append(FieldError("role", _("Not a role you may give."), Code.INVALID))
    clean["role"] = role
    clean["enterprise"] = _person_enterprise(actor, park, data, person, role, errors)
    if errors:
        raise ValidationFailed(errors)
    return clean


def _person_enterprise(actor, park, data, person, role, errors) -> Enterprise | None:
    """An enterprise admin's staff are always of its own enterprise; a park admin names one for
    an enterprise role, none for a park role."""
    if not (actor.is_superuser or Role.PARK_ADMIN in access.roles_of(actor)):
        return actor.enterprise
    raw = data.get("enterprise_id", person.enterprise_id if person else None)
    if raw in (None, ""):
        if role in ENTERPRISE_ROLES:
            errors.append(
                FieldError(
                    "enterprise_id",
                    _("An enterprise role needs the person's enterprise."),
                    Code.REQUIRED,
                )
            )
        return None
    enterprise = Enterprise.objects.filter(
        park=park, pk=int(raw) if str(raw).isdigit() else None
    ).first()
    if enterprise is None:
        errors.append(
            FieldError("enterprise_id", _("No such enterprise in this park."), Code.UNKNOWN)
        )
    elif role in PARK_ROLES:
        errors.append(
            FieldError("enterprise_id", _("Park staff belong to no enterprise."), ErrorCode.SCOPE)
        )
    return enterprise


def _set_password_link(person: User) -> str:
    """A one-time link to set a password (Django's reset token: it stops working once the
    password is set, and after settings.PASSWORD_RESET_TIMEOUT)."""
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    token = default_token_generator.make_token(person)
    return reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})


@transaction.atomic
def person_invite(*, actor: User, via: str, park: Park, data: dict[str, Any]) -> tuple[User, str]:
    """A new person of the park (or of the actor's enterprise), without a password yet, and the
    link with which they set one (shown once to the administrator, who passes it on)."""
    username = str(data.get("username") or "").strip()
    errors = []
    if not USERNAME_PATTERN.match(username):
        errors.append(
            FieldError(
                "username", _("Letters, digits and . @ + - _ only, at most 150."), Code.FORMAT
            )
        )
    elif User.objects.filter(username__iexact=username).exists():
        errors.append(FieldError("username", _("This user name is taken."), Code.TAKEN))
    try:
        clean = _clean_person(actor, park, data, None)
    except ValidationFailed as exc:
        errors += exc.errors
    if errors:
        raise ValidationFailed(errors)
    access.require(
        actor, access.CREATE, User, enterprise_id=clean["enterprise"] and clean["enterprise"].pk
    )
    person = User(username=username, park=park, **clean)
    person.set_unusable_password()
    person.save()
    audit_record(actor=actor, via=via, action="user.invite", obj=person, before=None,
                 after=_person_facts(person), park_id=park.pk)  # fmt: skip
    return person, _set_password_link(person)


def _person_facts(person: User) -> dict:
    return {
        "username": person.username,
        "display_name": person.display_name,
        "email": person.email,
        "role": person.role,
        "enterprise": person.enterprise.name if person.enterprise_id else None,
        "is_active": person.is_active,
    }


@transaction.atomic
def person_update(*, actor: User, via: str, person: User, data: dict[str, Any]) -> User:
    """Name, e-mail, role (and for a park admin the enterprise) of a person the actor manages.
    Nobody changes their own role: an administrator cannot lock themselves out by mistake."""
    access.require(actor, access.CHANGE, person, fields={"display_name", "email", "role"})
    clean = _clean_person(actor, person.park, data, person)
    locked = User.objects.select_for_update().get(pk=person.pk)
    if locked.pk == actor.pk and clean["role"] != locked.role:
        message = _("You cannot change your own role.")
        raise ValidationFailed([FieldError("role", message, ErrorCode.SELF)])
    if locked.role == Role.PARK_ADMIN and clean["role"] != Role.PARK_ADMIN:
        _keep_an_admin(locked)
    before = _person_facts(locked)
    for name, value in clean.items():
        setattr(locked, name, value)
    locked.save(update_fields=[*clean])
    before, after = changed_only(before, _person_facts(locked))
    if after:
        audit_record(actor=actor, via=via, action="user.update", obj=locked,
                     before=before, after=after, park_id=locked.park_id)  # fmt: skip
    return locked


def _keep_an_admin(person: User) -> None:
    """Refuse what would leave the park without an active administrator."""
    others = User.objects.filter(park_id=person.park_id, role=Role.PARK_ADMIN, is_active=True)
    if not others.exclude(pk=person.pk).exists():
        message = _("The park needs at least one active administrator.")
        raise ValidationFailed([FieldError("role", message, ErrorCode.LAST_ADMIN)])


@transaction.atomic
def person_set_active(*, actor: User, via: str, person: User, active: bool) -> User:
    """Deactivate (they can no longer sign in, and their open sessions and API tokens stop
    working at once) or reactivate a person. Nothing of theirs is deleted."""
    access.require(actor, access.CHANGE, person, fields={"is_active"})
    locked = User.objects.select_for_update().get(pk=person.pk)
    if locked.is_active == active:
        return locked
    if not active:
        if locked.pk == actor.pk:
            raise ValidationFailed(
                [FieldError("is_active", _("You cannot deactivate yourself."), ErrorCode.SELF)]
            )
        if locked.role == Role.PARK_ADMIN:
            _keep_an_admin(locked)
    locked.is_active = active
    locked.save(update_fields=["is_active"])
    audit_record(actor=actor, via=via, action="user.activate" if active else "user.deactivate",
                 obj=locked, before={"is_active": not active}, after={"is_active": active},
                 park_id=locked.park_id)  # fmt: skip
    return locked


@transaction.atomic
def person_password_link(*, actor: User, via: str, person: User) -> str:
    """A new set-password link for a person who forgot theirs; the old password keeps working
    until the new one is set. Audited, the link itself is not stored."""
    access.require(actor, access.CHANGE, person, fields={"is_active"})
    if not person.is_active:
        raise ValidationFailed(
            [FieldError("is_active", _("Reactivate the person first."), Code.INVALID_TRANSITION)]
        )
    audit_record(actor=actor, via=via, action="user.password_link", obj=person, before=None,
                 after={"username": person.username}, park_id=person.park_id)  # fmt: skip
    return _set_password_link(person)
