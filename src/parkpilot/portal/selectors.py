"""What the home page shows: every app's cards (AppConfig.home_cards) this user may see."""

import logging

from django.utils.module_loading import import_string

from parkpilot.plugins import collected, visible_to

log = logging.getLogger(__name__)


def home_cards(*, user, park) -> list[dict]:
    cards = []
    for card in sorted(collected("home_cards"), key=lambda c: (c.order, c.key)):
        if not visible_to(user, card.roles):
            continue
        try:
            data = import_string(card.context)(user, park)
        except Exception:  # one failing app must not take the home page down (as tiles)
            log.exception("home card %s failed", card.key)
            continue
        if data is not None:
            cards.append(
                {"key": card.key, "template": card.template, "wide": card.wide, "data": data}
            )
    return cards
