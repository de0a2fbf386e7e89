from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from parkpilot.portal.nav import NavItem
from parkpilot.tenancy.roles import ENTERPRISE_ROLES, PARK_ROLES, Role


class TenancyConfig(AppConfig):
    name = "parkpilot.tenancy"
    label = "tenancy"
    verbose_name = _("Tenancy")
    nav_items = (
        NavItem(_("Enterprises"), "tenancy:enterprise_list", PARK_ROLES | ENTERPRISE_ROLES, 10),
        NavItem(
            _("Audit log"), "tenancy:audit_log", frozenset({Role.PARK_ADMIN, Role.SUPERVISOR}), 90
        ),
        NavItem(_("Locked sign-ins"), "tenancy:login_locks", frozenset({Role.PARK_ADMIN}), 91),
        NavItem(_("API tokens"), "tenancy:tokens", PARK_ROLES | ENTERPRISE_ROLES, 92),
    )

    def ready(self):
        from parkpilot.tenancy import logins  # noqa: F401  (connects the sign-in receivers)
