"""Dated ownership (issue 14): moving a meter through the API. A move is audited, names the
field of any bad input (422), is for park staff only (an enterprise's own user: 403; another
park's staff: 404, nothing changed), and leaves the earlier span where it was."""

from datetime import UTC, datetime

import pytest

from parkpilot.energy.models import MeteringPoint, PointAssignment, RegisterType
from parkpilot.energy.models_assignment import ASSIGNMENT_ORIGIN
from parkpilot.energy.registry import registry
from parkpilot.tenancy.models import AuditLog, Zone

pytestmark = pytest.mark.django_db

MOVE_AT = "2026-11-15T00:00:00+08:00"


@pytest.fixture
def point(park, zone, ent_a, personas, api_as):
    # Created through the API, as staff would: the point gets its first assignment.
    body = {"code": "M-1", "kind": "grid_import", "unit": "kWh", "register_type": "cumulative",
            "rated_max_per_h": 1000, "owner_id": ent_a.pk, "zone_id": zone.pk}  # fmt: skip
    response = api_as("park_staff").post("/api/v1/energy/points", body)
    assert response.status_code == 201, response.content
    registry.invalidate()
    return MeteringPoint.objects.get(pk=response.json()["id"])


def _move(api_as, persona, point, **body):
    return api_as(persona).post(f"/api/v1/energy/points/{point.pk}/move", body)


def test_a_created_point_has_one_open_assignment_from_the_origin(point, ent_a, zone):
    (only,) = PointAssignment.objects.filter(point=point)
    assert (only.enterprise_id, only.zone_id, only.valid_to) == (ent_a.pk, zone.pk, None)
    assert only.valid_from == ASSIGNMENT_ORIGIN


def test_staff_move_a_meter_from_a_date_on(api_as, point, ent_a, ent_b, zone, park):
    east = Zone.objects.create(park=park, code="east", name="东区")
    response = _move(api_as, "park_staff", point, enterprise_id=ent_b.pk, zone_id=east.pk,
                     effective_at=MOVE_AT, reason="整栋租给南都")  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["enterprise_id"] == ent_b.pk and body["zone_id"] == east.pk
    assert datetime.fromisoformat(body["valid_from"]) == datetime(2026, 11, 14, 16, tzinfo=UTC)
    assert body["valid_to"] is None and body["closed_periods"] == []
    point.refresh_from_db()
    assert (point.owner_id, point.zone_id) == (ent_b.pk, east.pk)  # the current values
    spans = api_as("park_staff").get(f"/api/v1/energy/points/{point.pk}/assignments").json()
    assert [(s["enterprise_id"], s["zone_id"]) for s in spans] == [
        (ent_a.pk, zone.pk),
        (ent_b.pk, east.pk),
    ]
    # No gap, no overlap.
    assert datetime.fromisoformat(spans[0]["valid_to"]) == datetime.fromisoformat(
        spans[1]["valid_from"]
    )
    audit = AuditLog.objects.get(action="metering_point.move")
    assert audit.before["owner_id"] == ent_a.pk and audit.after["owner_id"] == ent_b.pk
    assert audit.after["reason"] == "整栋租给南都"
    # Each enterprise's users read the span their enterprise held, and only that one.
    mine = api_as("ent_b_user").get(f"/api/v1/energy/points/{point.pk}/assignments").json()
    assert [s["enterprise_id"] for s in mine] == [ent_b.pk]


def test_a_move_to_the_public_loads(api_as, point, zone):
    response = _move(api_as, "park_admin", point, enterprise_id=None, zone_id=zone.pk,
                     effective_at=MOVE_AT, reason="改为园区公共照明")  # fmt: skip
    assert response.status_code == 201, response.content
    point.refresh_from_db()
    assert point.owner_id is None


def test_another_parks_staff_get_404_and_nothing_changes(api_as, point, ent_a, ent_other_park):
    response = _move(api_as, "other_park_admin", point, enterprise_id=ent_other_park.pk,
                     zone_id=None, effective_at=MOVE_AT, reason="x")  # fmt: skip
    assert response.status_code == 404
    url = f"/api/v1/energy/points/{point.pk}/assignments"
    assert api_as("other_park_admin").get(url).status_code == 404
    point.refresh_from_db()
    assert point.owner_id == ent_a.pk
    assert PointAssignment.objects.filter(point=point).count() == 1


def test_an_enterprise_cannot_move_its_own_meter(api_as, point, ent_b):
    response = _move(api_as, "ent_a_admin", point, enterprise_id=ent_b.pk, zone_id=None,
                     effective_at=MOVE_AT, reason="x")  # fmt: skip
    assert response.status_code == 403
    assert PointAssignment.objects.filter(point=point).count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"effective_at": "2026-11-15T00:00:00"}, "effective_at"),  # no UTC offset
        ({"effective_at": "2026-11-15T00:30:00+08:00"}, "effective_at"),  # not a whole hour
        ({"effective_at": "2999-01-01T00:00:00+08:00"}, "effective_at"),  # the future
        ({"effective_at": "not a time"}, "effective_at"),
        ({"effective_at": "0001-01-01T00:00:00+14:00"}, "effective_at"),  # no overflow: 422
        ({"reason": "  "}, "reason"),
        ({"enterprise_id": 987654}, "enterprise_id"),
        ({"zone_id": 987654}, "zone_id"),
        ({"enterprise_id": 2**70}, "enterprise_id"),  # beyond a bigint: 422, not 500
    ],
)
def test_bad_input_is_422_naming_the_field(api_as, point, ent_b, zone, change, field):
    body = {"enterprise_id": ent_b.pk, "zone_id": zone.pk, "effective_at": MOVE_AT,
            "reason": "搬迁"} | change  # fmt: skip
    response = _move(api_as, "park_staff", point, **body)
    assert response.status_code == 422, response.content
    assert field in [d["loc"][-1] for d in response.json()["detail"]]
    assert PointAssignment.objects.filter(point=point).count() == 1


def test_a_move_before_the_current_span_or_to_where_it_is_is_refused(
    api_as, point, ent_a, ent_b, zone
):
    first = _move(api_as, "park_staff", point, enterprise_id=ent_b.pk, zone_id=zone.pk,
                  effective_at=MOVE_AT, reason="搬迁")  # fmt: skip
    assert first.status_code == 201
    earlier = _move(api_as, "park_staff", point, enterprise_id=ent_a.pk, zone_id=zone.pk,
                    effective_at="2026-11-01T00:00:00+08:00", reason="搬回")  # fmt: skip
    assert earlier.status_code == 422
    (detail,) = earlier.json()["detail"]
    assert detail["loc"][-1] == "effective_at" and "2026-11-14T16:00:00" in detail["msg"]
    same = _move(api_as, "park_staff", point, enterprise_id=ent_b.pk, zone_id=zone.pk,
                 effective_at="2026-11-20T00:00:00+08:00", reason="同一处")  # fmt: skip
    assert same.status_code == 422
    assert same.json()["detail"][0]["loc"][-1] == "enterprise_id"
    assert PointAssignment.objects.filter(point=point).count() == 2


def test_a_point_made_by_a_bare_insert_gets_its_first_span_on_the_move(
    api_as, park, ent_a, ent_b, personas
):
    point = MeteringPoint.objects.create(
        park=park, code="OLD", owner=ent_a, kind="grid_import", unit="kWh",
        register=RegisterType.CUMULATIVE, rated_max_per_h=10.0, gateway=personas["gateway"],
    )  # fmt: skip
    assert not PointAssignment.objects.filter(point=point).exists()
    response = _move(api_as, "park_staff", point, enterprise_id=ent_b.pk, zone_id=None,
                     effective_at=MOVE_AT, reason="搬迁")  # fmt: skip
    assert response.status_code == 201
    spans = PointAssignment.objects.filter(point=point).order_by("valid_from")
    assert [s.enterprise_id for s in spans] == [ent_a.pk, ent_b.pk]
    assert spans[0].valid_from == ASSIGNMENT_ORIGIN


def test_a_registry_edit_of_the_owner_corrects_the_span_in_effect(api_as, point, ent_b):
    response = api_as("park_staff").patch(
        f"/api/v1/energy/points/{point.pk}", {"owner_id": ent_b.pk}
    )
    assert response.status_code == 200
    (only,) = PointAssignment.objects.filter(point=point)
    assert only.enterprise_id == ent_b.pk and only.valid_from == ASSIGNMENT_ORIGIN


# --- the metering point's page: history for readers, the move form for operators ---------------


def _client(user):
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def test_the_page_moves_a_meter_for_staff_in_chinese(personas, point, ent_b, zone):
    staff = _client(personas["park_staff"])
    page = staff.get(f"/energy/points/{point.pk}/").content.decode()
    assert "归属历史" in page and "迁移计量点" in page and "自启用起" in page
    response = staff.post(
        f"/energy/points/{point.pk}/move/",
        {
            "enterprise_id": ent_b.pk,
            "zone_id": zone.pk,
            "effective_at": "2026-11-15T00:00",
            "reason": "整栋租给南都",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "计量点已迁移" in page
    point.refresh_from_db()
    assert point.owner_id == ent_b.pk
    (span,) = PointAssignment.objects.filter(point=point, valid_to=None)
    assert span.valid_from == datetime(2026, 11, 14, 16, tzinfo=UTC)  # park time, +08:00


def test_the_page_names_the_field_of_bad_input(personas, point, ent_b, zone):
    response = _client(personas["park_staff"]).post(
        f"/energy/points/{point.pk}/move/",
        {
            "enterprise_id": ent_b.pk,
            "zone_id": zone.pk,
            "effective_at": "2026-11-15T00:30",
            "reason": "x",
        },
        follow=True,
    )
    assert "生效时间：须为园区当地时间的整点。" in response.content.decode()  # its label
    assert PointAssignment.objects.filter(point=point).count() == 1


def test_the_page_is_the_owners_to_read_and_the_parks_to_move(personas, point, ent_b):
    mine = _client(personas["ent_a_user"]).get(f"/energy/points/{point.pk}/")
    assert mine.status_code == 200 and 'data-testid="move-point"' not in mine.content.decode()
    body = {"enterprise_id": ent_b.pk, "effective_at": "2026-11-15T00:00", "reason": "x"}
    assert (
        _client(personas["ent_a_user"]).post(f"/energy/points/{point.pk}/move/", body).status_code
        == 403
    )
    for outsider in ("ent_b_user", "other_park_admin"):
        client = _client(personas[outsider])
        assert client.get(f"/energy/points/{point.pk}/").status_code == 404
        assert client.post(f"/energy/points/{point.pk}/move/", body).status_code == 404
    assert PointAssignment.objects.filter(point=point).count() == 1
