"""The one place that decides who sees and who may change what.

Every API handler and view loads tenant data through `scoped()` or `get_for()`; nothing
filters by park or enterprise on its own. Each tenant model declares a `Policy` as its
`tenancy_policy` attribute; a model without one cannot be loaded at all (fail closed).
"""

from django.core.exceptions import ImproperlyConfigured
from django.db import models

from parkpilot.tenancy.errors import Forbidden, NotFound
from parkpilot.tenancy.policy import Policy
from parkpilot.tenancy.roles import ENTERPRISE_ROLES, PARK_ROLES, Role


def policy_of(model: type[models.Model]) -> Policy:
    policy = getattr(model, "tenancy_policy", None)
    if not isinstance(policy, Policy):
        raise ImproperlyConfigured(f"{model.__name__} declares no tenancy_policy")
    return policy


def scoped(user, queryset: models.QuerySet | type[models.Model]) -> models.QuerySet:
    """The rows of `queryset` this user may read."""
    qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    policy = policy_of(qs.model)
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_superuser:
        return qs
    if user.park_id is None:
        return qs.none()
    in_park = qs.filter(**{policy.park_path: user.park_id})
    if policy.user_path:
        return in_park.filter(**{policy.user_path: user.pk})
    if user.role == Role.GATEWAY:
        if policy.gateway_path:
            return in_park.filter(**{policy.gateway_path: user.pk})
        return qs.none()
    if policy.shared_in_park:
        return in_park
    if user.role not in policy.readers:
        return qs.none()
    if user.role in PARK_ROLES:
        return in_park
    if user.role in ENTERPRISE_ROLES and policy.enterprise_path:
        return in_park.filter(**{policy.enterprise_path: user.enterprise_id})
    return qs.none()


def whole_park(user, model: type[models.Model], park_id: int) -> bool:
    """Whether scoped(user, model) holds every row of this park: then a read written as SQL may
    filter by park alone (the hot reads over a whole park) and still agree with scoped()."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    policy = policy_of(model)
    return (
        user.park_id == park_id
        and user.role in PARK_ROLES
        and (policy.shared_in_park or user.role in policy.readers)
    )


def get_for(user, queryset: models.QuerySet | type[models.Model], pk) -> models.Model:
    """One object the user may read, or NotFound whether it is absent or someone else's."""
    try:
        return scoped(user, queryset).get(pk=pk)
    except (models.ObjectDoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound from None


def require_create(user, model: type[models.Model], *, enterprise_id: int | None = None) -> None:
    """Park writers create anywhere in their park; `own_creators` only for their own enterprise."""
    policy = policy_of(model)
    if user.is_superuser or user.role in policy.park_writers:
        return
    if (
        user.role in policy.own_creators
        and enterprise_id is not None
        and enterprise_id == user.enterprise_id
    ):
        return
    raise Forbidden


def require_change(user, obj: models.Model, fields: set[str]) -> None:
    """Raise Forbidden unless the user may change these fields of an object it can read."""
    policy = policy_of(type(obj))
    if user.is_superuser or user.role in policy.park_writers:
        return
    if user.role in policy.own_writers and _owns(user, obj, policy):
        disallowed = set(fields) - policy.own_writable_fields
        if not disallowed:
            return
        raise Forbidden(f"not writable for this role: {', '.join(sorted(disallowed))}")
    raise Forbidden


def can_change(user, obj: models.Model) -> bool:
    try:
        require_change(user, obj, set())
    except Forbidden:
        return False
    return True


def _owns(user, obj: models.Model, policy: Policy) -> bool:
    if not policy.enterprise_path or user.enterprise_id is None:
        return False
    owned = type(obj)._default_manager.filter(**{policy.enterprise_path: user.enterprise_id})
    return owned.filter(pk=obj.pk).exists()


def require_read(user, model: type[models.Model]) -> None:
    """For collections: a role that may never read this kind of row gets a clear refusal."""
    policy = policy_of(model)
    if not (user.is_superuser or policy.shared_in_park or user.role in policy.readers):
        raise Forbidden
