"""What the home page shows: every app's cards (AppConfig.home_cards) this user may see."""

from parkpilot import plugins


def home_cards(*, user, park) -> list[dict]:
    return plugins.cards("home_cards", user=user, park=park)
