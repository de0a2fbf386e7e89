"""What the home page shows: every app's cards (AppConfig.home_cards) this user may see."""

from django.utils.module_loading import import_string

from parkpilot.plugins import collected, visible_to


def home_cards(*, user, park) -> list[dict]:
    cards = []
    for card in sorted(collected("home_cards"), key=lambda c: (c.order, c.key)):
        if not visible_to(user, card.roles):
            continue
        data = import_string(card.context)(user, park)
        if data is not None:
            cards.append(
                {"key": card.key, "template": card.template, "wide": card.wide, "data": data}
            )
    return cards
