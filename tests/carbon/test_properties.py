"""Properties from the issue: emissions scale linearly with energy; deducting PV never yields
negative grid emissions; the park total is the sum of enterprises and public loads."""

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from parkpilot.carbon import accounting
from parkpilot.carbon.factors import FactorSet
from parkpilot.carbon.models import EmissionFactor
from parkpilot.tenancy.models import Park

PARK = Park(code="p", name="p", region_code="330112")
ROWS = [
    EmissionFactor(pk=i, carrier=c, quantity=q, region="national", year=2022, value=Decimal(v),
                   unit=u, document="doc", effective_from=date(2022, 1, 1), version=1)
    for i, (c, q, v, u) in enumerate([
        ("electricity", "co2", "0.5366", "kgCO2/kWh"), ("electricity", "tce", "0.1229", "kgce/kWh"),
        ("natural_gas", "co2", "21.62", "tCO2/10^4Nm3"),
        ("natural_gas", "tce", "1.2143", "kgce/m3"),
        ("heat", "co2", "0.11", "tCO2/GJ"), ("heat", "tce", "0.03412", "kgce/MJ"),
    ], start=1)
]  # fmt: skip
FACTORS = FactorSet(park=PARK, year=2022, rows=ROWS)
amount = st.floats(min_value=0, max_value=1e7, allow_nan=False, allow_infinity=False)
KINDS = ("grid_import", "grid_export", "pv_generation", "storage_charge", "storage_discharge",
         "ev_charging", "street_lighting", "natural_gas", "steam")  # fmt: skip
flows_st = st.fixed_dictionaries({k: amount for k in KINDS})


def flows(values: dict, scale: float = 1.0) -> accounting.Flows:
    energy = {kind: v * scale for kind, v in values.items()}
    return accounting.Flows(energy, steam_gj=energy["steam"] * 2.76, readings=len(values))


def close(a, b):
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


@given(flows_st, st.floats(min_value=0, max_value=1000, allow_nan=False))
def test_emissions_scale_linearly_with_energy(values, c):
    base = accounting.account_of(flows(values), FACTORS).figures()
    scaled = accounting.account_of(flows(values, c), FACTORS).figures()
    assert close(scaled["co2_t"], c * base["co2_t"])
    assert close(scaled["tce"], c * base["tce"])


@given(flows_st)
def test_pv_deduction_never_makes_grid_emissions_negative(values):
    a = accounting.account_of(flows(values), FACTORS).figures()
    e = a["electricity"]
    assert e["grid_kwh"] >= 0 and e["pv_self_consumed_kwh"] >= 0
    assert e["pv_self_consumed_kwh"] <= e["used_kwh"]
    assert e["pv_self_consumed_kwh"] <= e["pv_generation_kwh"]
    assert a["sources"].get("grid_electricity", {"co2_t": 0})["co2_t"] >= 0
    assert a["co2_t"] >= 0


@given(st.lists(flows_st, min_size=1, max_size=6), st.lists(flows_st, max_size=3))
def test_park_total_is_enterprises_plus_public_loads(ents, public):
    parts = [accounting.account_of(flows(v), FACTORS) for v in ents + public]
    park = accounting.total(parts, FACTORS)
    assert close(park.co2_t, sum(a.co2_t for a in parts))
    assert close(park.tce, sum(a.tce for a in parts))
    assert close(park.scope1_co2_t + park.scope2_co2_t, park.co2_t)
    figures, each = park.figures(), [a.figures() for a in parts]
    assert close(
        figures["co2_t"], sum(sum(s["co2_t"] for s in f["sources"].values()) for f in each)
    )
    assert close(figures["tce"], sum(figures["tce_by_carrier"].values()))
    for key in ("used_kwh", "pv_self_consumed_kwh", "grid_kwh", "public_loads_kwh"):
        assert close(figures["electricity"][key], sum(f["electricity"][key] for f in each))
