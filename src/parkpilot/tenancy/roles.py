"""The roles a person or machine can hold in a park."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PARK_ADMIN = "park_admin", _("Park administrator")
    PARK_STAFF = "park_staff", _("Park staff")
    SUPERVISOR = "supervisor", _("Supervisor (discipline committee)")
    ENTERPRISE_ADMIN = "enterprise_admin", _("Enterprise administrator")
    ENTERPRISE_USER = "enterprise_user", _("Enterprise user")
    RESIDENT = "resident", _("Resident")
    GATEWAY = "gateway", _("Device gateway")


PARK_ROLES = frozenset({Role.PARK_ADMIN, Role.PARK_STAFF, Role.SUPERVISOR})
ENTERPRISE_ROLES = frozenset({Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_USER})
