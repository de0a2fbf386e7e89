"""How a tenant model says who may read and change its rows (enforced in access.py)."""

from dataclasses import dataclass, field

from parkpilot.tenancy.roles import ENTERPRISE_ROLES, PARK_OPERATORS, PARK_ROLES


@dataclass(frozen=True)
class Policy:
    """Who may read, create, change and act on a model's rows; asked only through access.py."""

    park_path: str  # lookup from the model to its Park, e.g. "park" or "enterprise__park"
    # Lookup to the owning Enterprise, or None when the rows belong to the park as a whole.
    enterprise_path: str | None = None
    # Lookup to the gateway user allowed to write the row; device gateways read only those.
    gateway_path: str | None = None
    # Lookup to the one user a row is personal to (a notification): everyone, park staff too,
    # reads only their own.
    user_path: str | None = None
    # Park-wide rows everyone in the park may read (zones, published figures).
    shared_in_park: bool = False
    # Roles that may read at all; park roles read the whole park, enterprise roles their own.
    readers: frozenset[str] = frozenset(PARK_ROLES | ENTERPRISE_ROLES)
    # Roles that may create and change any row in their park.
    park_writers: frozenset[str] = PARK_OPERATORS
    # Roles that may create rows for their own enterprise (e.g. a service request).
    own_creators: frozenset[str] = frozenset()
    # Roles that may change their own enterprise's rows, and which fields.
    own_writers: frozenset[str] = frozenset()
    own_writable_fields: frozenset[str] = field(default_factory=frozenset)
    # Named actions beyond reading and changing ("acknowledge", "supervise") and the roles that
    # may do them: a park-wide role in its park, an enterprise role to its own enterprise's rows.
    actions: dict[str, frozenset[str]] = field(default_factory=dict)
