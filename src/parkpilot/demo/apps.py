from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "parkpilot.demo"
    label = "demo"
