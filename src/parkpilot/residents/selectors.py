"""What the front door shows: every app's entries, cards and open items for this person."""

from django.urls import reverse
from django.utils.module_loading import import_string

from parkpilot import plugins
from parkpilot.plugins import collected, declared, page_visible_to


def entries(*, user) -> list[dict]:
    visible = [e for e in collected("resident_entries") if page_visible_to(user, e.url_name)]
    return [
        {"label": e.label, "icon": e.icon, "url": reverse(e.url_name)}
        for e in sorted(visible, key=lambda e: (e.order, e.url_name))
    ]


def cards(*, user, park) -> list[dict]:
    return plugins.cards("resident_cards", user=user, park=park)


def my_items(*, user) -> list:
    """Every app's open items of this person, newest first."""
    items = [item for _config, path in declared("my_items") for item in import_string(path)(user)]
    return sorted(items, key=lambda i: (i.when is not None, i.when), reverse=True)
