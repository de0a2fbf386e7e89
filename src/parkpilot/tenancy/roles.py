"""The roles a person or machine can hold in a park, and the role sets, defined here once.

A role says how far its holder reaches in the rows of a model it may read at all (its `reach`);
which models those are is each model's `Policy` (`tenancy/policy.py`). So a role an app declares
(a bus dispatcher reaching the whole park) opens only the models whose policies name it, never
another app's data. Core roles are the `Role` choices below; an app declares its own as `roles`
on its AppConfig (`RoleDef`s), and a person holds one primary role (`User.role`) plus any number
of granted ones (`RoleGrant`)."""

from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PARK_ADMIN = "park_admin", _("Park administrator")
    PARK_STAFF = "park_staff", _("Park staff")
    SUPERVISOR = "supervisor", _("Supervisor (discipline committee)")
    ENTERPRISE_ADMIN = "enterprise_admin", _("Enterprise administrator")
    ENTERPRISE_USER = "enterprise_user", _("Enterprise user")
    RESIDENT = "resident", _("Resident")
    GATEWAY = "gateway", _("Device gateway")


# The role of scheduled work (tenancy.actors.SystemActor); never held by a person.
SYSTEM = "system"


class Reach(StrEnum):
    PARK = "park"  # every row of its park
    ENTERPRISE = "enterprise"  # the rows of its own enterprise (User.enterprise)
    PERSONAL = "personal"  # only rows personal to it (Policy.user_path) or shared in the park
    DEVICE = "device"  # the rows a gateway writes (Policy.gateway_path)


@dataclass(frozen=True)
class RoleDef:
    code: str  # stored in User.role / RoleGrant.role; an app's roles start with its label
    label: str | Promise
    reach: Reach


CORE_ROLES = (
    RoleDef(Role.PARK_ADMIN, Role.PARK_ADMIN.label, Reach.PARK),
    RoleDef(Role.PARK_STAFF, Role.PARK_STAFF.label, Reach.PARK),
    RoleDef(Role.SUPERVISOR, Role.SUPERVISOR.label, Reach.PARK),
    RoleDef(Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_ADMIN.label, Reach.ENTERPRISE),
    RoleDef(Role.ENTERPRISE_USER, Role.ENTERPRISE_USER.label, Reach.ENTERPRISE),
    RoleDef(Role.RESIDENT, Role.RESIDENT.label, Reach.PERSONAL),
    RoleDef(Role.GATEWAY, Role.GATEWAY.label, Reach.DEVICE),
    RoleDef(SYSTEM, _("System"), Reach.PARK),
)

# --- the role sets (use these; never spell a set of roles out again) ----------------------
# Read the whole park: the management committee and its supervisors.
PARK_ROLES = frozenset({Role.PARK_ADMIN, Role.PARK_STAFF, Role.SUPERVISOR})
# Change the park's data and handle its work (contact persons of requests and projects).
PARK_OPERATORS = frozenset({Role.PARK_ADMIN, Role.PARK_STAFF})
# Act for their own enterprise.
ENTERPRISE_ROLES = frozenset({Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_USER})
# Whom the residents' front door (山湖·青锋, /m/) is for.
FRONT_DOOR_ROLES = frozenset({Role.RESIDENT}) | ENTERPRISE_ROLES


@cache
def registry() -> dict[str, RoleDef]:
    """Every role: the core ones and those the installed apps declare (AppConfig.roles)."""
    from parkpilot.plugins import collected  # the plug-in surface imports no app either

    roles = {r.code: r for r in CORE_ROLES}
    for role in collected("roles"):
        if role.code in roles:
            raise ValueError(f"role {role.code!r} declared twice")
        roles[role.code] = role
    return roles


def reach_of(code: str) -> Reach | None:
    role = registry().get(code)
    return role.reach if role else None


def label_of(code: str) -> str:
    role = registry().get(code)
    return str(role.label) if role else code


def grantable() -> list[RoleDef]:
    """Roles a person may be given (not the system's, not a gateway's)."""
    return [r for r in registry().values() if r.code not in (SYSTEM, Role.GATEWAY)]
