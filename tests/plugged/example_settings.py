"""The project's settings with one more app in INSTALLED_APPS, and nothing else changed."""

from parkpilot.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "example_app"]  # noqa: F405
