"""Make the audit log append-only in the database itself, below the ORM.

PostgreSQL: a row trigger refuses UPDATE and DELETE (TRUNCATE, an owner-only bulk operation, stays
possible for the test runner's flush). SQLite: a trigger refuses UPDATE; DELETE is refused by
the model layer only, because Django's test flush issues DELETE on SQLite."""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION tenancy_auditlog_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER tenancy_auditlog_append_only
  BEFORE UPDATE OR DELETE ON tenancy_auditlog
  FOR EACH ROW EXECUTE FUNCTION tenancy_auditlog_append_only();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS tenancy_auditlog_append_only ON tenancy_auditlog;
DROP FUNCTION IF EXISTS tenancy_auditlog_append_only();
"""
SQLITE_FORWARD = """
CREATE TRIGGER tenancy_auditlog_no_update BEFORE UPDATE ON tenancy_auditlog
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""
SQLITE_REVERSE = "DROP TRIGGER IF EXISTS tenancy_auditlog_no_update;"


def forward(apps, schema_editor):
    sql = {"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


def reverse(apps, schema_editor):
    sql = {"postgresql": PG_REVERSE, "sqlite": SQLITE_REVERSE}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]
