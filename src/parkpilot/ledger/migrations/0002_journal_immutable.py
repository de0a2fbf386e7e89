"""Make journal entries and postings immutable in the database itself, below the ORM, as the
audit log is (tenancy 0002): PostgreSQL refuses UPDATE and DELETE by a row trigger (TRUNCATE
stays for the test runner's flush); SQLite refuses UPDATE (Django's test flush deletes)."""

from django.db import migrations

TABLES = ("ledger_entry", "ledger_posting")

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION ledger_journal_immutable() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'journal rows are immutable: post a reversing entry';
END;
$$ LANGUAGE plpgsql;
"""


def _pg_forward(table):
    return (
        f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION ledger_journal_immutable();"
    )


def _sqlite_forward(table):
    return (
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        "BEGIN SELECT RAISE(ABORT, 'journal rows are immutable: post a reversing entry'); END;"
    )


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION)
        for table in TABLES:
            schema_editor.execute(_pg_forward(table))
    elif vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(_sqlite_forward(table))


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table};")
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update;")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS ledger_journal_immutable();")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_journal")]
    operations = [migrations.RunPython(forward, reverse)]
