import pytest

from parkpilot.points import services
from parkpilot.points.models import EarningRule, MemberKind


@pytest.fixture
def member(personas):
    resident = personas["resident"]
    return services.member_enrol(
        via="ui",
        actor=None,
        park=resident.park,
        kind=MemberKind.RESIDENT,
        name="王阿姨",
        user=resident,
    )


@pytest.fixture
def rule(park):
    return EarningRule.objects.create(
        park=park, kind="volunteering", name="志愿服务一小时", points=100, cap_day=200
    )


@pytest.fixture
def good(personas, park):
    return services.good_create(
        via="ui",
        actor=personas["park_staff"],
        park=park,
        name="环保袋",
        price=150,
        stock=5,
        per_member_limit=2,
    )
