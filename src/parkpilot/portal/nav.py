"""Navigation between apps. Each app's AppConfig lists its entries as `nav_items`
(parkpilot.plugins.NavItem); the shell shows the ones whose page lets the user in, so a new app
adds itself without touching the portal."""

from django.urls import reverse

from parkpilot.plugins import collected, page_visible_to


def nav_for(user) -> list[dict]:
    if not user.is_authenticated:
        return []
    visible = [i for i in collected("nav_items") if page_visible_to(user, i.url_name)]
    return [
        {"label": i.label, "url": reverse(i.url_name), "url_name": i.url_name}
        for i in sorted(visible, key=lambda i: i.order)
    ]
