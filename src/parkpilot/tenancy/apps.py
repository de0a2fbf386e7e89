from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from parkpilot.plugins import HomeCard, NavItem
from parkpilot.tenancy import rules


class TenancyConfig(AppConfig):
    name = "parkpilot.tenancy"
    label = "tenancy"
    verbose_name = _("Tenancy")
    api_router = "parkpilot.tenancy.api.router"
    api_prefix = ""  # /api/v1/enterprises, /api/v1/tokens: the park's own objects
    urls = "parkpilot.tenancy.urls"
    url_prefix = ""
    home_cards = (
        HomeCard("tenancy.own_enterprise", "tenancy/_home_own_enterprise.html",
                 "parkpilot.tenancy.selectors.home_own_enterprise_card", rules.OWN_ENTERPRISE,
                 order=5, wide=True),
        HomeCard("tenancy.map", "tenancy/_home_map.html",
                 "parkpilot.tenancy.selectors.home_map_card", order=25),
        HomeCard("tenancy.park", "tenancy/_home_park.html",
                 "parkpilot.tenancy.selectors.home_park_card", order=30),
    )  # fmt: skip
    nav_items = (
        NavItem(_("Enterprises"), "tenancy:enterprise_list", 10),
        NavItem(_("People"), "tenancy:people", 89),
        NavItem(_("Audit log"), "tenancy:audit_log", 90),
        NavItem(_("Locked sign-ins"), "tenancy:login_locks", 91),
        NavItem(_("API tokens"), "tenancy:tokens", 92),
    )

    def ready(self):
        from parkpilot.tenancy import logins  # noqa: F401  (connects the sign-in receivers)
