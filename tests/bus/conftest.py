import pytest

from helpers import isolation_module

bus = isolation_module("bus")


@pytest.fixture
def trip(park):
    return bus.network(park, seats=3)


@pytest.fixture
def riders(park, ent_a):
    from parkpilot.tenancy.models import Role, User

    return [
        User.objects.create_user(
            username=f"rider{n}",
            password=f"pw-rider{n}",
            role=Role.ENTERPRISE_USER,
            park=park,
            enterprise=ent_a,
        )
        for n in range(6)
    ]
