import pytest

from parkpilot.sinks.demo import PARAMETERS
from parkpilot.sinks.models import Methodology, Project
from parkpilot.tenancy.actors import system_actor


@pytest.fixture
def project(park):
    methodology = Methodology.objects.create(
        park=park, code="CCER-14-001-V01", name="造林碳汇项目方法学", document="CCER-14-001-V01",
        parameters=PARAMETERS,
    )  # fmt: skip
    return Project.objects.create(
        park=park, code="P1", name="测试碳汇项目", methodology=methodology, seller="白沙村"
    )


@pytest.fixture
def registrar(park):
    return system_actor(park, "sinks.test")
