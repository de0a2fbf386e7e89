"""/api/v1/energy: the HTTP door, the registry, dead letters and conflicts, as clients use them."""

import pytest

from parkpilot.energy.models import (
    DeadLetter,
    EnergyRollup,
    MeteringPoint,
    PointRollup,
    Reading,
    ReadingConflict,
)
from parkpilot.tenancy.models import AuditLog

pytestmark = pytest.mark.django_db


def ts(m):
    return f"2026-03-01T10:{m:02d}:00+08:00"


@pytest.fixture
def a_e1(make_point, ent_a):
    return make_point("A-E1", owner=ent_a)


def test_gateway_posts_a_batch_and_it_is_rolled_up(
    api_as, a_e1, django_capture_on_commit_callbacks
):
    body = [{"point": "A-E1", "ts": ts(m), "value": 10.0 * m} for m in range(16)]
    body.append({"point": "A-E1", "ts": "2026-03-01T10:16:00", "value": 161.0})
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as("gateway").post("/api/v1/energy/readings", body)
    assert response.status_code == 200
    result = response.json()
    assert (result["accepted"], result["duplicates"], result["conflicts"]) == (16, 0, 0)
    assert result["rejected"] == [{"index": 16, "field": "ts", "reason": "时间戳缺少时区偏移。"}]
    # huey runs in-process in tests: the rollup pass ran on commit. 15 minutes × 10 kWh.
    quarter = PointRollup.objects.get(point=a_e1, level="15m", readings=15)
    assert quarter.energy == 150.0


def test_a_single_object_is_accepted_too(api_as, a_e1):
    response = api_as("gateway").post("/api/v1/energy/readings", {"point": "A-E1", "ts": ts(0),
                                                                  "value": 1})  # fmt: skip
    assert response.json()["accepted"] == 1


def test_gateway_cannot_write_another_gateways_point(api_as, make_point, ent_a):
    make_point("A-E2", owner=ent_a, gateway=None)
    result = (
        api_as("gateway")
        .post("/api/v1/energy/readings", [{"point": "A-E2", "ts": ts(0), "value": 1}])
        .json()
    )
    assert result["accepted"] == 0
    assert result["rejected"][0]["reason"] == "该计量点不属于此网关。"
    assert DeadLetter.objects.get().gateway_id is not None


def test_more_than_10000_readings_is_refused_whole(api_as, a_e1):
    body = [{"point": "A-E1", "ts": ts(0), "value": 1}] * 10_001
    response = api_as("gateway").post("/api/v1/energy/readings", body)
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert (detail["loc"][-1], detail["type"]) == ("payload", "too_many")
    assert Reading.objects.count() == 0


def test_enterprise_users_do_not_write_readings(api_as, a_e1):
    response = api_as("ent_a_admin").post(
        "/api/v1/energy/readings", [{"point": "A-E1", "ts": ts(0), "value": 1}]
    )
    assert response.status_code == 403
    assert Reading.objects.count() == 0


def test_bad_json_body_is_422_naming_payload(api_as, a_e1):
    client = api_as("gateway").client
    response = client.post(
        "/api/v1/energy/readings", data=b"{oops", content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "payload"


def test_enterprise_user_sees_only_its_points_gateway_only_its_own(api_as, make_point, ent_a,
                                                                   ent_b):  # fmt: skip
    make_point("A-E1", owner=ent_a)
    make_point("B-E1", owner=ent_b, gateway=None)
    make_point("LIGHT", kind="street_lighting", gateway=None)

    def codes(persona):
        return [p["code"] for p in api_as(persona).get("/api/v1/energy/points").json()["items"]]

    assert codes("ent_a_user") == ["A-E1"]
    assert codes("gateway") == ["A-E1"]
    assert codes("park_staff") == ["A-E1", "B-E1", "LIGHT"]
    assert codes("resident") == []


def test_create_point_validates_every_field(api_as, ent_a, other_park):
    foreign_zone = other_park.zones.create(code="z", name="别处")
    body = {"code": "", "kind": "coal", "unit": "kWh", "register_type": "sometimes",
            "rated_max_per_h": -5, "zone_id": foreign_zone.pk}  # fmt: skip
    response = api_as("park_staff").post("/api/v1/energy/points", body)
    assert response.status_code == 422
    fields = sorted(e["loc"][-1] for e in response.json()["detail"])
    assert fields == ["code", "kind", "rated_max_per_h", "register", "zone_id"]
    assert MeteringPoint.objects.count() == 0


def test_unit_must_convert_to_the_kinds_unit(api_as):
    body = {"code": "G1", "kind": "natural_gas", "unit": "kWh", "register_type": "cumulative",
            "rated_max_per_h": 50}  # fmt: skip
    response = api_as("park_staff").post("/api/v1/energy/points", body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "unit"


def test_create_and_patch_point_are_audited(api_as, ent_a):
    body = {"code": "A-GAS", "kind": "natural_gas", "unit": "m3", "register_type": "cumulative",
            "rated_max_per_h": 50, "owner_id": ent_a.pk}  # fmt: skip
    created = api_as("park_staff").post("/api/v1/energy/points", body)
    assert created.status_code == 201
    assert created.json()["register_type"] == "cumulative"
    pid = created.json()["id"]
    patched = api_as("park_admin").patch(f"/api/v1/energy/points/{pid}", {"multiplier": 40})
    assert patched.json()["multiplier"] == 40.0
    actions = list(AuditLog.objects.filter(object_type="energy.meteringpoint")
                   .order_by("id").values_list("action", flat=True))  # fmt: skip
    assert actions == ["metering_point.create", "metering_point.update"]


def test_dead_letter_reprocessed_after_the_registry_is_fixed(api_as, make_point, ent_a):
    api_as("gateway").post("/api/v1/energy/readings", [{"point": "NEW-1", "ts": ts(0), "value": 5}])
    letter = DeadLetter.objects.get()
    url = f"/api/v1/energy/dead-letters/{letter.pk}/reprocess"
    still_bad = api_as("park_staff").post(url, {}).json()
    assert (still_bad["status"], still_bad["field"]) == ("open", "point")
    assert DeadLetter.objects.count() == 1  # not filed twice
    make_point("NEW-1", owner=ent_a)
    fixed = api_as("park_staff").post(url, {}).json()
    assert fixed["status"] == "reprocessed"
    assert Reading.objects.get().value == 5.0
    again = api_as("park_staff").post(url, {})
    assert again.status_code == 422


def test_dismiss_needs_a_note(api_as, a_e1):
    api_as("gateway").post("/api/v1/energy/readings", [{"point": "NOPE", "ts": ts(0), "value": 5}])
    letter = DeadLetter.objects.get()
    url = f"/api/v1/energy/dead-letters/{letter.pk}/dismiss"
    assert api_as("park_staff").post(url, {"note": " "}).status_code == 422
    assert api_as("park_staff").post(url, {"note": "test meter"}).json()["status"] == "dismissed"


def test_taking_the_new_value_of_a_conflict_recomputes_rollups(
    api_as, a_e1, django_capture_on_commit_callbacks
):
    gateway = api_as("gateway")
    with django_capture_on_commit_callbacks(execute=True):
        gateway.post("/api/v1/energy/readings", [{"point": "A-E1", "ts": ts(m), "value": 10.0 * m}
                                                 for m in range(3)])  # fmt: skip
        gateway.post("/api/v1/energy/readings", [{"point": "A-E1", "ts": ts(2), "value": 25.0}])
    conflict = ReadingConflict.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as("park_staff").post(
            f"/api/v1/energy/conflicts/{conflict.pk}/resolve", {"keep": "new"}
        )
    assert response.json()["resolved"] is True
    quarter = PointRollup.objects.get(point=a_e1, level="15m", readings=2)
    assert quarter.energy == 25.0  # 0 → 10 → 25
    park_day = EnergyRollup.objects.get(scope="park", level="1d")
    assert park_day.energy == 25.0


def test_quality_summary(api_as, a_e1):
    body = api_as("park_staff").get("/api/v1/energy/quality").json()
    assert body["points"] == 1
    assert body["open_dead_letters"] == 0
