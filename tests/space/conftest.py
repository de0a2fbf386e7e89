import pytest

from parkpilot.space import services
from parkpilot.tenancy.actors import system_actor

# 330112 临安区 (GB/T 2260), 地籍区 001, 子区 002, GB 国有建设用地使用权（地表）, No. 00017.
CODE = "330112001002GB00017"


@pytest.fixture
def keeper(park):
    return system_actor(park, "space.test")


@pytest.fixture
def parcel(park, keeper):
    return services.parcel_create(
        actor=keeper, via="test", park=park, code=CODE, name="工创园一期", kind="supply",
        use="industrial", area_m2="20000", planned_far="3.00",
    )  # fmt: skip
