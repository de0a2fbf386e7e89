"""Tenant isolation of /api/v1/grid (collected by tests/tenancy/test_route_isolation.py): another
enterprise's person sees only the published cases, another park's admin nothing of this park."""

from parkpilot.grid import services

OUTSIDERS = ("ent_b_user", "other_park_admin")
RING = [[119.80, 30.24], [119.81, 30.24], [119.81, 30.25], [119.80, 30.25], [119.80, 30.24]]


def _grid(personas, ent_a):
    return services.grid_create(
        actor=personas["park_staff"], park=ent_a.park, code="330112003001001", name="网格一",
        boundary={"type": "Polygon", "coordinates": [RING]},
    )  # fmt: skip


def _private_case(personas, ent_a):
    _grid(personas, ent_a)
    report = services.report_submit(
        actor=personas["ent_a_user"], park=ent_a.park, category="01.01", description="垃圾",
        lon=119.805, lat=30.245, public=False,
    )  # fmt: skip
    return report.case


def _grids(api_as, personas, ent_a, ent_b):
    grid = _grid(personas, ent_a)
    mine = api_as("ent_b_user").get("/api/v1/grid/grids").json()["items"]
    assert [g["id"] for g in mine] == [grid.pk]  # the park's map is shared in the park
    other = api_as("other_park_admin").get("/api/v1/grid/grids").json()["items"]
    assert grid.pk not in [g["id"] for g in other]


def _locate(api_as, personas, ent_a, ent_b):
    grid = _grid(personas, ent_a)
    url = "/api/v1/grid/locate?lon=119.805&lat=30.245"
    assert api_as("ent_b_user").get(url).json()["grid"]["id"] == grid.pk
    assert api_as("other_park_admin").get(url).json()["grid"] is None


def _cases(api_as, personas, ent_a, ent_b):
    case = _private_case(personas, ent_a)
    own = api_as("ent_a_user").get("/api/v1/grid/cases").json()["items"]
    assert [c["id"] for c in own] == [case.pk]
    for persona in OUTSIDERS:
        assert api_as(persona).get("/api/v1/grid/cases").json()["items"] == []


def _case_detail(api_as, personas, ent_a, ent_b):
    case = _private_case(personas, ent_a)
    assert api_as("ent_a_user").get(f"/api/v1/grid/cases/{case.pk}").status_code == 200
    for persona in OUTSIDERS:
        assert api_as(persona).get(f"/api/v1/grid/cases/{case.pk}").status_code == 404


CASES = {
    ("GET", "/api/v1/grid/grids"): _grids,
    ("GET", "/api/v1/grid/locate"): _locate,
    ("GET", "/api/v1/grid/cases"): _cases,
    ("GET", "/api/v1/grid/cases/{case_id}"): _case_detail,
}
