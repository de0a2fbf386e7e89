"""The intake core: every refusal class lands in the dead letters with its reason; redelivery is
harmless; conflicts are kept; nothing half-written."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from parkpilot.energy.ingest.core import ingest_items, ingest_payload
from parkpilot.energy.models import DeadLetter, IngestBatch, Reading, ReadingConflict
from parkpilot.stored_text import shown

pytestmark = pytest.mark.django_db


@pytest.fixture
def points(make_point, ent_a):
    make_point("A-E1", owner=ent_a)  # cumulative kWh counter, gateway "gateway"
    make_point("A-Q1", owner=ent_a, register="interval", rated=400.0, interval_s=900)
    make_point("OTHER-GW", owner=ent_a, gateway=None)


def reading(point="A-E1", ts="2026-03-01T10:00:00+08:00", value=100.0, **extra):
    return {"point": point, "ts": ts, "value": value, **extra}


def test_good_readings_are_stored(park, points, personas):
    result = ingest_items(
        park_id=park.id,
        items=[reading(), reading(ts="2026-03-01T10:01:00+08:00", value=101.5)],
        source="direct",
        gateway_id=personas["gateway"].id,
    )
    assert result.as_dict() == {"accepted": 2, "duplicates": 0, "conflicts": 0, "rejected": []}
    stored = sorted(Reading.objects.values_list("ts", "value"))
    assert stored == [
        (datetime(2026, 3, 1, 2, 0, tzinfo=UTC), 100.0),
        (datetime(2026, 3, 1, 2, 1, tzinfo=UTC), 101.5),
    ]
    assert IngestBatch.objects.get().accepted == 2


@pytest.mark.parametrize(
    "item,field,reason_part,english_part",
    [
        ("not an object", "reading", "不是 JSON 对象", "Not a JSON object"),
        (
            {"ts": "2026-03-01T10:00:00+08:00", "value": 1},
            "point",
            "缺少计量点编码",
            "point code is missing",
        ),
        (reading(point="NOPE"), "point", "未知计量点：NOPE", "Unknown point: NOPE"),
        (reading(point="OTHER-GW"), "point", "该计量点不属于此网关", "Not this gateway's point"),
        (reading(ts="2026-03-01T10:00:00"), "ts", "时间戳缺少时区偏移", "no UTC offset"),
        (
            reading(ts="yesterday"),
            "ts",
            "不是 ISO-8601 时间：yesterday",
            "Not an ISO-8601 timestamp: yesterday",
        ),
        (reading(ts=1700000000), "ts", "缺少时间戳", "timestamp is missing"),
        (
            reading(ts=(datetime.now(UTC) + timedelta(hours=1)).isoformat()),
            "ts",
            "秒后的未来",
            "in the future",
        ),
        (reading(value="12.5"), "value", "读数不是数字", "not a number"),
        (reading(value=True), "value", "读数不是数字", "not a number"),
        (reading(value=float("nan")), "value", "读数不是有限数", "NaN"),
        (reading(value=-1.0), "value", "累计读数不能为负", "counter cannot be negative"),
        (
            reading(point="A-Q1", value=-3.0),
            "value",
            "区间读数不能为负",
            "interval value cannot be negative",
        ),
        # A-Q1: 400 kW rated, 15-minute interval → at most 100 kWh, 120 with the tolerance.
        (reading(point="A-Q1", value=121.0), "value", "超过额定上限", "plausibility cap"),
        (
            reading(unit="MWh"),
            "unit",
            "单位 MWh 与计量点单位 kWh 不符",
            "unit MWh does not match the point's unit kWh",
        ),
    ],
)
def test_each_bad_reading_is_a_dead_letter_with_its_reason(
    park, points, personas, item, field, reason_part, english_part
):
    result = ingest_items(
        park_id=park.id, items=[reading(), item], source="http", gateway_id=personas["gateway"].id
    )
    assert result.accepted == 1  # the good one in the same batch is kept
    [rejection] = result.rejected
    assert (rejection.index, rejection.field) == (1, field)
    assert reason_part in shown(rejection.reason)  # zh-Hans, the default
    letter = DeadLetter.objects.get()
    assert (letter.field, letter.source, letter.park_id) == (field, "http", park.id)
    assert reason_part in shown(letter.reason)
    with translation.override("en"):  # stored as msgid and parameters: read in either language
        assert english_part in shown(letter.reason)
    assert letter.raw  # the raw item is kept to re-process later


def test_interval_value_at_the_cap_is_accepted(park, points, personas):
    result = ingest_items(
        park_id=park.id,
        items=[reading(point="A-Q1", value=120.0)],
        source="http",
        gateway_id=personas["gateway"].id,
    )
    assert result.accepted == 1


def test_bad_json_is_one_dead_letter_with_the_raw_payload(park, points):
    result = ingest_payload(park_id=park.id, payload=b'[{"point": "A-E1", ', source="mqtt")
    assert result.accepted == 0
    assert result.rejected[0].field == "payload"
    assert DeadLetter.objects.get().raw == '[{"point": "A-E1", '


def test_nan_literal_refuses_only_that_reading(park, points):
    payload = (
        '[{"point": "A-E1", "ts": "2026-03-01T10:00:00+08:00", "value": 1},'
        ' {"point": "A-E1", "ts": "2026-03-01T10:01:00+08:00", "value": NaN}]'
    )
    result = ingest_payload(park_id=park.id, payload=payload.encode(), source="mqtt")
    assert result.accepted == 1
    assert [(r.index, r.field) for r in result.rejected] == [(1, "value")]


def test_payload_of_the_wrong_shape(park, points):
    result = ingest_payload(park_id=park.id, payload=b'"hello"', source="mqtt")
    assert result.rejected[0].field == "payload"


def test_redelivery_is_counted_and_ignored(park, points):
    batch = [reading(ts=f"2026-03-01T10:{m:02d}:00+08:00", value=100.0 + m) for m in range(5)]
    ingest_items(park_id=park.id, items=batch, source="mqtt")
    again = ingest_items(park_id=park.id, items=batch, source="mqtt")
    assert again.as_dict() == {"accepted": 0, "duplicates": 5, "conflicts": 0, "rejected": []}
    assert Reading.objects.count() == 5
    assert IngestBatch.objects.count() == 1  # nothing new to roll up


def test_duplicate_with_another_value_is_kept_as_a_conflict(park, points):
    ingest_items(park_id=park.id, items=[reading(value=100.0)], source="mqtt")
    result = ingest_items(
        park_id=park.id,
        items=[reading(value=99.0), reading(ts="2026-03-01T10:01:00+08:00", value=101.0)],
        source="http",
    )
    assert (result.accepted, result.duplicates, result.conflicts) == (1, 0, 1)
    conflict = ReadingConflict.objects.get()
    assert (conflict.stored_value, conflict.new_value, conflict.source) == (100.0, 99.0, "http")
    assert Reading.objects.get(ts=datetime(2026, 3, 1, 2, 0, tzinfo=UTC)).value == 100.0


def test_duplicates_inside_one_batch(park, points):
    result = ingest_items(
        park_id=park.id, items=[reading(), reading(), reading(value=7.0)], source="mqtt"
    )
    assert (result.accepted, result.duplicates, result.conflicts) == (1, 1, 1)


def test_same_instant_in_two_offsets_is_one_reading(park, points):
    result = ingest_items(
        park_id=park.id,
        items=[reading(ts="2026-03-01T10:00:00+08:00"), reading(ts="2026-03-01T02:00:00Z")],
        source="mqtt",
    )
    assert (result.accepted, result.duplicates) == (1, 1)


def test_a_failed_write_leaves_nothing_half_written(park, points, monkeypatch):
    from parkpilot.energy.ingest import core

    def broken_batch(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(core, "_batch", broken_batch)
    with pytest.raises(RuntimeError):
        ingest_items(park_id=park.id, items=[reading(), reading(point="NOPE")], source="mqtt")
    assert Reading.objects.count() == 0
    assert DeadLetter.objects.count() == 0


def test_dead_letter_raw_is_json_of_the_item(park, points):
    ingest_items(park_id=park.id, items=[reading(point="NOPE", value=3)], source="mqtt")
    assert json.loads(DeadLetter.objects.get().raw) == reading(point="NOPE", value=3)
