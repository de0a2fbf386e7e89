"""Tenant-isolation cases for /api/v1/energy (collected by tests/tenancy/test_route_isolation.py).
Each: ent_b's user and another park's admin neither see nor change what is ent_a's."""

from parkpilot.energy.ingest.core import ingest_items
from parkpilot.energy.models import DeadLetter, MeteringPoint, ReadingConflict
from parkpilot.energy.registry import registry
from parkpilot.energy.rollups import rollup_pending

T0 = "2026-03-01T10:00:00+08:00"


def _point(ent, personas, code="A-E1"):
    point, _ = MeteringPoint.objects.get_or_create(
        park=ent.park, code=code,
        defaults=dict(owner=ent, kind="grid_import", unit="kWh", register="cumulative",
                      rated_max_per_h=1000.0, gateway=personas["gateway"]),
    )  # fmt: skip
    registry.invalidate()
    return point


def _outsiders(api_as):
    return [api_as("ent_b_user"), api_as("other_park_admin")]


def points_list(api_as, personas, ent_a, ent_b):
    point = _point(ent_a, personas)
    for client in _outsiders(api_as):
        ids = [p["id"] for p in client.get("/api/v1/energy/points").json()["items"]]
        assert point.pk not in ids


def points_create(api_as, personas, ent_a, ent_b):
    body = {"code": "X1", "kind": "grid_import", "unit": "kWh", "register_type": "cumulative",
            "rated_max_per_h": 10, "owner_id": ent_a.pk}  # fmt: skip
    assert api_as("ent_b_user").post("/api/v1/energy/points", body).status_code == 403
    # Another park's admin cannot attach a point to ent_a (unknown in its park).
    response = api_as("other_park_admin").post("/api/v1/energy/points", body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "owner_id"
    assert not MeteringPoint.objects.filter(code="X1").exists()


def points_export(api_as, personas, ent_a, ent_b):
    _point(ent_a, personas)
    for client in _outsiders(api_as):
        assert "A-E1" not in client.get("/api/v1/energy/points/export.csv").content.decode()


def points_import(api_as, personas, ent_a, ent_b):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from parkpilot.energy.point_import import points_import_run

    csv = "code,kind,unit,register,rated_max_per_h,owner_credit_code\n"
    csv += f"A-E1,grid_import,kWh,cumulative,5,{ent_a.credit_code}\n"
    point = _point(ent_a, personas)
    client = api_as("ent_b_user").client
    upload = SimpleUploadedFile("p.csv", csv.encode())
    assert client.post("/api/v1/energy/points/import", {"file": upload}).status_code == 403
    other = api_as("other_park_admin").client
    upload = SimpleUploadedFile("p.csv", csv.encode())
    response = other.post("/api/v1/energy/points/import", {"file": upload})
    assert response.status_code == 202
    job = points_import_run(job_id=response.json()["id"])
    assert job.status == "failed"  # ent_a's credit code is unknown in the other park
    point.refresh_from_db()
    assert point.rated_max_per_h == 1000.0


def _job(ent, kind="import"):
    from parkpilot.energy.models_ops import IntakeJob

    return IntakeJob.objects.create(park=ent.park, kind=kind, file_name="a.csv")


def imports_start(api_as, personas, ent_a, ent_b):
    from pathlib import Path

    from django.core.files.uploadedfile import SimpleUploadedFile

    from parkpilot.energy.models_ops import IntakeJob

    upload = SimpleUploadedFile("r.csv", b"point,ts,value\n")
    assert (
        api_as("ent_b_user").client.post("/api/v1/energy/imports", {"file": upload}).status_code
        == 403
    )
    upload = SimpleUploadedFile("r.csv", b"point,ts,value\n")
    response = api_as("other_park_admin").client.post("/api/v1/energy/imports", {"file": upload})
    assert response.status_code == 202
    job = IntakeJob.objects.get()
    assert job.park_id != ent_a.park_id  # filed in its own park
    Path(job.stored_path).unlink()  # the task did not run: remove the kept upload


def imports_list(api_as, personas, ent_a, ent_b):
    _job(ent_a)
    for client in _outsiders(api_as):
        response = client.get("/api/v1/energy/imports")
        assert response.status_code in (200, 403)
        if response.status_code == 200:
            assert response.json()["count"] == 0


def import_detail(api_as, personas, ent_a, ent_b):
    job = _job(ent_a, kind="points")
    for client in _outsiders(api_as):
        assert client.get(f"/api/v1/energy/imports/{job.pk}").status_code == 404


def point_detail(api_as, personas, ent_a, ent_b):
    point = _point(ent_a, personas)
    for client in _outsiders(api_as):
        assert client.get(f"/api/v1/energy/points/{point.pk}").status_code == 404


def point_patch(api_as, personas, ent_a, ent_b):
    point = _point(ent_a, personas)
    for client in _outsiders(api_as):
        response = client.patch(f"/api/v1/energy/points/{point.pk}", {"rated_max_per_h": 1})
        assert response.status_code == 404
    point.refresh_from_db()
    assert point.rated_max_per_h == 1000.0


def point_rollups(api_as, personas, ent_a, ent_b):
    point = _point(ent_a, personas)
    url = (
        f"/api/v1/energy/points/{point.pk}/rollups"
        "?start=2026-03-01T00:00:00Z&end=2026-03-02T00:00:00Z"
    )
    for client in _outsiders(api_as):
        assert client.get(url).status_code == 404


def readings(api_as, personas, ent_a, ent_b):
    _point(ent_a, personas)
    body = [{"point": "A-E1", "ts": T0, "value": 1.0}]
    assert api_as("ent_b_user").post("/api/v1/energy/readings", body).status_code == 403
    # Another park's admin writes into its own park, where A-E1 does not exist.
    result = api_as("other_park_admin").post("/api/v1/energy/readings", body).json()
    assert result["accepted"] == 0
    assert result["rejected"][0]["reason"].startswith("未知计量点")


def rollups(api_as, personas, ent_a, ent_b):
    _point(ent_a, personas)
    ingest_items(park_id=ent_a.park_id, items=[{"point": "A-E1", "ts": T0, "value": 1.0}],
                 source="direct")  # fmt: skip
    rollup_pending()
    url = (f"/api/v1/energy/rollups?scope=enterprise&scope_id={ent_a.pk}&level=1d"
           "&start=2026-02-01T00:00:00Z&end=2026-04-01T00:00:00Z")  # fmt: skip
    assert len(api_as("ent_a_user").get(url).json()) == 1
    for client in _outsiders(api_as):
        assert client.get(url).json() == []


def quality(api_as, personas, ent_a, ent_b):
    _point(ent_a, personas)
    assert api_as("ent_b_user").get("/api/v1/energy/quality").json()["points"] == 0
    assert api_as("other_park_admin").get("/api/v1/energy/quality").json()["points"] == 0


def _letter(ent_a):
    ingest_items(park_id=ent_a.park_id, items=[{"point": "NOPE", "ts": T0, "value": 1.0}],
                 source="direct")  # fmt: skip
    return DeadLetter.objects.get(point_code="NOPE")


def dead_letters(api_as, personas, ent_a, ent_b):
    _letter(ent_a)
    assert api_as("other_park_admin").get("/api/v1/energy/dead-letters").json()["count"] == 0
    assert api_as("ent_b_user").get("/api/v1/energy/dead-letters").json()["count"] == 0


def dead_letter_reprocess(api_as, personas, ent_a, ent_b):
    letter = _letter(ent_a)
    for client in _outsiders(api_as):
        url = f"/api/v1/energy/dead-letters/{letter.pk}/reprocess"
        assert client.post(url, {}).status_code == 404
    letter.refresh_from_db()
    assert letter.status == "open"


def dead_letter_dismiss(api_as, personas, ent_a, ent_b):
    letter = _letter(ent_a)
    for client in _outsiders(api_as):
        url = f"/api/v1/energy/dead-letters/{letter.pk}/dismiss"
        assert client.post(url, {"note": "x"}).status_code == 404
    letter.refresh_from_db()
    assert letter.status == "open"


def _conflict(ent_a, personas):
    _point(ent_a, personas)
    for value in (1.0, 2.0):
        ingest_items(park_id=ent_a.park_id, items=[{"point": "A-E1", "ts": T0, "value": value}],
                     source="direct")  # fmt: skip
    return ReadingConflict.objects.get()


def conflicts(api_as, personas, ent_a, ent_b):
    _conflict(ent_a, personas)
    assert api_as("ent_a_user").get("/api/v1/energy/conflicts").json()["count"] == 1
    for client in _outsiders(api_as):
        assert client.get("/api/v1/energy/conflicts").json()["count"] == 0


def conflict_resolve(api_as, personas, ent_a, ent_b):
    conflict = _conflict(ent_a, personas)
    for client in _outsiders(api_as):
        url = f"/api/v1/energy/conflicts/{conflict.pk}/resolve"
        assert client.post(url, {"keep": "new"}).status_code == 404
    conflict.refresh_from_db()
    assert not conflict.resolved


def gateway_watermark(api_as, personas, ent_a, ent_b):
    from parkpilot.energy.models import GatewayWatermark

    GatewayWatermark.objects.create(gateway=personas["gateway"], seq=41, above=[43])
    url = "/api/v1/energy/gateways/gateway/watermark"
    # An enterprise user and another park's admin: 404, as for a gateway that does not exist.
    for client in _outsiders(api_as):
        assert client.get(url).status_code == 404
    assert api_as("ent_b_user").get("/api/v1/energy/gateways/nobody/watermark").status_code == 404
    for who in ("gateway", "park_staff"):
        answer = api_as(who).get(url).json()
        assert (answer["seq"], answer["pending"]) == (41, 1)
        assert answer["topic"] == "parkpilot/qsh/watermark/gateway"


CASES = {
    ("GET", "/api/v1/energy/points"): points_list,
    ("POST", "/api/v1/energy/points"): points_create,
    ("GET", "/api/v1/energy/points/export.csv"): points_export,
    ("POST", "/api/v1/energy/points/import"): points_import,
    ("POST", "/api/v1/energy/imports"): imports_start,
    ("GET", "/api/v1/energy/imports"): imports_list,
    ("GET", "/api/v1/energy/imports/{job_id}"): import_detail,
    ("GET", "/api/v1/energy/points/{point_id}"): point_detail,
    ("PATCH", "/api/v1/energy/points/{point_id}"): point_patch,
    ("GET", "/api/v1/energy/points/{point_id}/rollups"): point_rollups,
    ("POST", "/api/v1/energy/readings"): readings,
    ("GET", "/api/v1/energy/rollups"): rollups,
    ("GET", "/api/v1/energy/quality"): quality,
    ("GET", "/api/v1/energy/dead-letters"): dead_letters,
    ("POST", "/api/v1/energy/dead-letters/{letter_id}/reprocess"): dead_letter_reprocess,
    ("POST", "/api/v1/energy/dead-letters/{letter_id}/dismiss"): dead_letter_dismiss,
    ("GET", "/api/v1/energy/conflicts"): conflicts,
    ("POST", "/api/v1/energy/conflicts/{conflict_id}/resolve"): conflict_resolve,
    ("GET", "/api/v1/energy/gateways/{username}/watermark"): gateway_watermark,
}


# --- counter cleaning: suspect decisions, replacements, quarantine ---------------------------


def _suspect(ent_a, personas):
    _point(ent_a, personas)
    items = [{"point": "A-E1", "ts": f"2026-03-01T10:{m:02d}:00+08:00", "value": 100.0 + m}
             for m in range(6)]  # fmt: skip
    items[2]["value"] = 0.0  # a zero that recovers: refused, one suspect decision
    ingest_items(park_id=ent_a.park_id, items=items, source="direct")
    rollup_pending()
    from parkpilot.energy.models import SuspectDecision

    return SuspectDecision.objects.get()


def suspects(api_as, personas, ent_a, ent_b):
    _suspect(ent_a, personas)
    assert api_as("park_staff").get("/api/v1/energy/suspects").json()["count"] == 1
    for client in _outsiders(api_as):
        assert client.get("/api/v1/energy/suspects").json()["count"] == 0


def suspect_override(api_as, personas, ent_a, ent_b):
    decision = _suspect(ent_a, personas)
    for client in _outsiders(api_as):
        url = f"/api/v1/energy/suspects/{decision.pk}/override"
        assert client.post(url, {"action": "accept"}).status_code == 404
    decision.refresh_from_db()
    assert decision.status == "auto"


def point_replacement(api_as, personas, ent_a, ent_b):
    from parkpilot.energy.models import CounterAnchor

    point = _point(ent_a, personas)
    body = {"ts": T0, "start_value": 0.0}
    for client in _outsiders(api_as):
        url = f"/api/v1/energy/points/{point.pk}/replacement"
        assert client.post(url, body).status_code == 404
    assert not CounterAnchor.objects.exists()


def _quarantined(ent_a, personas):
    from datetime import timedelta

    from django.utils import timezone

    from parkpilot.energy.models import PointQuarantine

    point = _point(ent_a, personas)
    later = timezone.now() + timedelta(hours=1)
    return PointQuarantine.objects.create(point=point, reason="IntegrityError: test",
                                          since=timezone.now(), retry_at=later,
                                          span_lo=0.0, span_hi=1.0)  # fmt: skip


def quarantine(api_as, personas, ent_a, ent_b):
    _quarantined(ent_a, personas)
    assert len(api_as("park_staff").get("/api/v1/energy/quarantine").json()) == 1
    for client in _outsiders(api_as):
        assert client.get("/api/v1/energy/quarantine").json() == []


def quarantine_retry(api_as, personas, ent_a, ent_b):
    row = _quarantined(ent_a, personas)
    for client in _outsiders(api_as):
        url = f"/api/v1/energy/quarantine/{row.pk}/retry"
        assert client.post(url, {}).status_code == 404
    before = row.retry_at
    row.refresh_from_db()
    assert row.retry_at == before


CASES.update(
    {
        ("GET", "/api/v1/energy/suspects"): suspects,
        ("POST", "/api/v1/energy/suspects/{decision_id}/override"): suspect_override,
        ("POST", "/api/v1/energy/points/{point_id}/replacement"): point_replacement,
        ("GET", "/api/v1/energy/quarantine"): quarantine,
        ("POST", "/api/v1/energy/quarantine/{point_id}/retry"): quarantine_retry,
    }
)


# --- dated ownership: a meter's spans and moves ------------------------------------------------


def point_assignments(api_as, personas, ent_a, ent_b):
    point = _point(ent_a, personas)
    for client in _outsiders(api_as):
        assert client.get(f"/api/v1/energy/points/{point.pk}/assignments").status_code == 404


def point_move(api_as, personas, ent_a, ent_b):
    point = _point(ent_a, personas)
    body = {"enterprise_id": ent_b.pk, "zone_id": None, "effective_at": T0, "reason": "x"}
    for client in _outsiders(api_as):
        assert client.post(f"/api/v1/energy/points/{point.pk}/move", body).status_code == 404
    point.refresh_from_db()
    assert point.owner_id == ent_a.pk


CASES.update(
    {
        ("GET", "/api/v1/energy/points/{point_id}/assignments"): point_assignments,
        ("POST", "/api/v1/energy/points/{point_id}/move"): point_move,
    }
)
