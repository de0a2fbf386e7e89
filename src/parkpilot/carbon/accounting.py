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

from dataclasses import dataclass, field

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
    flagged: float = 0.0


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
ELECTRICITY_SCOPE, GAS_SCOPE, HEAT_SCOPE = (
    SCOPE["grid_electricity"], SCOPE["natural_gas"], SCOPE["steam"]
)  # fmt: skip


def compute(flows: Flows, factors: FactorSet) -> dict:
    """One entity's account as a JSON-ready dict (what CarbonAccount.figures stores)."""
    energy = {k: flows.energy[k] for k in sorted(flows.energy) if flows.energy[k]}
    return account(energy, flows.steam_gj, flows.readings, flows.flagged, factors)


def from_totals(row, factors: FactorSet) -> dict:
    """One entity's account from its row of energy.selectors_carbon.accounting_rows, whose
    energy by kind is already sorted and holds no zeros."""
    if row.steam_without_enthalpy:
        raise ValidationFailed.single(
            "enthalpy_gj_per_t",
            "蒸汽计量点未配置焓值 / a steam point has no enthalpy configured",
        )
    return account(row.energy, row.steam_gj, row.readings, row.flagged, factors)


def account(
    energy: dict[str, float], heat_gj: float, readings: int, flagged: float, factors: FactorSet
) -> dict:
    """The rules above for one entity. `energy` (by kind, sorted, no zeros) is stored as given.
    It runs for every entity of the park on every live read: plain floats and dict literals,
    each factor resolved once per FactorSet."""
    get = energy.get
    imp, exp, pv = get(GRID_IMPORT, 0.0), get(GRID_EXPORT, 0.0), get(PV, 0.0)
    public_loads = get(EV, 0.0) + get(LIGHTS, 0.0)
    used = max(0.0, imp + public_loads + pv - exp)
    pv_self = min(used, max(0.0, pv - exp))
    grid = used - pv_self
    gas = get(GAS, 0.0)

    sources: dict[str, dict] = {}
    tce_by_carrier: dict[str, float] = {}
    co2_by_scope = [0.0, 0.0, 0.0]  # by scope number
    if imp or public_loads or pv or used:
        priced = factors.priced(ELECTRICITY)
        tce_by_carrier[ELECTRICITY] = used * priced.tce.per_unit
        sources["grid_electricity"] = _source(priced, grid, "kWh", ELECTRICITY_SCOPE, co2_by_scope)
    if gas:
        priced = factors.priced(NATURAL_GAS)
        tce_by_carrier[NATURAL_GAS] = gas * priced.tce.per_unit
        sources["natural_gas"] = _source(priced, gas, "m3", GAS_SCOPE, co2_by_scope)
    if heat_gj:
        priced = factors.priced(HEAT)
        tce_by_carrier[HEAT] = heat_gj * priced.tce.per_unit
        steam = sources["steam"] = _source(priced, heat_gj, "GJ", HEAT_SCOPE, co2_by_scope)
        steam["mass_t"] = get(STEAM, 0.0)
    scope1, scope2 = co2_by_scope[1], co2_by_scope[2]
    return {
        "energy": energy,
        "electricity": {
            "used_kwh": used,
            "pv_generation_kwh": pv,
            "export_kwh": exp,
            "pv_self_consumed_kwh": pv_self,
            "grid_kwh": grid,
            "storage_charge_kwh": get(CHARGE, 0.0),
            "storage_discharge_kwh": get(DISCHARGE, 0.0),
            "public_loads_kwh": public_loads,
        },
        "heat_gj": heat_gj,
        "tce_by_carrier": tce_by_carrier,
        "tce": sum(tce_by_carrier.values()),
        "sources": sources,
        "scope1_co2_t": scope1,
        "scope2_co2_t": scope2,
        "co2_t": scope1 + scope2,
        "readings": readings,
        "flagged_energy": flagged,
        # Read-only, shared by every account that used the same carriers.
        "factors": factors.used_by(tuple(tce_by_carrier)),
    }


def _source(priced, quantity: float, unit: str, scope: int, co2_by_scope: list[float]) -> dict:
    co2 = quantity * priced.co2.per_unit
    co2_by_scope[scope] += co2
    return {
        "quantity": quantity,
        "unit": unit,
        "co2_t": co2,
        "scope": scope,
        "factor": priced.co2.as_dict,
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
