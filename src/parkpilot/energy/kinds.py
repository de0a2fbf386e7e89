"""Energy kinds, their canonical units and the unit conversions intake accepts.

Every reading is stored in its kind's canonical unit, so rollups of a kind add up without
conversions at read time."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EnergyKind(models.TextChoices):
    GRID_IMPORT = "grid_import", _("Grid electricity import")
    GRID_EXPORT = "grid_export", _("Electricity export")
    PV_GENERATION = "pv_generation", _("PV generation")
    STORAGE_CHARGE = "storage_charge", _("Storage charge")
    STORAGE_DISCHARGE = "storage_discharge", _("Storage discharge")
    EV_CHARGING = "ev_charging", _("EV charging")
    STREET_LIGHTING = "street_lighting", _("Street lighting")
    NATURAL_GAS = "natural_gas", _("Natural gas")
    STEAM = "steam", _("Steam")
    WATER = "water", _("Water")


ELECTRIC_KINDS = frozenset(
    {
        EnergyKind.GRID_IMPORT,
        EnergyKind.GRID_EXPORT,
        EnergyKind.PV_GENERATION,
        EnergyKind.STORAGE_CHARGE,
        EnergyKind.STORAGE_DISCHARGE,
        EnergyKind.EV_CHARGING,
        EnergyKind.STREET_LIGHTING,
    }
)
CANONICAL_UNIT = {
    **{kind: "kWh" for kind in ELECTRIC_KINDS},
    EnergyKind.NATURAL_GAS: "m3",
    EnergyKind.STEAM: "t",
    EnergyKind.WATER: "m3",
}
# unit as written by meters -> (canonical unit, factor to it)
UNIT_FACTORS = {
    "kWh": ("kWh", 1.0),
    "Wh": ("kWh", 0.001),
    "MWh": ("kWh", 1000.0),
    "m3": ("m3", 1.0),
    "m³": ("m3", 1.0),
    "Nm3": ("m3", 1.0),
    "L": ("m3", 0.001),
    "t": ("t", 1.0),
    "kg": ("t", 0.001),
}


def unit_factor(kind: str, unit: str) -> float | None:
    """The factor from `unit` to the kind's canonical unit, or None if they do not convert."""
    target, factor = UNIT_FACTORS.get(unit, (None, None))
    return factor if target == CANONICAL_UNIT[kind] else None
