from django.apps import AppConfig


class EconomyConfig(AppConfig):
    name = "parkpilot.economy"
    label = "economy"
