"""Every class of bad input a gateway or a file can send gets a 4xx (or a dead letter for that
reading) naming the field, never a 5xx, and the good readings of the batch are kept."""

import datetime as dt
import hashlib

import pytest

from parkpilot.energy.fileimport import import_file
from parkpilot.energy.ingest.core import ingest_items
from parkpilot.energy.ingest.refusals import (
    LETTER_BUDGET,
    MAX_RAW_CHARS,
    OVER_BUDGET_FIELD,
)
from parkpilot.energy.models import DeadLetter, Reading

pytestmark = pytest.mark.django_db

GOOD = [
    {"point": "A-E1", "ts": "2026-03-01T10:00:00+08:00", "value": 1.0},
    {"point": "A-E1", "ts": "2026-03-01T10:01:00+08:00", "value": 2.0},
]


@pytest.fixture
def a_e1(make_point, ent_a):
    return make_point("A-E1", owner=ent_a)


def _post_raw(api_as, body: bytes):
    return api_as("gateway").client.post(
        "/api/v1/energy/readings", data=body, content_type="application/json"
    )


def _with_good(bad_json: str) -> bytes:
    good = ",".join(
        f'{{"point":"{r["point"]}","ts":"{r["ts"]}","value":{r["value"]}}}' for r in GOOD
    )
    return f"[{good},{bad_json}]".encode()


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        # An integer beyond 64 bits (orjson refuses it; the stdlib reads it as a Python int).
        ('{"point":"A-E1","ts":"2026-03-01T10:02:00+08:00","value":' + "9" * 400 + "}", "value"),
        # A lone surrogate in the point code (not encodable as UTF-8, so not storable as is).
        ('{"point":"A-\\ud800","ts":"2026-03-01T10:02:00+08:00","value":3}', "point"),
        # A NUL character in the point code (PostgreSQL text cannot hold it).
        ('{"point":"A-\\u0000","ts":"2026-03-01T10:02:00+08:00","value":3}', "point"),
        # Year 1 at +14:00 is before year 1 in UTC: no epoch exists for it.
        ('{"point":"A-E1","ts":"0001-01-01T00:00:00+14:00","value":3}', "ts"),
        # Before the platform's earliest date (2000-01-01 by default).
        ('{"point":"A-E1","ts":"1900-01-01T00:00:00+08:00","value":3}', "ts"),
        # Year 9999 is far beyond the future horizon.
        ('{"point":"A-E1","ts":"9999-12-31T23:59:59-14:00","value":3}', "ts"),
        ('{"point":"A-E1","ts":"2026-03-01T10:02:00+08:00","value":1e300}', "value"),
    ],
    ids=["huge-int", "lone-surrogate", "nul", "year-1-plus-14", "year-1900", "year-9999", "1e300"],
)
def test_a_bad_reading_is_refused_alone_naming_its_field(api_as, a_e1, bad, field):
    response = _post_raw(api_as, _with_good(bad))
    assert response.status_code == 200
    result = response.json()
    assert result["accepted"] == 2  # the good readings of the batch are kept
    assert [(r["index"], r["field"]) for r in result["rejected"]] == [(2, field)]
    assert Reading.objects.count() == 2
    letter = DeadLetter.objects.get()
    assert (letter.field, letter.count, letter.gateway.username) == (field, 1, "gateway")
    assert "\x00" not in letter.raw and "\x00" not in letter.point_code


def test_json_nested_100k_deep_is_a_422_naming_the_payload(api_as, a_e1):
    response = _post_raw(api_as, b"[" * 100_000 + b"]" * 100_000)
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"][-1] == "payload"
    assert detail["msg"] == "请求体：JSON 嵌套过深。"  # the field by its label


def test_an_integer_of_5000_digits_is_a_422_naming_the_payload(api_as, a_e1):
    # Python refuses to read integers over 4,300 digits: the whole body is not readable JSON.
    body = b'{"point":"A-E1","ts":"2026-03-01T10:00:00+08:00","value":' + b"9" * 5000 + b"}"
    response = _post_raw(api_as, body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "payload"


def test_a_reading_before_the_points_commissioning_day_is_refused(api_as, a_e1):
    a_e1.commissioned_on = dt.date(2026, 3, 1)
    a_e1.save()
    body = [
        {"point": "A-E1", "ts": "2026-02-28T23:59:00+08:00", "value": 1.0},  # the day before
        {"point": "A-E1", "ts": "2026-03-01T00:00:00+08:00", "value": 2.0},  # local midnight
    ]
    result = api_as("gateway").post("/api/v1/energy/readings", body).json()
    assert result["accepted"] == 1
    (refusal,) = result["rejected"]
    assert (refusal["index"], refusal["field"]) == (0, "ts")
    # The day starts at local midnight: 2026-03-01 00:00 +08:00 is 2026-02-28 16:00 UTC.
    assert refusal["reason"] == "时间戳早于计量点投运日期（2026-02-28T16:00+00:00）。"


def test_the_future_horizon_is_configurable(api_as, a_e1, settings):
    settings.PARKPILOT_ENERGY_FUTURE_S = 7 * 86400
    soon = (dt.datetime.now(dt.UTC) + dt.timedelta(days=6)).isoformat()
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=8)).isoformat()
    body = [{"point": "A-E1", "ts": soon, "value": 1}, {"point": "A-E1", "ts": later, "value": 2}]
    result = api_as("gateway").post("/api/v1/energy/readings", body).json()
    assert result["accepted"] == 1
    assert result["rejected"][0]["reason"] == "时间戳超过 604800 秒后的未来。"


def test_repeated_refusals_are_one_letter_with_a_count(api_as, a_e1):
    gateway = api_as("gateway")
    bad = [
        {"point": "GHOST", "ts": f"2026-03-01T10:{m:02d}:00+08:00", "value": m} for m in range(30)
    ]
    gateway.post("/api/v1/energy/readings", bad[:20])
    gateway.post("/api/v1/energy/readings", bad[20:])
    letter = DeadLetter.objects.get()
    assert (letter.point_code, letter.field, letter.count) == ("GHOST", "point", 30)
    assert letter.last_at >= letter.received_at
    assert '"value":0' in letter.raw  # the first refusal's payload is the sample


def test_a_writer_files_at_most_its_budget_of_letters_then_one_over_budget_letter(a_e1, park):
    # Each reading names another unknown point: no two refusals aggregate.
    items = [
        {"point": f"GHOST-{i}", "ts": "2026-03-01T10:00:00+08:00", "value": i}
        for i in range(LETTER_BUDGET + 500)
    ]
    result = ingest_items(park_id=park.pk, items=items + GOOD, source="file")
    assert (result.accepted, len(result.rejected)) == (2, LETTER_BUDGET + 500)
    assert DeadLetter.objects.count() == LETTER_BUDGET + 1
    over = DeadLetter.objects.get(field=OVER_BUDGET_FIELD)
    assert over.count == 500
    assert f"GHOST-{LETTER_BUDGET}" in over.raw  # the first reading over the budget
    # In the same minute, a repeat adds to its own letter, new refusals to the over-budget one.
    more = [{**item, "point": f"NEW-{i}"} for i, item in enumerate(items[:100])]
    ingest_items(park_id=park.pk, items=items[:1] + more, source="file")
    assert DeadLetter.objects.count() == LETTER_BUDGET + 1
    assert DeadLetter.objects.get(point_code="GHOST-0").count == 2
    assert DeadLetter.objects.get(field=OVER_BUDGET_FIELD).count == 600


def test_a_huge_refused_reading_is_stored_cut_with_its_size_and_hash(api_as, a_e1):
    item = b'{"point":"A-E1","ts":"2026-03-01T10:00:00+08:00","value":"' + b"x" * 2_000_000 + b'"}'
    response = _post_raw(api_as, item)
    assert response.json()["rejected"][0]["field"] == "value"
    letter = DeadLetter.objects.get()
    assert len(letter.raw) == MAX_RAW_CHARS
    assert letter.raw_bytes == len(item)  # orjson writes it back byte for byte
    assert letter.raw_sha256 == hashlib.sha256(item).hexdigest()
    assert letter.truncated


# --- the same classes through a file ---------------------------------------------------------


def test_a_file_with_each_bad_class_keeps_its_good_rows(park, a_e1, tmp_path):
    csv = (
        (
            "point,ts,value\n"
            "A-E1,2026-03-01T10:00:00+08:00,1\n"
            "A-E1,2026-03-01T10:01:00+08:00," + "9" * 400 + "\n"  # row 3: a float beyond range
            "A-E1,0001-01-01T00:00:00+14:00,3\n"  # row 4
            "A-E1,1900-01-01T00:00:00+08:00,3\n"  # row 5
            "A-E1,2026-03-01T10:02:00+08:00,2\n"
        ).encode()
        + b"A-\xed\xa0\x80,2026-03-01T10:03:00+08:00,4\n"
    )  # row 7: an encoded surrogate
    path = tmp_path / "bad.csv"
    path.write_bytes(csv)
    totals = import_file(park=park, path=path)
    assert (totals.accepted, totals.rejected) == (2, 4)
    assert [(e["row"], e["field"]) for e in totals.errors] == [
        (3, "value"),
        (4, "ts"),
        (5, "ts"),
        (7, "point"),
    ]
    assert Reading.objects.count() == 2


# --- meter settings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("rollover", 2.2e-311),  # would make every reading "beyond the roll-over"
        ("rollover", 0.5),
        ("rollover", 1e300),
        ("multiplier", 1e-320),
        ("multiplier", 0),
        ("rated_max_per_h", 1e300),
    ],
)
def test_meter_settings_out_of_bounds_are_refused_on_create_and_patch(api_as, a_e1, field, value):
    body = {"code": "A-E2", "kind": "grid_import", "unit": "kWh", "register_type": "cumulative",
            "rated_max_per_h": 100, field: value}  # fmt: skip
    created = api_as("park_staff").post("/api/v1/energy/points", body)
    assert created.status_code == 422
    assert [e["loc"][-1] for e in created.json()["detail"]] == [field]
    patched = api_as("park_staff").patch(f"/api/v1/energy/points/{a_e1.pk}", {field: value})
    assert patched.status_code == 422
    assert [e["loc"][-1] for e in patched.json()["detail"]] == [field]
    a_e1.refresh_from_db()
    assert (a_e1.rollover, a_e1.multiplier, a_e1.rated_max_per_h) == (None, 1.0, 1000.0)


def test_a_commissioning_date_is_set_through_the_api(api_as, a_e1):
    response = api_as("park_admin").patch(
        f"/api/v1/energy/points/{a_e1.pk}", {"commissioned_on": "2026-03-01"}
    )
    assert response.json()["commissioned_on"] == "2026-03-01"
    a_e1.refresh_from_db()
    assert a_e1.commissioned_on == dt.date(2026, 3, 1)


def test_the_api_shows_a_letters_count_size_and_refuses_to_reprocess_a_cut_one(api_as, a_e1):
    item = b'{"point":"NOPE","ts":"2026-03-01T10:00:00+08:00","value":"' + b"x" * 10_000 + b'"}'
    _post_raw(api_as, item)
    _post_raw(api_as, item)
    (letter,) = api_as("park_staff").get("/api/v1/energy/dead-letters").json()["items"]
    assert (letter["count"], letter["raw_bytes"], letter["truncated"]) == (2, len(item), True)
    response = api_as("park_staff").post(
        f"/api/v1/energy/dead-letters/{letter['id']}/reprocess", {}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "raw"


def test_a_body_over_the_upload_limit_is_a_422_stating_the_limit(api_as, a_e1):
    reading = b'{"point":"A-E1","ts":"2026-03-01T10:00:00+08:00","value":1}'
    body = b"[" + b",".join([reading] * 60_000) + b"]"  # 3.6 MB
    response = _post_raw(api_as, body)
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert (detail["loc"][-1], detail["type"]) == ("payload", "too_large")
    assert detail["msg"] == "请求体：请求体超过 2.5 MB（一次最多 10000 条读数）。"
    assert Reading.objects.count() == 0
