"""The report's section on its basis: both scope 2 figures (location- and market-based, GHG
Protocol dual reporting) with the green power deducted, every factor with its id, version and
document (carried-forward and demo ones marked), the steam condition and enthalpy, own PV and
storage losses, and the months and demo marks behind the intensities. build_content calls
`section`; templates/carbon/_report_scope2.html renders it."""

from types import SimpleNamespace

from parkpilot.carbon import selectors, selectors_green
from parkpilot.carbon.periods import Period
from parkpilot.energy import selectors_carbon as energy
from parkpilot.energy import steam

CARRIER_NAMES = {"electricity": "电力", "natural_gas": "天然气", "heat": "热力（蒸汽）"}
QUANTITY_NAMES = {"co2": "排放因子", "tce": "折标系数"}
REGION_NAMES = {"national": "全国", "east_china": "华东区域电网", "zhejiang": "浙江省"}


def section(*, enterprise, per: Period, account: dict, intensities: dict, grade) -> dict:
    park = enterprise.park
    system = selectors.system_reader(park)
    return {
        "scope2": selectors_green.scope2_of(
            park=park, enterprise_id=enterprise.pk, per=per, figures=account
        ),
        "factors": [_factor(key, f) for key, f in sorted(account["factors"].items())],
        "steam": [
            _steam(p)
            for p in energy.steam_points(user=system, park_id=park.pk, owner_id=enterprise.pk)
        ],
        "electricity": _electricity(account["electricity"]),
        "basis": {
            "months": intensities.get("basis_months", []),
            "months_without_value_added": intensities.get("months_without_value_added", []),
            "value_added_demo": intensities.get("value_added_demo", False),
            "settings_demo": bool((grade or {}).get("settings_demo")),
            "industry_average_demo": bool((grade or {}).get("industry_average_demo")),
        },
    }


def _factor(key: str, f: dict) -> dict:
    return {
        "key": key,
        "id": f["id"],
        "version": f["version"],
        "name": f"{CARRIER_NAMES.get(f['carrier'], f['carrier'])}"
        f"{QUANTITY_NAMES.get(f['quantity'], f['quantity'])}",
        "region": REGION_NAMES.get(f["region"], f["region"]),
        "year": f["year"],
        "applied_year": f.get("applied_year", f["year"]),
        "carried_forward": bool(f.get("carried_forward")),
        "is_demo": bool(f.get("is_demo")),
        "value": f["value"],
        "unit": f["unit"],
        "document": f["document"],
    }


def _steam(point: dict) -> dict:
    condition = steam.condition_of(SimpleNamespace(**point))
    out = {"code": point["code"], "name": point["name"],
           "enthalpy_gj_per_t": point["enthalpy_gj_per_t"], "condition": None}  # fmt: skip
    if condition is not None:
        out["condition"] = steam.enthalpy(condition).as_dict()
    return out


def _electricity(e: dict) -> dict:
    charge, discharge = e.get("storage_charge_kwh", 0.0), e.get("storage_discharge_kwh", 0.0)
    return {
        "pv_generation_kwh": e.get("pv_generation_kwh", 0.0),
        "pv_self_consumed_kwh": e.get("pv_self_consumed_kwh", 0.0),
        "storage_charge_kwh": charge,
        "storage_discharge_kwh": discharge,
        "storage_loss_kwh": e.get("storage_loss_kwh", max(0.0, charge - discharge)),
        "storage_round_trip": discharge / charge if charge else None,
    }
