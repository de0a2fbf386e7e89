import pytest
from carbon_helpers import load_factors

from parkpilot.energy.models import MeteringPoint, RegisterType
from parkpilot.energy.registry import registry


@pytest.fixture(autouse=True)
def _fresh_registry():
    registry.invalidate()
    yield
    registry.invalidate()


@pytest.fixture
def make_point(park, personas):
    def make(code, *, owner=None, kind="grid_import", unit="kWh", zone=None, parent=None,
             enthalpy=None, rated=100000.0):  # fmt: skip
        point = MeteringPoint.objects.create(
            park=park, code=code, owner=owner, zone=zone, kind=kind, unit=unit,
            register=RegisterType.CUMULATIVE, rated_max_per_h=rated, interval_s=900,
            gateway=personas["gateway"], parent=parent, enthalpy_gj_per_t=enthalpy,
        )  # fmt: skip
        registry.invalidate()
        return point

    return make


@pytest.fixture
def factors(park):
    return load_factors(park)
