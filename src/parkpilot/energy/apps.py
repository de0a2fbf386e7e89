from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnergyConfig(AppConfig):
    name = "parkpilot.energy"
    label = "energy"
    verbose_name = _("Energy")
    demo_loader = "parkpilot.energy.demo.load"
