"""The one access rule: who sees and who may do what.

Each tenant model declares a `Policy` as its `tenancy_policy` (a model without one cannot be
loaded at all: fail closed). Every question goes to this module:

- `scoped(actor, Model)`: the rows the actor may read; `get_for(actor, Model, pk)` one of them or
  `NotFound` (absent and foreign look the same: 404).
- `can(actor, action, target)` / `require(...)`: may the actor "read", "create", "change" or
  do a named action (`Policy.actions`, e.g. "acknowledge") to this object or kind of object.
- `whole_park(actor, Model, park_id)`: whether `scoped` holds every row of that park, so a page of
  the whole park (the cockpit) or a read written as SQL may filter by park alone.
- `Rule`: such a question declared once and asked by a page (`@page(rule)`), its navigation
  entry, its cockpit tile and its home card alike.

An actor is a signed-in user (its roles: `roles_of`) or a `SystemActor` of one park for
scheduled work. How far each role reaches is `tenancy.roles`.
"""

from dataclasses import dataclass
from functools import wraps

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext as _

from parkpilot.tenancy.errors import Forbidden, NotFound
from parkpilot.tenancy.policy import Policy
from parkpilot.tenancy.roles import SYSTEM, Reach, Role, reach_of

READ, CREATE, CHANGE = "read", "create", "change"


def policy_of(model: type[models.Model]) -> Policy:
    policy = getattr(model, "tenancy_policy", None)
    if not isinstance(policy, Policy):
        raise ImproperlyConfigured(f"{model.__name__} declares no tenancy_policy")
    return policy


def roles_of(actor) -> frozenset[str]:
    """The actor's primary role and every role granted beside it."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return frozenset()
    return frozenset(actor.roles)


def _reaches(roles: frozenset[str], allowed: frozenset[str]) -> set:
    return {reach_of(r) for r in roles & allowed}


def _live(actor) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active)


# --- reading ------------------------------------------------------------------------------


def scoped(actor, queryset: models.QuerySet | type[models.Model]) -> models.QuerySet:
    """The rows of `queryset` this actor may read."""
    qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    policy = policy_of(qs.model)
    if not _live(actor):
        return qs.none()
    if actor.is_superuser:
        return qs
    if actor.park_id is None:
        return qs.none()
    in_park = qs.filter(**{policy.park_path: actor.park_id})
    roles = roles_of(actor)
    if SYSTEM in roles:
        return in_park
    if policy.user_path:
        return in_park.filter(**{policy.user_path: actor.pk})
    if Role.GATEWAY in roles:
        if policy.gateway_path:
            return in_park.filter(**{policy.gateway_path: actor.pk})
        return qs.none()
    if policy.shared_in_park:
        return in_park
    reaches = _reaches(roles, policy.readers)
    if Reach.PARK in reaches:
        return in_park
    if Reach.ENTERPRISE in reaches and policy.enterprise_path and actor.enterprise_id:
        return in_park.filter(**{policy.enterprise_path: actor.enterprise_id})
    return qs.none()


def whole_park(actor, model: type[models.Model], park_id: int) -> bool:
    """Whether scoped(actor, model) holds every row of this park: then a page of the whole park
    or a read written as SQL may filter by park alone and still agree with scoped()."""
    if not _live(actor):
        return False
    if actor.is_superuser:
        return True
    policy = policy_of(model)
    roles = roles_of(actor)
    if actor.park_id != park_id or policy.user_path or Role.GATEWAY in roles:
        return False
    if SYSTEM in roles:
        return True
    # Only a role reaching the whole park that the policy names: a shared model holds every
    # row for anyone, but a page of the whole park is not a resident's or another app's role's.
    return Reach.PARK in _reaches(roles, policy.readers)


def get_for(actor, queryset: models.QuerySet | type[models.Model], pk) -> models.Model:
    """One object the actor may read, or NotFound whether it is absent or someone else's."""
    try:
        return scoped(actor, queryset).get(pk=pk)
    except (models.ObjectDoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound from None


# --- acting -------------------------------------------------------------------------------


def can(actor, action: str, target, *, fields=(), enterprise_id: int | None = None) -> bool:
    """Whether the actor may do `action` to `target`: an object, or a model for "read" (may it
    read that kind of row at all) and "create" (for `enterprise_id`, or the park)."""
    return _refusal(actor, action, target, set(fields), enterprise_id) is None


def require(actor, action: str, target, *, fields=(), enterprise_id: int | None = None) -> None:
    """As `can`, raising Forbidden with the reason when the answer is no."""
    reason = _refusal(actor, action, target, set(fields), enterprise_id)
    if reason is not None:
        raise Forbidden(reason)


def _refusal(actor, action, target, fields, enterprise_id) -> str | None:
    """None when allowed, else why not (the Forbidden's message)."""
    model = target if isinstance(target, type) else type(target)
    policy = policy_of(model)
    if not _live(actor):
        return _("not signed in")
    if actor.is_superuser:
        return None
    roles = roles_of(actor)
    obj = None if isinstance(target, type) else target
    if SYSTEM in roles:
        return None if obj is None or _in_park(actor, obj, policy) else ""
    if action == READ:
        return _read_refusal(actor, roles, policy, obj)
    if action == CREATE:
        return _create_refusal(actor, roles, policy, enterprise_id)
    if action == CHANGE:
        return _change_refusal(actor, roles, policy, obj, fields)
    return _action_refusal(actor, roles, policy, obj, policy.actions.get(action, frozenset()))


def _read_refusal(actor, roles, policy, obj) -> str | None:
    if obj is not None:
        return None if scoped(actor, type(obj)).filter(pk=obj.pk).exists() else ""
    if policy.shared_in_park or policy.user_path or roles & policy.readers:
        return None
    return ""


def _create_refusal(actor, roles, policy, enterprise_id) -> str | None:
    if roles & policy.park_writers:
        return None
    if roles & policy.own_creators and enterprise_id is not None:
        return None if enterprise_id == actor.enterprise_id else ""
    return ""


def _change_refusal(actor, roles, policy, obj, fields) -> str | None:
    if roles & policy.park_writers and (obj is None or _in_park(actor, obj, policy)):
        return None
    if roles & policy.own_writers and obj is not None and _owns(actor, obj, policy):
        disallowed = fields - policy.own_writable_fields
        if not disallowed:
            return None
        return _("not writable for this role: %(fields)s") % {
            "fields": ", ".join(sorted(disallowed))
        }
    return ""


def _action_refusal(actor, roles, policy, obj, allowed: frozenset[str]) -> str | None:
    reaches = _reaches(roles, allowed)
    if obj is None:
        return None if reaches else ""
    if Reach.PARK in reaches and _in_park(actor, obj, policy):
        return None
    if Reach.ENTERPRISE in reaches and _owns(actor, obj, policy):
        return None
    if Reach.PERSONAL in reaches and policy.user_path and _is_personal(actor, obj, policy):
        return None
    return ""


def _in_park(actor, obj, policy: Policy) -> bool:
    if actor.park_id is None:
        return False
    if policy.park_path in ("pk", "park"):
        return getattr(obj, "pk" if policy.park_path == "pk" else "park_id") == actor.park_id
    return _matches(obj, policy.park_path, actor.park_id)


def _owns(actor, obj, policy: Policy) -> bool:
    if not policy.enterprise_path or actor.enterprise_id is None:
        return False
    return _matches(obj, policy.enterprise_path, actor.enterprise_id)


def _is_personal(actor, obj, policy: Policy) -> bool:
    return _matches(obj, policy.user_path, actor.pk)


def _matches(obj, path: str, value) -> bool:
    if path == "pk":
        return obj.pk == value
    return type(obj)._default_manager.filter(pk=obj.pk).filter(**{path: value}).exists()


# --- declared questions: pages, navigation, tiles, cards ----------------------------------


@dataclass(frozen=True)
class Rule:
    """A question to the access rule, declared once: the page asks it (`@page(rule)`), and so do
    its navigation entry (found from the page), its cockpit tile and its home card.

    `reach`: "park" when the page shows every row of the park (whole_park), "enterprise" when it
    shows the actor's own enterprise's rows (an enterprise role that may read them)."""

    action: str = READ
    model: str = ""  # "app_label.Model"; "" asks only that the actor be signed in
    reach: str = ""
    # A page of a role's own work (a driver's duties): the actor must hold one of these too.
    roles: frozenset[str] = frozenset()

    def allows(self, actor) -> bool:
        if not _live(actor):
            return False
        if self.roles and not (actor.is_superuser or roles_of(actor) & self.roles):
            return False
        if not self.model or actor.is_superuser:
            return True
        model = apps.get_model(self.model)
        if not can(actor, self.action, model, enterprise_id=actor.enterprise_id):
            return False
        if self.reach == Reach.PARK:
            return actor.park_id is not None and whole_park(actor, model, actor.park_id)
        if self.reach == Reach.ENTERPRISE:
            reaches = _reaches(roles_of(actor), policy_of(model).readers)
            return actor.enterprise_id is not None and Reach.ENTERPRISE in reaches
        return True


SIGNED_IN = Rule()


def page(rule: Rule, *, hidden: bool = False):
    """A view that answers only when `rule` allows: anonymous visitors go to the sign-in page,
    others get 403 (a page, not an object: there is no existence to hide), or 404 when
    `hidden` (a desk whose very address is the park's own). The rule stays on the view, where
    the navigation reads it."""

    def decorate(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if not _live(request.user):
                from django.contrib.auth.views import redirect_to_login  # needs the app registry

                return redirect_to_login(request.get_full_path())
            if not rule.allows(request.user):
                raise NotFound if hidden else Forbidden
            return view(request, *args, **kwargs)

        guarded.access_rule = rule
        return guarded

    return decorate


def front_door_person(actor) -> bool:
    """Whether the person's home is the residents' front door (山湖·青锋): every role they hold
    reaches only their own rows (a resident, a party member), none a park's or an enterprise's."""
    roles = roles_of(actor)
    return (
        bool(roles) and not actor.is_superuser and all(reach_of(r) == Reach.PERSONAL for r in roles)
    )
