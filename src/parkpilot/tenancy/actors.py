"""Who scheduled work acts as: the system of one park, never a superuser.

Closing a month, raising an alert, a nightly batch of reports: no person is behind them, but the
access rule still answers for them. A `SystemActor` holds the role `system`, which every policy
lets read and write, and only inside its own park (`tenancy.access`), so a task that forgets to
filter by park still cannot touch another park's rows. Audit rows name it "system" with no user.
"""

from parkpilot.tenancy.roles import SYSTEM


class SystemActor:
    is_authenticated = True
    is_active = True
    is_superuser = False
    is_anonymous = False
    is_staff = False
    pk = None
    id = None
    role = SYSTEM
    granted_roles = ()
    roles = frozenset({SYSTEM})
    enterprise = None
    enterprise_id = None
    is_park_role = True
    is_enterprise_role = False
    display_name = ""

    def __init__(self, park, purpose: str = "system"):
        self.park = park
        self.park_id = park.pk
        self.purpose = purpose  # what the work is, e.g. "carbon.close": for logs
        self.username = "system"

    def get_full_name(self) -> str:
        return ""

    def __repr__(self) -> str:
        return f"<SystemActor park={self.park_id} {self.purpose}>"


def system_actor(park, purpose: str = "system") -> SystemActor:
    return SystemActor(park, purpose)


def is_system(actor) -> bool:
    return isinstance(actor, SystemActor)
