import pytest

from parkpilot.energy.models import MeteringPoint, RegisterType
from parkpilot.energy.registry import registry


@pytest.fixture(autouse=True)
def _fresh_registry():
    # Each test builds its own registry rows; the process-wide cache must not carry over.
    registry.invalidate()
    yield
    registry.invalidate()


@pytest.fixture
def make_point(park, personas):
    def make(
        code,
        *,
        owner=None,
        kind="grid_import",
        unit="kWh",
        register="cumulative",
        multiplier=1.0,
        rollover=None,
        rated=1000.0,
        interval_s=60,
        gateway="gateway",
        zone=None,
    ):
        point = MeteringPoint.objects.create(
            park=park,
            code=code,
            owner=owner,
            zone=zone,
            kind=kind,
            unit=unit,
            register=RegisterType(register),
            multiplier=multiplier,
            rollover=rollover,
            rated_max_per_h=rated,
            interval_s=interval_s,
            gateway=personas[gateway] if gateway else None,
        )
        registry.invalidate()
        return point

    return make
