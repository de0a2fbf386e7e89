"""Tenant isolation of /api/v1/cockpit (collected by tests/tenancy/test_route_isolation.py)."""

from decimal import Decimal

from parkpilot.economy.models import EnterpriseMonthly


def _cockpit(api_as, personas, ent_a, ent_b):
    ent_a.above_scale = True
    ent_a.save()
    EnterpriseMonthly.objects.create(
        park=ent_a.park,
        enterprise=ent_a,
        year=2022,
        month=1,
        output_value=Decimal("123456"),
        value_added=Decimal("20000"),
    )
    # Enterprise users do not get the park cockpit at all (a page, not an object: 403).
    for persona in ("ent_a_user", "ent_b_user", "resident", "gateway"):
        assert api_as(persona).get("/api/v1/cockpit").status_code == 403
    # Another park's admin gets its own park's cockpit, without ent_a's figures.
    body = api_as("other_park_admin").get("/api/v1/cockpit").json()
    tiles = {t["key"]: t for t in body["tiles"]}
    assert tiles["economy.output"]["value"] == "—"
    assert "12.3" not in str(body)
    mine = {t["key"]: t for t in api_as("park_staff").get("/api/v1/cockpit").json()["tiles"]}
    assert mine["economy.output"]["value"] == 12.3


def _drill_park(api_as, personas, ent_a, ent_b):
    # The park's level sums every enterprise: enterprise users get 404, as on the page.
    for persona in ("ent_a_user", "ent_b_user"):
        assert api_as(persona).get("/api/v1/cockpit/drill").status_code == 404
    other = api_as("other_park_admin").get("/api/v1/cockpit/drill").json()
    assert ent_a.zone.name not in str(other)
    assert api_as("park_staff").get("/api/v1/cockpit/drill").status_code == 200


def _drill_level(api_as, personas, ent_a, ent_b):
    url = f"/api/v1/cockpit/drill/enterprise/{ent_a.pk}"
    assert api_as("ent_a_user").get(url).status_code == 200
    for persona in ("ent_b_user", "other_park_admin"):
        assert api_as(persona).get(url).status_code == 404
        zone = api_as(persona).get(f"/api/v1/cockpit/drill/zone/{ent_a.zone_id}")
        assert zone.status_code == 404


CASES = {
    ("GET", "/api/v1/cockpit"): _cockpit,
    ("GET", "/api/v1/cockpit/drill"): _drill_park,
    ("GET", "/api/v1/cockpit/drill/{level}/{pk}"): _drill_level,
}
