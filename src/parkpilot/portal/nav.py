"""Navigation between apps. Each app's AppConfig lists its entries as `nav_items`; the shell
shows the ones the user's role may open, so a new app adds itself without touching the portal."""

from dataclasses import dataclass

from django.apps import apps
from django.urls import reverse
from django.utils.functional import Promise


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    roles: frozenset[str] | None = None  # None: every signed-in user
    order: int = 100


def nav_for(user) -> list[dict]:
    if not user.is_authenticated:
        return []
    items: list[NavItem] = []
    for config in apps.get_app_configs():
        items.extend(getattr(config, "nav_items", ()))
    visible = [i for i in items if user.is_superuser or i.roles is None or user.role in i.roles]
    return [
        {"label": i.label, "url": reverse(i.url_name), "url_name": i.url_name}
        for i in sorted(visible, key=lambda i: i.order)
    ]
