"""Carbon accounting: metered energy of one entity (an enterprise, or the park's public loads)
and one period → energy in physical units and tce, CO2 by scope and source.

The rules (docs/carbon.md has the reasoning):
  electricity used on site   U = grid import + EV charging + street lighting + PV − export
                             (EV and street-light meters that are not under a grid meter are
                             supplies of their own; storage charge/discharge are internal
                             flows, shown but not added, so stored energy is not counted twice)
  PV consumed on site        Z = min(U, max(0, PV − export))   → zero carbon
  grid electricity (scope 2) P = U − Z                         (never negative)
  natural gas (scope 1)      m³ × factor;   steam (scope 2, as heat) t × enthalpy → GJ × factor
  energy in tce              U × electricity coefficient + gas m³ × … + heat GJ × …
An entity's figures are additive: a zone or the park is the sum of its entities' accounts, so
the park's total always equals its enterprises plus its public loads."""

from collections import defaultdict
from dataclasses import dataclass, field

from parkpilot.carbon.factors import FactorSet
from parkpilot.carbon.models import Carrier, Quantity
from parkpilot.energy.kinds import EnergyKind
from parkpilot.tenancy.errors import ValidationFailed

K = EnergyKind


@dataclass
class Flows:
    """Metered quantities of one entity in one period, canonical units."""

    energy: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    steam_gj: float = 0.0
    readings: int = 0
    flagged: float = 0.0

    def add_row(self, row: dict) -> None:
        kind, energy = row["kind"], float(row["energy"] or 0.0)
        self.energy[kind] += energy
        self.readings += int(row["readings"] or 0)
        self.flagged += float(row["flagged"] or 0.0)
        if kind == K.STEAM:
            if row.get("enthalpy") is None:
                raise ValidationFailed.single(
                    "enthalpy_gj_per_t",
                    "蒸汽计量点未配置焓值 / a steam point has no enthalpy configured",
                )
            self.steam_gj += energy * float(row["enthalpy"])

    def merge(self, other: "Flows") -> None:
        for k, v in other.energy.items():
            self.energy[k] += v
        self.steam_gj += other.steam_gj
        self.readings += other.readings
        self.flagged += other.flagged


SOURCE_LABELS = {
    "grid_electricity": ("外购电力", "Purchased electricity", 2),
    "natural_gas": ("天然气", "Natural gas", 1),
    "steam": ("外购热力（蒸汽）", "Purchased heat (steam)", 2),
}


def compute(flows: Flows, factors: FactorSet) -> dict:
    """One entity's account as a JSON-ready dict (what CarbonAccount.figures stores)."""
    e = flows.energy
    imp, exp, pv = e.get(K.GRID_IMPORT, 0.0), e.get(K.GRID_EXPORT, 0.0), e.get(K.PV_GENERATION, 0.0)
    public_loads = e.get(K.EV_CHARGING, 0.0) + e.get(K.STREET_LIGHTING, 0.0)
    used = max(0.0, imp + public_loads + pv - exp)
    pv_self = min(used, max(0.0, pv - exp))
    grid = used - pv_self
    gas = e.get(K.NATURAL_GAS, 0.0)
    heat_gj = flows.steam_gj

    used_factors: dict[str, dict] = {}

    def factor(carrier, quantity):
        f = factors.get(carrier, quantity)
        used_factors[f"{carrier}.{quantity}"] = f.as_dict()
        return f.per_unit

    electric_present = any(
        e.get(k, 0.0) for k in (K.GRID_IMPORT, K.EV_CHARGING, K.STREET_LIGHTING, K.PV_GENERATION)
    )
    sources: dict[str, dict] = {}
    tce_by_carrier: dict[str, float] = {}
    if electric_present or used:
        co2 = grid * factor(Carrier.ELECTRICITY, Quantity.CO2)
        tce_by_carrier["electricity"] = used * factor(Carrier.ELECTRICITY, Quantity.TCE)
        sources["grid_electricity"] = {"quantity": grid, "unit": "kWh", "co2_t": co2}
    if gas:
        sources["natural_gas"] = {
            "quantity": gas,
            "unit": "m3",
            "co2_t": gas * factor(Carrier.NATURAL_GAS, Quantity.CO2),
        }
        tce_by_carrier["natural_gas"] = gas * factor(Carrier.NATURAL_GAS, Quantity.TCE)
    if heat_gj:
        sources["steam"] = {
            "quantity": heat_gj,
            "unit": "GJ",
            "mass_t": e.get(K.STEAM, 0.0),
            "co2_t": heat_gj * factor(Carrier.HEAT, Quantity.CO2),
        }
        tce_by_carrier["heat"] = heat_gj * factor(Carrier.HEAT, Quantity.TCE)
    for key, s in sources.items():
        s["scope"] = SOURCE_LABELS[key][2]
        s["factor"] = used_factors.get(
            {"grid_electricity": "electricity.co2", "natural_gas": "natural_gas.co2"}.get(
                key, "heat.co2"
            )
        )
    scope1 = sum(s["co2_t"] for s in sources.values() if s["scope"] == 1)
    scope2 = sum(s["co2_t"] for s in sources.values() if s["scope"] == 2)
    return {
        "energy": {k: v for k, v in sorted(e.items()) if v},
        "electricity": {
            "used_kwh": used,
            "pv_generation_kwh": pv,
            "export_kwh": exp,
            "pv_self_consumed_kwh": pv_self,
            "grid_kwh": grid,
            "storage_charge_kwh": e.get(K.STORAGE_CHARGE, 0.0),
            "storage_discharge_kwh": e.get(K.STORAGE_DISCHARGE, 0.0),
            "public_loads_kwh": public_loads,
        },
        "heat_gj": heat_gj,
        "tce_by_carrier": tce_by_carrier,
        "tce": sum(tce_by_carrier.values()),
        "sources": sources,
        "scope1_co2_t": scope1,
        "scope2_co2_t": scope2,
        "co2_t": scope1 + scope2,
        "readings": flows.readings,
        "flagged_energy": flows.flagged,
        "factors": used_factors,
    }


ADDITIVE = ("tce", "scope1_co2_t", "scope2_co2_t", "co2_t", "heat_gj", "readings")
ADDITIVE += ("flagged_energy",)


def combine(accounts: list[dict]) -> dict:
    """The sum of several entities' accounts (a zone, the park). Factors: the union used."""
    out: dict = {k: 0.0 for k in ADDITIVE}
    out.update(energy={}, electricity={}, tce_by_carrier={}, sources={}, factors={})
    for a in accounts:
        for k in ADDITIVE:
            out[k] += a[k]
        for group in ("energy", "electricity", "tce_by_carrier"):
            for k, v in a[group].items():
                out[group][k] = out[group].get(k, 0.0) + v
        for k, s in a["sources"].items():
            zero = {"quantity": 0.0, "co2_t": 0.0} | ({"mass_t": 0.0} if "mass_t" in s else {})
            t = out["sources"].setdefault(k, {**s, **zero})
            for q in zero:
                t[q] += s[q]
        out["factors"].update(a["factors"])
    out["readings"] = int(out["readings"])
    return out


def factor_ids(account: dict) -> list[int]:
    return sorted({f["id"] for f in account["factors"].values()})
