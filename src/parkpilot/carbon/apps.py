from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CarbonConfig(AppConfig):
    name = "parkpilot.carbon"
    label = "carbon"
    verbose_name = _("Carbon")
