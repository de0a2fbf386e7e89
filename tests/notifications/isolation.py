"""Tenant isolation of /api/v1/notifications (collected by tests/tenancy/test_route_isolation.py):
notifications are personal, so even the recipient's own park admin neither lists nor reads them."""

from parkpilot.notifications.models import Notification
from parkpilot.notifications.services import notify


def _mine(personas, ent_a):
    return notify(park=ent_a.park, recipients=[personas["ent_a_user"]], kind="t", title="私信")[0]


def _list(api_as, personas, ent_a, ent_b):
    _mine(personas, ent_a)
    assert api_as("ent_a_user").get("/api/v1/notifications").json()["count"] == 1  # not vacuous
    for persona in ("ent_b_user", "park_admin", "other_park_admin"):
        assert api_as(persona).get("/api/v1/notifications").json()["count"] == 0


def _unread(api_as, personas, ent_a, ent_b):
    _mine(personas, ent_a)
    assert api_as("ent_a_user").get("/api/v1/notifications/unread").json() == {"unread": 1}
    for persona in ("ent_b_user", "park_admin", "other_park_admin"):
        assert api_as(persona).get("/api/v1/notifications/unread").json() == {"unread": 0}


def _read(api_as, personas, ent_a, ent_b):
    note = _mine(personas, ent_a)
    for persona in ("ent_b_user", "park_admin", "other_park_admin"):
        assert api_as(persona).post(f"/api/v1/notifications/{note.pk}/read", {}).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def _read_all(api_as, personas, ent_a, ent_b):
    note = _mine(personas, ent_a)
    for persona in ("ent_b_user", "park_admin", "other_park_admin"):
        assert api_as(persona).post("/api/v1/notifications/read-all", {}).json() == {"marked": 0}
    assert Notification.objects.get(pk=note.pk).read_at is None


CASES = {
    ("GET", "/api/v1/notifications"): _list,
    ("GET", "/api/v1/notifications/unread"): _unread,
    ("POST", "/api/v1/notifications/{notification_id}/read"): _read,
    ("POST", "/api/v1/notifications/read-all"): _read_all,
}
