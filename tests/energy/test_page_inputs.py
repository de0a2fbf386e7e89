"""The energy pages read what was typed through the one input layer (parkpilot/inputs.py): a
time typed on a page is the park's wall clock (Park.timezone, +08:00), a bad value is refused by
its field's label and changes nothing. (The move form once read "abc" as "no enterprise" and
moved the meter to the park's public loads; `_local_time` overwrote a typed offset.)"""

from datetime import UTC, datetime

import pytest
from django.test import Client

from helpers import isolation_module
from parkpilot.energy.models import PointAssignment
from parkpilot.energy.models_quality import CounterAnchor

pytestmark = pytest.mark.django_db
cases = isolation_module("energy")


def _staff(personas):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(personas["park_staff"])
    return client


def _move(personas, point, **body):
    data = {"enterprise_id": "", "zone_id": "", "effective_at": "2026-11-15T00:00",
            "reason": "整栋出租", **body}  # fmt: skip
    url = f"/energy/points/{point.pk}/move/"
    return _staff(personas).post(url, data, follow=True).content.decode()


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ({"enterprise_id": "abc"}, "企业：须为整数。"),
        ({"zone_id": "0"}, "片区：不能小于 1。"),
        ({"effective_at": "15.11.2026 00:00"}, "生效时间：日期时间格式为 YYYY-MM-DD HH:MM。"),
        ({"effective_at": ""}, "生效时间：必填。"),
    ],
)
def test_a_bad_move_is_named_by_its_label_and_moves_nothing(personas, ent_a, body, shown):
    point = cases._point(ent_a, personas)
    page = _move(personas, point, **body)
    assert shown in page
    point.refresh_from_db()
    assert point.owner_id == ent_a.pk
    assert not PointAssignment.objects.filter(point=point).exists()  # refused before the service


def test_a_blank_enterprise_moves_the_meter_to_the_parks_public_loads(personas, ent_a):
    point = cases._point(ent_a, personas)
    assert "计量点已迁移" in _move(personas, point)
    point.refresh_from_db()
    assert point.owner_id is None
    (span,) = PointAssignment.objects.filter(point=point, valid_to=None)
    assert span.valid_from == datetime(2026, 11, 14, 16, tzinfo=UTC)  # 00:00 at +08:00


def test_a_time_typed_with_its_offset_keeps_it(personas, ent_a):
    point = cases._point(ent_a, personas)
    assert "计量点已迁移" in _move(personas, point, effective_at="2026-11-15T00:00+00:00")
    (span,) = PointAssignment.objects.filter(point=point, valid_to=None)
    assert span.valid_from == datetime(2026, 11, 15, 0, tzinfo=UTC)


def test_a_replacement_typed_on_the_quality_page_is_in_park_time(personas, ent_a):
    decision = cases._suspect(ent_a, personas)
    url = f"/energy/suspects/{decision.pk}/replacement/"
    page = _staff(personas).post(url, {"ts": "2026-03-01T10:02:00", "start_value": "abc"},
                                 follow=True).content.decode()  # fmt: skip
    assert "须为数字。" in page and not CounterAnchor.objects.exists()
    _staff(personas).post(url, {"ts": "2026-03-01T10:02:00", "start_value": "3.5"})
    anchor = CounterAnchor.objects.get()
    assert anchor.ts == datetime(2026, 3, 1, 2, 2, tzinfo=UTC)  # 10:02 at +08:00
    assert anchor.start_value == 3.5


@pytest.mark.parametrize("query", ["enterprise=abc", "enterprise=-1", "gateway=1.5"])
def test_a_bad_points_filter_shows_every_point(personas, ent_a, ent_b, query):
    cases._point(ent_a, personas)
    cases._point(ent_b, personas, code="B-E1")
    response = _staff(personas).get(f"/energy/?{query}")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 2
