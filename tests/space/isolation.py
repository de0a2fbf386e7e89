"""Land and space API routes (tests/tenancy/test_route_isolation.py): parcels and buildings are
the park's (park roles read them; enterprises and other parks get nothing, 404 by id), and the
亩均 results are staff's in full and an enterprise's own row only."""

from decimal import Decimal

from parkpilot.economy.models import EnterpriseMonthly
from parkpilot.space.models import Building, Floor, Lease, MujunScheme, Parcel, Unit

OUTSIDERS = ("ent_a_user", "resident", "other_park_admin")


def land(park, suffix="1"):
    parcel = Parcel.objects.create(park=park, code=f"330112001002GB0000{suffix}", name="P",
                                   kind="supply", use="industrial", area_m2=1000)  # fmt: skip
    building = Building.objects.create(park=park, parcel=parcel, name="B")
    floor = Floor.objects.create(building=building, number=1, area_m2=400)
    unit = Unit.objects.create(floor=floor, code="101", area_m2=400)
    return parcel, building, unit


def _parcels(api_as, personas, ent_a, ent_b):
    parcel, _b, _u = land(ent_a.park)
    assert [p["code"] for p in api_as("park_staff").get("/api/v1/space/parcels").json()] == [
        parcel.code
    ]
    for persona in OUTSIDERS:
        assert api_as(persona).get("/api/v1/space/parcels").json() == [], persona


def _parcel(api_as, personas, ent_a, ent_b):
    parcel, _b, _u = land(ent_a.park)
    url = f"/api/v1/space/parcels/{parcel.pk}"
    assert api_as("supervisor").get(url).json()["area_m2"] == "1000.00"
    for persona in OUTSIDERS:
        assert api_as(persona).get(url).status_code == 404, persona


def _buildings(api_as, personas, ent_a, ent_b):
    _p, building, _u = land(ent_a.park)
    listed = api_as("park_staff").get("/api/v1/space/buildings").json()
    assert [b["id"] for b in listed] == [building.pk]
    for persona in OUTSIDERS:
        assert api_as(persona).get("/api/v1/space/buildings").json() == [], persona


def _occupancy(api_as, personas, ent_a, ent_b):
    _p, building, unit = land(ent_a.park)
    Lease.objects.create(unit=unit, enterprise=ent_a, start="2024-01-01")
    url = f"/api/v1/space/buildings/{building.pk}/occupancy?day=2024-06-01"
    got = api_as("park_staff").get(url).json()
    assert (Decimal(got["let_m2"]), Decimal(got["occupancy_pct"])) == (400, 100)
    for persona in OUTSIDERS:  # the tenant itself reads its lease, not the building's figures
        assert api_as(persona).get(url).status_code == 404, persona


def evaluated(park, ent_a, ent_b):
    """Two holders of 1,500 m² each (2.25 亩) with December 2022 figures, no meters: A 300 万元
    value added and 60 tax, B 150 and 30."""
    for i, (ent, va, tax) in enumerate(((ent_a, "300", "60"), (ent_b, "150", "30"))):
        Parcel.objects.create(park=park, code=f"330112001002GB0010{i}", name=f"P{i}",
                              kind="supply", use="industrial", area_m2=1500,
                              enterprise=ent)  # fmt: skip
        EnterpriseMonthly.objects.create(park=park, enterprise=ent, year=2022, month=12,
                                         value_added=Decimal(va), tax=Decimal(tax))  # fmt: skip
    MujunScheme.objects.create(park=park, year=2022, document="测试", cap=2,
                               weights={"tax_per_mu": 60, "va_per_mu": 40},
                               cutoffs={"A": 50, "B": 80, "C": 95})  # fmt: skip


def _mujun_year(api_as, personas, ent_a, ent_b):
    evaluated(ent_a.park, ent_a, ent_b)
    staff = api_as("park_staff").get("/api/v1/space/mujun/2022").json()
    assert [(r["enterprise_id"], r["mujun_class"]) for r in staff] == [(ent_a.pk, "A"),
                                                                      (ent_b.pk, "D")]  # fmt: skip
    own = api_as("ent_a_user").get("/api/v1/space/mujun/2022").json()
    assert [r["enterprise_id"] for r in own] == [ent_a.pk]
    for persona in ("resident", "other_park_admin"):
        assert api_as(persona).get("/api/v1/space/mujun/2022").json() == [], persona


def _mujun_enterprise(api_as, personas, ent_a, ent_b):
    evaluated(ent_a.park, ent_a, ent_b)
    url = f"/api/v1/space/mujun/2022/{ent_b.pk}"
    assert api_as("ent_b_user").get(url).json()["rank"] == 2
    for persona in ("ent_a_user", "resident", "other_park_admin"):
        assert api_as(persona).get(url).status_code == 404, persona


def ladder(park, ent_a):
    """An incubator holding ent_a since 2024-01-01 and an accelerator above it (no criteria)."""
    from parkpilot.space.models import IncubationSpace, LadderStep

    incubator = IncubationSpace.objects.create(park=park, name="孵化器", stage="incubator",
                                               location="L", area_m2=100, capacity=5)  # fmt: skip
    accelerator = IncubationSpace.objects.create(park=park, name="加速器", stage="accelerator",
                                                 location="L", area_m2=100, capacity=5)  # fmt: skip
    LadderStep.objects.create(enterprise=ent_a, space=incubator, stage="incubator",
                              entered_on="2024-01-01")  # fmt: skip
    return incubator, accelerator


def _incubation_spaces(api_as, personas, ent_a, ent_b):
    ladder(ent_a.park, ent_a)
    listed = api_as("supervisor").get("/api/v1/space/incubation/spaces").json()
    assert [(s["stage"], s["occupied"]) for s in listed] == [("incubator", 1), ("accelerator", 0)]
    for persona in OUTSIDERS:
        assert api_as(persona).get("/api/v1/space/incubation/spaces").json() == [], persona


def _ladder_steps(api_as, personas, ent_a, ent_b):
    ladder(ent_a.park, ent_a)
    assert [s["enterprise_id"] for s in api_as("ent_a_user").get(
        "/api/v1/space/incubation/steps").json()] == [ent_a.pk]  # fmt: skip
    for persona in ("ent_b_user", "resident", "other_park_admin"):
        assert api_as(persona).get("/api/v1/space/incubation/steps").json() == [], persona


def _ladder_move(api_as, personas, ent_a, ent_b):
    from parkpilot.space.models import LadderStep

    _incubator, accelerator = ladder(ent_a.park, ent_a)
    body = {"enterprise_id": ent_a.pk, "space_id": accelerator.pk, "on": "2024-06-01"}
    for persona in ("ent_b_user", "resident", "other_park_admin"):
        assert api_as(persona).post("/api/v1/space/incubation/moves", body).status_code == 404
    # The enterprise itself sees both, but moving up is the park's decision.
    assert api_as("ent_a_user").post("/api/v1/space/incubation/moves", body).status_code == 404
    assert LadderStep.objects.filter(enterprise=ent_a).count() == 1  # nothing written
    made = api_as("park_staff").post("/api/v1/space/incubation/moves", body)
    assert (made.status_code, made.json()["stage"]) == (201, "accelerator")
    bad = api_as("park_staff").post("/api/v1/space/incubation/moves", body | {"on": "2024-07-01"})
    # Moved again (a second move from the accelerator would need the small-enterprise park).
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "space"


def _parcel_create(api_as, personas, ent_a, ent_b):
    body = {"code": "330112001002GB00031", "name": "新地块", "kind": "supply", "use": "industrial",
            "area_m2": "1000", "enterprise_id": ent_a.pk}  # fmt: skip
    bare = {k: v for k, v in body.items() if k != "enterprise_id"}
    for persona in ("ent_a_admin", "resident"):  # may not create at all: 403, nothing written
        assert api_as(persona).post("/api/v1/space/parcels", bare).status_code == 403, persona
    # Another park's admin names this park's enterprise: unknown to it, refused by field.
    foreign = api_as("other_park_admin").post("/api/v1/space/parcels", body)
    assert foreign.status_code == 422 and foreign.json()["detail"][0]["loc"][-1] == "enterprise_id"
    assert not Parcel.objects.exists()
    made = api_as("park_staff").post("/api/v1/space/parcels", body)
    assert (made.status_code, made.json()["enterprise_id"]) == (201, ent_a.pk)


def _parcel_steps(api_as, personas, ent_a, ent_b):
    parcel, _b, _u = land(ent_a.park)
    url = f"/api/v1/space/parcels/{parcel.pk}/steps"
    body = {"status": "approved", "on": "2024-01-01"}
    for persona in OUTSIDERS:
        assert api_as(persona).post(url, body).status_code == 404, persona
    assert not parcel.steps.exists()
    made = api_as("park_staff").post(url, body)
    assert (made.status_code, made.json()["status"]) == (201, "approved")
    skipped = api_as("park_staff").post(url, {"status": "operating", "on": "2024-02-01"})
    assert skipped.status_code == 422 and skipped.json()["detail"][0]["loc"][-1] == "status"


def _parcel_outline(api_as, personas, ent_a, ent_b):
    parcel, _b, _u = land(ent_a.park)
    url = f"/api/v1/space/parcels/{parcel.pk}/outline"
    square = {"type": "Polygon", "coordinates": [[[119.78, 30.23], [119.79, 30.23],
                                                  [119.79, 30.24], [119.78, 30.23]]]}  # fmt: skip
    for persona in OUTSIDERS:
        assert api_as(persona).request("put", url, {"outline": square}).status_code == 404
    parcel.refresh_from_db()
    assert parcel.outline is None
    done = api_as("park_staff").request("put", url, {"outline": square})
    assert done.status_code == 200, done.json()
    parcel.refresh_from_db()
    assert parcel.outline == square


def _lease_create(api_as, personas, ent_a, ent_b):
    _p, _b, unit = land(ent_a.park)
    body = {"unit_id": unit.pk, "enterprise_id": ent_a.pk, "start": "2024-01-01"}
    other = api_as("other_park_admin").post("/api/v1/space/leases", body)
    assert other.status_code == 422 and other.json()["detail"][0]["loc"][-1] == "unit_id"
    assert api_as("ent_a_admin").post("/api/v1/space/leases", body).status_code in (403, 422)
    assert not Lease.objects.exists()
    made = api_as("park_staff").post("/api/v1/space/leases", body)
    assert (made.status_code, made.json()["unit_id"]) == (201, unit.pk)


def _lease_end(api_as, personas, ent_a, ent_b):
    _p, _b, unit = land(ent_a.park)
    lease = Lease.objects.create(unit=unit, enterprise=ent_a, start="2024-01-01")
    url = f"/api/v1/space/leases/{lease.pk}/end"
    for persona in ("ent_b_user", "resident", "other_park_admin"):
        assert api_as(persona).post(url, {"end": "2024-06-30"}).status_code == 404, persona
    # The tenant reads its own lease but may not end it.
    assert api_as("ent_a_admin").post(url, {"end": "2024-06-30"}).status_code == 403
    lease.refresh_from_db()
    assert lease.end is None
    done = api_as("park_staff").post(url, {"end": "2024-06-30"})
    assert (done.status_code, done.json()["end"]) == (200, "2024-06-30")


CASES = {
    ("POST", "/api/v1/space/parcels"): _parcel_create,
    ("POST", "/api/v1/space/parcels/{parcel_id}/steps"): _parcel_steps,
    ("PUT", "/api/v1/space/parcels/{parcel_id}/outline"): _parcel_outline,
    ("POST", "/api/v1/space/leases"): _lease_create,
    ("POST", "/api/v1/space/leases/{lease_id}/end"): _lease_end,
    ("GET", "/api/v1/space/incubation/spaces"): _incubation_spaces,
    ("GET", "/api/v1/space/incubation/steps"): _ladder_steps,
    ("POST", "/api/v1/space/incubation/moves"): _ladder_move,
    ("GET", "/api/v1/space/parcels"): _parcels,
    ("GET", "/api/v1/space/parcels/{parcel_id}"): _parcel,
    ("GET", "/api/v1/space/buildings"): _buildings,
    ("GET", "/api/v1/space/buildings/{building_id}/occupancy"): _occupancy,
    ("GET", "/api/v1/space/mujun/{year}"): _mujun_year,
    ("GET", "/api/v1/space/mujun/{year}/{enterprise_id}"): _mujun_enterprise,
}
