"""Steam mass → heat from each meter's condition (IAPWS-IF97 through the `iapws` library).

Hand numbers from the IAPWS-IF97 steam tables (e.g. Wagner & Kretzschmar, International Steam
Tables, 2nd ed., saturation table by pressure and the superheated table):
  saturated vapour at 1.0 MPa absolute           h'' = 2777.1 kJ/kg, t_sat = 179.9 °C
  saturated vapour at 1.101325 MPa absolute      h'' = 2780.7 kJ/kg, t_sat = 184.1 °C
      (1.0 MPa gauge + 0.101325 MPa atmosphere)
  superheated vapour at 1.0 MPa absolute, 250 °C h   = 2943.2 kJ/kg
  saturated liquid at 20 °C (feed water)         h'  =   83.9 kJ/kg
Net enthalpy = h(steam) − h'(feed water); kJ/kg = MJ/t, so ÷ 1000 gives GJ/t.
Heat CO2 0.11 tCO2/GJ: 《工业其他行业企业温室气体排放核算方法与报告指南（试行）》 default."""

from datetime import date

import pytest
from carbon_helpers import feed, ramp

from parkpilot.carbon import selectors
from parkpilot.carbon.periods import period
from parkpilot.energy.models import MeteringPoint, RegisterType
from parkpilot.energy.steam import SteamCondition, enthalpy
from parkpilot.tenancy.errors import ValidationFailed


def test_saturated_vapour_at_1_mpa_gauge_minus_20_c_feed_water():
    e = enthalpy(SteamCondition(pressure_mpa=1.0))  # gauge by default
    assert e.condition.absolute_mpa == pytest.approx(1.101325)
    assert e.state == "saturated"
    assert e.saturation_c == pytest.approx(184.1, abs=0.05)
    assert e.steam_kj_per_kg == pytest.approx(2780.7, abs=0.05)
    assert e.feed_water_kj_per_kg == pytest.approx(83.9, abs=0.05)
    # 2780.7 − 83.9 = 2696.8 kJ/kg = 2.6968 GJ/t
    assert e.net_gj_per_t == pytest.approx(2.6968, abs=1e-4)


def test_absolute_pressure_is_taken_as_given():
    e = enthalpy(SteamCondition(pressure_mpa=1.0, absolute=True))
    assert e.saturation_c == pytest.approx(179.9, abs=0.05)
    # 2777.1 − 83.9 = 2693.2 kJ/kg: the 2.693 GJ/t, not the old fixed 2.76.
    assert e.net_gj_per_t == pytest.approx(2.6932, abs=1e-4)


def test_superheated_when_a_temperature_above_saturation_is_configured():
    e = enthalpy(SteamCondition(pressure_mpa=1.0, absolute=True, temperature_c=250.0))
    assert e.state == "superheated"
    # 2943.2 − 83.9 = 2859.3 kJ/kg
    assert e.net_gj_per_t == pytest.approx(2.8593, abs=1e-4)


def test_feed_water_temperature_is_configurable():
    # Saturated liquid at 60 °C: h' = 251.2 kJ/kg → 2777.1 − 251.2 = 2525.9 kJ/kg
    e = enthalpy(SteamCondition(pressure_mpa=1.0, absolute=True, feed_water_c=60.0))
    assert e.net_gj_per_t == pytest.approx(2.5259, abs=1e-4)


@pytest.mark.parametrize(
    ("condition", "field"),
    [
        (SteamCondition(pressure_mpa=1.0, temperature_c=150.0), "steam_temperature_c"),
        (SteamCondition(pressure_mpa=-0.2), "steam_pressure_mpa"),
        (SteamCondition(pressure_mpa=30.0, absolute=True), "steam_pressure_mpa"),
        (SteamCondition(pressure_mpa=1.0, feed_water_c=120.0), "steam_feed_water_c"),
    ],
)
def test_a_condition_that_cannot_be_metered_is_refused_naming_the_field(condition, field):
    with pytest.raises(ValidationFailed) as exc:
        enthalpy(condition)
    assert [e.field for e in exc.value.errors] == [field]


def _steam_point(park, owner, code="A-STM", **condition):
    return MeteringPoint.objects.create(
        park=park, code=code, owner=owner, kind="steam", unit="t",
        register=RegisterType.CUMULATIVE, rated_max_per_h=1000, interval_s=900, **condition,
    )  # fmt: skip


@pytest.mark.django_db
def test_a_steam_point_stores_the_enthalpy_of_its_condition(park, ent_a):
    point = _steam_point(park, ent_a, steam_pressure_mpa=1.0)
    assert point.enthalpy_gj_per_t == pytest.approx(2.6968, abs=1e-4)
    point.steam_pressure_absolute = True
    point.save(update_fields=["steam_pressure_absolute"])
    point.refresh_from_db()
    assert point.enthalpy_gj_per_t == pytest.approx(2.6932, abs=1e-4)


@pytest.mark.django_db
def test_a_condition_on_a_point_that_is_not_steam_is_refused(park, ent_a):
    with pytest.raises(ValidationFailed) as exc:
        MeteringPoint.objects.create(
            park=park, code="A-E", owner=ent_a, kind="grid_import", unit="kWh",
            register=RegisterType.CUMULATIVE, rated_max_per_h=10, steam_pressure_mpa=1.0,
        )  # fmt: skip
    assert exc.value.errors[0].field == "steam_pressure_mpa"
    assert not MeteringPoint.objects.filter(code="A-E").exists()


@pytest.mark.django_db
def test_accounting_turns_steam_mass_into_heat_by_the_condition(park, ent_a, personas, factors):
    _steam_point(park, ent_a, steam_pressure_mpa=1.0, steam_pressure_absolute=True)
    feed(park, {"A-STM": ramp(10)})
    per = period("1mo", date(2022, 3, 1), park.timezone)
    acc = selectors.live_accounts(user=selectors.system_reader(park), park=park, per=per)
    a = acc.enterprise(ent_a.pk).figures()
    # 10 t × 2.6932 GJ/t = 26.932 GJ; × 0.11 tCO2/GJ = 2.96252 t (was 27.6 GJ, 3.036 t at 2.76)
    assert a["heat_gj"] == pytest.approx(26.932, abs=1e-6)
    assert a["sources"]["steam"]["co2_t"] == pytest.approx(2.96252, abs=1e-6)


@pytest.mark.django_db
def test_the_api_takes_a_condition_and_refuses_a_bad_one(api_as, ent_a):
    body = {"code": "A-STM", "kind": "steam", "unit": "t", "register_type": "cumulative",
            "rated_max_per_h": 50, "owner_id": ent_a.pk, "steam_pressure_mpa": 1.0,
            "steam_temperature_c": 250.0}  # fmt: skip
    bad = api_as("park_staff").post("/api/v1/energy/points", {**body, "steam_temperature_c": 90})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"][-1] == "steam_temperature_c"
    assert not MeteringPoint.objects.filter(code="A-STM").exists()
    created = api_as("park_staff").post("/api/v1/energy/points", body)
    assert created.status_code == 201, created.json()
    # 1.101325 MPa absolute, 250 °C (superheated; t_sat 184.1 °C): between the table's 1.0 MPa
    # (2943.2) and 1.2 MPa (2935.6 kJ/kg) rows, h ≈ 2939.4 kJ/kg; − 83.9 = 2855.5 kJ/kg
    assert created.json()["enthalpy_gj_per_t"] == pytest.approx(2.8555, abs=2e-4)
    assert created.json()["steam_pressure_absolute"] is False
