"""Tenant isolation of /api/v1/alerts (collected by tests/tenancy/test_route_isolation.py):
enterprise B's user and another park's admin neither list, read nor act on A's alert."""

from parkpilot.alerts import services
from parkpilot.alerts.models import Alert, State
from parkpilot.tenancy.actors import system_actor

OUTSIDERS = ("ent_b_user", "other_park_admin")


def _alert(ent_a) -> Alert:
    alert, _created = services.alert_raise(
        actor=system_actor(ent_a.park), park=ent_a.park, kind="carbon.budget_co2",
        subject=f"carbon.enterprise:{ent_a.pk}/iso",
        title="碳排放预计超出预算", enterprise_id=ent_a.pk,
    )  # fmt: skip
    return alert


def _list(api_as, personas, ent_a, ent_b):
    alert = _alert(ent_a)
    assert alert.pk in [a["id"] for a in api_as("ent_a_user").get("/api/v1/alerts").json()["items"]]
    for persona in OUTSIDERS:
        items = api_as(persona).get("/api/v1/alerts").json()["items"]
        assert alert.pk not in [a["id"] for a in items]


def _detail(api_as, personas, ent_a, ent_b):
    alert = _alert(ent_a)
    assert api_as("ent_a_user").get(f"/api/v1/alerts/{alert.pk}").status_code == 200
    for persona in OUTSIDERS:
        assert api_as(persona).get(f"/api/v1/alerts/{alert.pk}").status_code == 404


def _step(step, body):
    def case(api_as, personas, ent_a, ent_b):
        alert = _alert(ent_a)
        for persona in OUTSIDERS:
            answer = api_as(persona).post(f"/api/v1/alerts/{alert.pk}/{step}", body)
            assert answer.status_code == 404
        assert Alert.objects.get(pk=alert.pk).state == State.OPEN

    return case


CASES = {
    ("GET", "/api/v1/alerts"): _list,
    ("GET", "/api/v1/alerts/{alert_id}"): _detail,
    ("POST", "/api/v1/alerts/{alert_id}/acknowledge"): _step("acknowledge", {}),
    ("POST", "/api/v1/alerts/{alert_id}/close"): _step("close", {"reason": "x"}),
}
