"""Steam mass → heat: the net enthalpy (GJ per tonne) of a steam meter's configured condition,
from IAPWS-IF97 (the `iapws` library, never a hand table).

  steam      saturated vapour at the meter's pressure, or superheated vapour at its pressure
             and temperature when a temperature above saturation is configured;
  pressure   gauge by default (atmospheric 0.101325 MPa added), or absolute;
  feed water saturated liquid at the configured feed-water temperature (default 20 °C);
  net        h(steam) − h(feed water), kJ/kg = MJ/t, ÷ 1000 → GJ/t.
"""

from dataclasses import dataclass
from functools import lru_cache

from django.utils.translation import gettext
from iapws import IAPWS97

from parkpilot.tenancy.errors import FieldError, ValidationFailed

ATMOSPHERE_MPA = 0.101325
DEFAULT_FEED_WATER_C = 20.0
KELVIN = 273.15
# IAPWS-IF97's range for steam (region 1-2 boundary pressures and temperatures).
MAX_PRESSURE_MPA = 100.0
MAX_TEMPERATURE_C = 800.0


@dataclass(frozen=True)
class SteamCondition:
    pressure_mpa: float
    absolute: bool = False
    temperature_c: float | None = None  # None: saturated vapour
    feed_water_c: float = DEFAULT_FEED_WATER_C

    @property
    def absolute_mpa(self) -> float:
        return self.pressure_mpa if self.absolute else self.pressure_mpa + ATMOSPHERE_MPA


@dataclass(frozen=True)
class SteamEnthalpy:
    condition: SteamCondition
    saturation_c: float
    steam_kj_per_kg: float
    feed_water_kj_per_kg: float
    state: str  # "saturated" | "superheated"

    @property
    def net_gj_per_t(self) -> float:
        return (self.steam_kj_per_kg - self.feed_water_kj_per_kg) / 1000.0

    def as_dict(self) -> dict:
        c = self.condition
        return {
            "pressure_mpa": c.pressure_mpa,
            "pressure_basis": "absolute" if c.absolute else "gauge",
            "absolute_mpa": c.absolute_mpa,
            "temperature_c": c.temperature_c,
            "state": self.state,
            "saturation_c": self.saturation_c,
            "feed_water_c": c.feed_water_c,
            "steam_kj_per_kg": self.steam_kj_per_kg,
            "feed_water_kj_per_kg": self.feed_water_kj_per_kg,
            "net_gj_per_t": self.net_gj_per_t,
            "method": "IAPWS-IF97",
        }


@lru_cache(maxsize=256)
def enthalpy(condition: SteamCondition) -> SteamEnthalpy:
    """The condition's net enthalpy; a condition outside what can be metered is refused with
    the field and the reason. Cached: IAPWS-IF97 costs milliseconds and a park has few
    distinct conditions (each report states its steam points')."""
    _check(condition)
    p = condition.absolute_mpa
    saturated = IAPWS97(P=p, x=1)
    t_sat = saturated.T - KELVIN
    if condition.temperature_c is None:
        steam, state = saturated, "saturated"
    else:
        if condition.temperature_c <= t_sat:
            raise ValidationFailed.single(
                "steam_temperature_c",
                gettext(
                    "Must be above the saturation temperature %(t)s °C at this pressure (leave "
                    "empty for saturated steam)."
                )
                % {"t": f"{t_sat:.1f}"},
            )
        steam, state = IAPWS97(P=p, T=condition.temperature_c + KELVIN), "superheated"
    water = IAPWS97(T=condition.feed_water_c + KELVIN, x=0)
    return SteamEnthalpy(condition, t_sat, float(steam.h), float(water.h), state)


def _check(c: SteamCondition) -> None:
    errors = []
    # Above the critical pressure there is no saturated vapour; at or below 0 there is no steam.
    if not 0 < c.absolute_mpa < 22.064:
        errors.append(
            FieldError(
                "steam_pressure_mpa",
                gettext(
                    "The absolute pressure must be between 0 and 22.064 MPa (the critical "
                    "pressure)."
                ),
            )
        )
    if c.temperature_c is not None and not 0 < c.temperature_c <= MAX_TEMPERATURE_C:
        errors.append(FieldError("steam_temperature_c", gettext("Must be between 0 and 800 °C.")))
    if not 0.01 <= c.feed_water_c < 100:
        errors.append(
            FieldError(
                "steam_feed_water_c",
                gettext("Must be between 0.01 and 100 °C."),
            )
        )
    if errors:
        raise ValidationFailed(errors)


def condition_of(point) -> SteamCondition | None:
    """A metering point's configured condition (None: no pressure configured)."""
    if point.steam_pressure_mpa is None:
        return None
    return SteamCondition(
        pressure_mpa=point.steam_pressure_mpa,
        absolute=point.steam_pressure_absolute,
        temperature_c=point.steam_temperature_c,
        feed_water_c=(
            DEFAULT_FEED_WATER_C if point.steam_feed_water_c is None else point.steam_feed_water_c
        ),
    )


def derive_enthalpy(point) -> None:
    """Set a steam point's stored enthalpy from its condition (kept as a column so the
    accounting SQL multiplies by it directly). A point without a condition keeps the enthalpy
    entered by hand; a condition on a point that is not steam is refused."""
    condition = condition_of(point)
    if condition is None:
        return
    if point.kind != "steam":
        raise ValidationFailed.single(
            "steam_pressure_mpa", gettext("Only steam points have a steam condition.")
        )
    point.enthalpy_gj_per_t = round(enthalpy(condition).net_gj_per_t, 6)
