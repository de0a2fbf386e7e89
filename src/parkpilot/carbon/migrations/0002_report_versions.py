"""Issued report versions (carbon/models_reports.py): each report's existing files become its
version 1, the report gets its number, and the versions are made immutable below the ORM
(PostgreSQL: UPDATE and DELETE refused by a trigger; SQLite: UPDATE refused, DELETE stays open
there because Django's test flush uses it; the model refuses both), as for the audit log."""

import hashlib
import json

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


PG_FORWARD = """
CREATE OR REPLACE FUNCTION carbon_reportversion_immutable() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'an issued report version is immutable';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER carbon_reportversion_immutable
  BEFORE UPDATE OR DELETE ON carbon_reportversion
  FOR EACH ROW EXECUTE FUNCTION carbon_reportversion_immutable();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS carbon_reportversion_immutable ON carbon_reportversion;
DROP FUNCTION IF EXISTS carbon_reportversion_immutable();
"""
SQLITE_FORWARD = """
CREATE TRIGGER carbon_reportversion_no_update BEFORE UPDATE ON carbon_reportversion
BEGIN SELECT RAISE(ABORT, 'an issued report version is immutable'); END;
"""
SQLITE_REVERSE = "DROP TRIGGER IF EXISTS carbon_reportversion_no_update;"


def immutable(apps, schema_editor):
    sql = {"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


def mutable(apps, schema_editor):
    sql = {"postgresql": PG_REVERSE, "sqlite": SQLITE_REVERSE}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def files_to_version_1(apps, schema_editor):
    """Each report made before versions existed becomes its own version 1, bytes unchanged."""
    Report = apps.get_model("carbon", "Report")
    ReportVersion = apps.get_model("carbon", "ReportVersion")
    for r in Report.objects.select_related("park").iterator():
        period = f"{r.year}-{r.month:02d}" if r.month else str(r.year)
        r.number = f"CR-{r.park.code.upper()}-{period}-{r.enterprise_id:05d}"
        r.latest_version = 1
        r.save(update_fields=["number", "latest_version"])
        content = r.content or {}
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        ReportVersion.objects.create(
            report=r, park_id=r.park_id, enterprise_id=r.enterprise_id, version=1,
            content=content, pdf=bytes(r.pdf), xlsx=bytes(r.xlsx),
            content_sha256=_sha(canonical.encode()), pdf_sha256=_sha(bytes(r.pdf)),
            xlsx_sha256=_sha(bytes(r.xlsx)), completeness=content.get("completeness") or {},
            is_demo=bool((content.get("enterprise") or {}).get("demo")),
            issued_by_label="system", issued_at=r.generated_at, batch_id=r.batch_id,
            reason="made before report versions existed",
        )  # fmt: skip
    if schema_editor.connection.vendor == "postgresql":
        # Run the deferred foreign-key checks now: PostgreSQL refuses to ALTER a table with
        # pending trigger events, and the next operations alter carbon_report.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("carbon", "0001_initial"),
        ("tenancy", "0002_audit_log_append_only"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    operations = [
        migrations.CreateModel(
            name="ReportVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("version", models.PositiveSmallIntegerField(verbose_name="version")),
                ("content", models.JSONField()),
                ("pdf", models.BinaryField()),
                ("xlsx", models.BinaryField()),
                ("content_sha256", models.CharField(max_length=64)),
                ("pdf_sha256", models.CharField(max_length=64)),
                ("xlsx_sha256", models.CharField(max_length=64)),
                ("factors", models.JSONField(default=list)),
                ("completeness", models.JSONField(default=dict)),
                ("is_demo", models.BooleanField(default=False, verbose_name="demo data")),
                ("difference", models.JSONField(default=list)),
                ("reason", models.CharField(blank=True, max_length=500, verbose_name="reason")),
                ("issued_by_label", models.CharField(max_length=150)),
                ("issued_at", models.DateTimeField()),
                (
                    "batch",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="carbon.reportbatch",
                    ),
                ),
                (
                    "enterprise",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.enterprise",
                    ),
                ),
                (
                    "issued_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "park",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.park",
                    ),
                ),
                (
                    "report",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="versions",
                        to="carbon.report",
                    ),
                ),
            ],
            options={
                "verbose_name": "issued report version",
                "ordering": ["report_id", "-version"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("report", "version"), name="carbon_report_version"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="report",
            name="latest_version",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="report",
            name="number",
            field=models.CharField(default="", max_length=64, verbose_name="report number"),
        ),
        migrations.AddField(
            model_name="reportbatch",
            name="created_by",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="reportbatch",
            name="heartbeat_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.AddField(
            model_name="reportbatch",
            name="reason",
            field=models.CharField(blank=True, max_length=500),
        ),
        migrations.AlterField(
            model_name="reportbatch",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "queued"),
                    ("running", "running"),
                    ("done", "done"),
                    ("failed", "failed"),
                ],
                default="queued",
                max_length=10,
            ),
        ),
        migrations.RunPython(files_to_version_1, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="report",
            name="number",
            field=models.CharField(max_length=64, unique=True, verbose_name="report number"),
        ),
        migrations.RemoveField(
            model_name="report",
            name="content",
        ),
        migrations.RemoveField(
            model_name="report",
            name="pdf",
        ),
        migrations.RemoveField(
            model_name="report",
            name="xlsx",
        ),
        migrations.RunPython(immutable, mutable),
    ]
