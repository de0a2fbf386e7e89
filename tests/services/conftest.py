import datetime
from zoneinfo import ZoneInfo

import pytest

from parkpilot.services import services

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def at():
    def make(day: str, hour: int = 10) -> datetime.datetime:
        return datetime.datetime.combine(
            datetime.date.fromisoformat(day), datetime.time(hour), tzinfo=TZ
        )

    return make


@pytest.fixture
def raise_request(personas, ent_a):
    def make(*, now=None, category="energy", urgency="normal", who="ent_a_user"):
        return services.request_create(
            actor=personas[who],
            via="test",
            park=ent_a.park,
            data={
                "title": "新厂房用电增容",
                "category": category,
                "urgency": urgency,
                "description": "专变容量需由 4000 kVA 增至 8000 kVA",
            },
            now=now,
        )

    return make
