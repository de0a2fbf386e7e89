from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpaceConfig(AppConfig):
    """空间全要素: land parcels and their pipeline, buildings, floors, units and leases, and the
    亩均效益 evaluation of the enterprises on them."""

    name = "parkpilot.space"
    label = "space"
    verbose_name = _("Land and space")
