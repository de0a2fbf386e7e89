"""Carbon accounting: metered energy of one entity (an enterprise, or the park's public loads)
and one period → energy in physical units and tce, CO2 by scope and source.

The rules (docs/carbon.md has the reasoning):
  electricity used on site   U = grid import + EV charging + street lighting + PV − export
                             (EV and street-light meters that are not under a grid meter are
                             supplies of their own; storage charge/discharge are internal
                             flows, shown but not added, so stored energy is not counted twice;
                             their round-trip loss, charge − discharge, is its own line)
  An enterprise's own PV is in its own U and Z, so it counts against its own grid purchase.
  PV consumed on site        Z = min(U, max(0, PV − export))   → zero carbon
  grid electricity (scope 2) P = U − Z                         (never negative)
  natural gas (scope 1)      m³ × factor;   steam (scope 2, as heat) t × enthalpy → GJ × factor
  energy in tce              U × electricity coefficient + gas m³ × … + heat GJ × …
An entity's figures are additive: a zone or the park is the sum of its entities' accounts, so
the park's total always equals its enterprises plus its public loads."""

from dataclasses import dataclass, field
from typing import NamedTuple

from django.utils.translation import gettext

from parkpilot.carbon.errors import ErrorCode
from parkpilot.carbon.factors import FactorSet
from parkpilot.carbon.models import Carrier
from parkpilot.energy.kinds import EnergyKind
from parkpilot.tenancy.errors import ValidationFailed

K = EnergyKind


@dataclass
class Flows:
    """Metered quantities of one entity in one period, canonical units."""

    energy: dict[str, float] = field(default_factory=dict)
    steam_gj: float = 0.0
    readings: int = 0
    flagged: dict[str, float] = field(default_factory=dict)  # by kind: units never mixed


SOURCE_LABELS = {
    "grid_electricity": ("外购电力", "Purchased electricity", 2),
    "natural_gas": ("天然气", "Natural gas", 1),
    "steam": ("外购热力（蒸汽）", "Purchased heat (steam)", 2),
}


# Plain-str keys: accounting runs for every entity of the park, and enum members cost a Python
# call each time they are hashed or formatted.
GRID_IMPORT, GRID_EXPORT, PV = K.GRID_IMPORT.value, K.GRID_EXPORT.value, K.PV_GENERATION.value
EV, LIGHTS, CHARGE, DISCHARGE = (
    K.EV_CHARGING.value, K.STREET_LIGHTING.value, K.STORAGE_CHARGE.value, K.STORAGE_DISCHARGE.value
)  # fmt: skip
GAS, STEAM = K.NATURAL_GAS.value, K.STEAM.value
ELECTRICITY, NATURAL_GAS, HEAT = (
    Carrier.ELECTRICITY.value,
    Carrier.NATURAL_GAS.value,
    Carrier.HEAT.value,
)
SCOPE = {key: label[2] for key, label in SOURCE_LABELS.items()}


CARRIERS = (ELECTRICITY, NATURAL_GAS, HEAT)
# carrier -> (source key, unit of its quantity, scope)
SOURCES = {
    ELECTRICITY: ("grid_electricity", "kWh", SCOPE["grid_electricity"]),
    NATURAL_GAS: ("natural_gas", "m3", SCOPE["natural_gas"]),
    HEAT: ("steam", "GJ", SCOPE["steam"]),
}
ELECTRICITY_SCOPE, GAS_SCOPE, HEAT_SCOPE = (SOURCES[c][2] for c in CARRIERS)


class Account(NamedTuple):
    """One entity's account (or a sum of them): every figure computed, in canonical units, t
    and tce. Live reads compute one per entity of the park and pages read the few figures they
    show; figures() is the JSON-ready dict CarbonAccount.figures stores and reports read."""

    energy: dict[str, float]  # metered, by kind, sorted, no zeros
    used_kwh: float
    pv_self_kwh: float
    grid_kwh: float
    gas_m3: float
    heat_gj: float
    tce_by_carrier: tuple[float, float, float]  # in CARRIERS order
    co2_by_carrier: tuple[float, float, float]
    tce: float
    scope1_co2_t: float
    scope2_co2_t: float
    co2_t: float
    readings: int
    flagged_energy: dict[str, float]  # by kind, canonical units (kWh, m³, t never added)
    carriers: tuple[str, ...]  # the carriers it used, in CARRIERS order
    factor_set: FactorSet

    def figures(self) -> dict:
        """The stored form (CarbonAccount.figures): sources with their factors, and the
        factor versions used, so a published account can be reproduced exactly."""
        get = self.energy.get
        factors = self.factor_set
        quantities = {ELECTRICITY: self.grid_kwh, NATURAL_GAS: self.gas_m3, HEAT: self.heat_gj}
        tce_by_carrier, sources = {}, {}
        for carrier in self.carriers:
            i = CARRIERS.index(carrier)
            key, unit, scope = SOURCES[carrier]
            tce_by_carrier[carrier] = self.tce_by_carrier[i]
            sources[key] = {
                "quantity": quantities[carrier],
                "unit": unit,
                "co2_t": self.co2_by_carrier[i],
                "scope": scope,
                "factor": factors.priced(carrier).co2.as_dict,
            }
        if HEAT in self.carriers:
            sources["steam"]["mass_t"] = get(STEAM, 0.0)
        return {
            "energy": dict(self.energy),
            "electricity": {
                "used_kwh": self.used_kwh,
                "pv_generation_kwh": get(PV, 0.0),
                "export_kwh": get(GRID_EXPORT, 0.0),
                "pv_self_consumed_kwh": self.pv_self_kwh,
                "grid_kwh": self.grid_kwh,
                "storage_charge_kwh": get(CHARGE, 0.0),
                "storage_discharge_kwh": get(DISCHARGE, 0.0),
                # Round-trip losses, reported as their own line: the charge came through a
                # metered supply already, so they are inside the electricity used, not added.
                "storage_loss_kwh": max(0.0, get(CHARGE, 0.0) - get(DISCHARGE, 0.0)),
                "public_loads_kwh": get(EV, 0.0) + get(LIGHTS, 0.0),
            },
            "heat_gj": self.heat_gj,
            "tce_by_carrier": tce_by_carrier,
            "tce": self.tce,
            "sources": sources,
            "scope1_co2_t": self.scope1_co2_t,
            "scope2_co2_t": self.scope2_co2_t,
            "co2_t": self.co2_t,
            "readings": self.readings,
            "flagged_energy": dict(self.flagged_energy),
            "factors": factors.used_by(self.carriers),
        }


def account_of(flows: Flows, factors: FactorSet) -> Account:
    """One entity's account from its metered flows, in any order, zeros allowed."""
    energy = {k: flows.energy[k] for k in sorted(flows.energy) if flows.energy[k]}
    return account(energy, flows.steam_gj, flows.readings, flows.flagged, factors)


def from_totals(row, factors: FactorSet) -> Account:
    """One entity's account from its row of energy.selectors_carbon.accounting_rows, whose
    energy by kind is already sorted and holds no zeros."""
    if row.steam_without_enthalpy:
        raise ValidationFailed.single(
            "enthalpy_gj_per_t",
            gettext("A steam point has no enthalpy configured."),
            ErrorCode.ENTHALPY_MISSING,
        )
    return account(row.energy, row.steam_gj, row.readings, row.flagged, factors)


def account(
    energy: dict[str, float],
    heat_gj: float,
    readings: int,
    flagged: dict[str, float],
    factors: FactorSet,
) -> Account:
    """The rules above for one entity; `energy` (by kind, sorted, no zeros) is kept as given.
    It runs for every entity of the park on every live read: plain floats, one tuple, each
    factor resolved once per FactorSet (a carrier's factor only when the entity uses it)."""
    get = energy.get
    imp, exp, pv = get(GRID_IMPORT, 0.0), get(GRID_EXPORT, 0.0), get(PV, 0.0)
    public_loads = get(EV, 0.0) + get(LIGHTS, 0.0)
    used = max(0.0, imp + public_loads + pv - exp)
    pv_self = min(used, max(0.0, pv - exp))
    grid = used - pv_self
    gas = get(GAS, 0.0)

    carriers: tuple[str, ...] = ()
    tce_e = tce_g = tce_h = co2_e = co2_g = co2_h = 0.0
    if imp or public_loads or pv or used:
        co2, tce = factors.pair(ELECTRICITY)
        tce_e, co2_e, carriers = used * tce.per_unit, grid * co2.per_unit, (ELECTRICITY,)
    if gas:
        co2, tce = factors.pair(NATURAL_GAS)
        tce_g, co2_g, carriers = gas * tce.per_unit, gas * co2.per_unit, (*carriers, NATURAL_GAS)
    if heat_gj:
        co2, tce = factors.pair(HEAT)
        tce_h, co2_h, carriers = heat_gj * tce.per_unit, heat_gj * co2.per_unit, (*carriers, HEAT)
    by_scope = [0.0, 0.0, 0.0]  # by scope number
    by_scope[ELECTRICITY_SCOPE] += co2_e
    by_scope[GAS_SCOPE] += co2_g
    by_scope[HEAT_SCOPE] += co2_h
    scope1, scope2 = by_scope[1], by_scope[2]
    return Account(
        energy, used, pv_self, grid, gas, heat_gj, (tce_e, tce_g, tce_h), (co2_e, co2_g, co2_h),
        tce_e + tce_g + tce_h, scope1, scope2, scope1 + scope2, readings, flagged, carriers,
        factors,
    )  # fmt: skip


_SUMMED = ("used_kwh", "pv_self_kwh", "grid_kwh", "gas_m3", "heat_gj", "tce", "scope1_co2_t",
           "scope2_co2_t", "co2_t", "readings")  # fmt: skip


def total(accounts: list[Account], factors: FactorSet) -> Account:
    """The sum of several entities' accounts (a zone, the park): every figure adds up, so the
    park is exactly its enterprises plus its public loads. Carriers: the union used."""
    if not accounts:
        return account({}, 0.0, 0, {}, factors)
    columns = dict(zip(Account._fields, zip(*accounts, strict=True), strict=True))
    energy, flagged = _by_kind(columns["energy"]), _by_kind(columns["flagged_energy"])
    sums = {name: sum(columns[name]) for name in _SUMMED}
    used = set().union(*columns["carriers"])
    return Account(
        **sums | {"readings": int(sums["readings"])},
        energy=energy,
        flagged_energy=flagged,
        tce_by_carrier=_per_carrier(columns["tce_by_carrier"]),
        co2_by_carrier=_per_carrier(columns["co2_by_carrier"]),
        carriers=tuple(c for c in CARRIERS if c in used),
        factor_set=factors,
    )


def _by_kind(parts: tuple[dict[str, float], ...]) -> dict[str, float]:
    out: dict[str, float] = {}
    for part in parts:
        for kind, value in part.items():
            out[kind] = out.get(kind, 0.0) + value
    return dict(sorted(out.items()))


def _per_carrier(values: tuple[tuple[float, float, float], ...]) -> tuple[float, float, float]:
    return tuple(sum(column) for column in zip(*values, strict=True))


def factor_ids(account: dict) -> list[int]:
    return sorted({f["id"] for f in account["factors"].values()})
