"""Every write by a person or token is recorded, and nobody can change the record."""

import io

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from parkpilot.tenancy.models import AuditLog

pytestmark = pytest.mark.django_db


def test_create_by_token_is_audited(api_as, personas, park):
    response = api_as("park_staff").post(
        "/api/v1/enterprises", {"name": "审计测试有限公司", "credit_code": "914403001922038216"}
    )
    entry = AuditLog.objects.get(action="enterprise.create")
    assert entry.actor == personas["park_staff"]
    assert entry.via == "token"
    assert entry.park == park
    assert entry.object_id == str(response.json()["id"])
    assert entry.before is None
    assert entry.after["name"] == "审计测试有限公司"
    assert entry.after["credit_code"] == "914403001922038216"


def test_update_records_only_what_changed(api_as, personas, ent_a):
    api_as("ent_a_admin").patch(f"/api/v1/enterprises/{ent_a.pk}", {"employees": 42})
    entry = AuditLog.objects.get(action="enterprise.update")
    assert entry.actor == personas["ent_a_admin"]
    assert entry.before == {"employees": None}
    assert entry.after == {"employees": 42}


def test_update_that_changes_nothing_writes_no_entry(api_as, ent_a):
    api_as("park_admin").patch(f"/api/v1/enterprises/{ent_a.pk}", {"name": ent_a.name})
    assert not AuditLog.objects.filter(action="enterprise.update").exists()


def test_refused_write_leaves_no_entry(api_as, ent_a):
    api_as("ent_a_user").patch(f"/api/v1/enterprises/{ent_a.pk}", {"employees": 1})
    assert not AuditLog.objects.filter(action="enterprise.update").exists()


def test_token_creation_is_audited(personas):
    call_command("token", "staff", stdout=io.StringIO())
    entry = AuditLog.objects.get(action="api_token.create")
    assert entry.via == "cli"
    assert entry.after["user"] == "staff"


def _an_entry(api_as, ent_a) -> AuditLog:
    api_as("park_admin").patch(f"/api/v1/enterprises/{ent_a.pk}", {"employees": 7})
    return AuditLog.objects.get(action="enterprise.update")


def test_orm_cannot_edit_or_delete(api_as, ent_a):
    entry = _an_entry(api_as, ent_a)
    entry.after = {"employees": 8}
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditLog.objects.filter(pk=entry.pk).update(after={})
    with pytest.raises(PermissionError):
        AuditLog.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.after == {"employees": 7}


def test_database_refuses_update_below_the_orm(api_as, ent_a):
    entry = _an_entry(api_as, ent_a)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE tenancy_auditlog SET actor_label = 'x' WHERE id = %s", [entry.pk])
    entry.refresh_from_db()
    assert entry.actor_label == "admin"


def test_postgresql_refuses_delete_below_the_orm(api_as, ent_a):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps DELETE open for the test runner's flush (see migration 0002)")
    entry = _an_entry(api_as, ent_a)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM tenancy_auditlog WHERE id = %s", [entry.pk])
    assert AuditLog.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize(
    "persona,status",
    [
        ("park_admin", 200),
        ("supervisor", 200),
        ("park_staff", 403),
        ("ent_a_admin", 403),
        ("resident", 403),
    ],
)
def test_who_reads_the_audit_log(api_as, ent_a, persona, status):
    _an_entry(api_as, ent_a)
    response = api_as(persona).get("/api/v1/audit")
    assert response.status_code == status
    if status == 200:
        items = response.json()["items"]
        actions = [e["action"] for e in items if e["object_type"] == "tenancy.enterprise"]
        assert actions == ["enterprise.update"]
