"""The ledger's delay alerts move to the alerts framework (parkpilot.alerts): every row is carried
over as an alert of kind "projects.<kind>", then the ledger's own table goes. Its status and level
become one state: open or acknowledged, or escalated if it went up after it was last acknowledged.
Reversible: going back recreates the table and carries the alerts back."""

from django.db import migrations


def _state(old) -> str:
    if old.status == "closed":
        return "closed"
    if old.escalated_at and not (old.acknowledged_at and old.acknowledged_at > old.escalated_at):
        return "escalated"
    return old.status  # open or acknowledged


def carry_over(apps, schema_editor):
    Old = apps.get_model("projects", "ProjectAlert")
    New = apps.get_model("alerts", "Alert")
    for old in Old.objects.select_related("project").iterator():
        project = old.project
        New.objects.create(
            park_id=project.park_id,
            enterprise_id=project.enterprise_id,
            kind=f"projects.{old.kind}",
            subject=f"project:{project.pk}/{old.key}",
            title=project.name[:200],
            detail=old.detail[:500],
            link=f"/projects/{project.pk}/",
            figure={"project_id": project.pk, "key": old.key, "stage": old.stage},
            state=_state(old),
            raised_at=old.raised_at,
            acknowledged_at=old.acknowledged_at,
            acknowledged_by_id=old.acknowledged_by_id,
            escalated_at=old.escalated_at,
            closed_at=old.closed_at,
            closed_by_id=old.closed_by_id,
            close_reason=old.close_reason,
        )


def carry_back(apps, schema_editor):
    Old = apps.get_model("projects", "ProjectAlert")
    New = apps.get_model("alerts", "Alert")
    rows = New.objects.filter(kind__startswith="projects.")
    for new in rows.iterator():
        status = new.state
        if status == "escalated":
            status = "acknowledged" if new.acknowledged_at else "open"
        Old.objects.create(
            project_id=new.figure["project_id"],
            kind=new.kind.removeprefix("projects."),
            stage=new.figure.get("stage"),
            key=new.figure["key"],
            detail=new.detail[:300],
            level=0 if new.escalated_at is None else 1,
            status=status,
            raised_at=new.raised_at,
            escalated_at=new.escalated_at,
            acknowledged_at=new.acknowledged_at,
            acknowledged_by_id=new.acknowledged_by_id,
            closed_at=new.closed_at,
            closed_by_id=new.closed_by_id,
            close_reason=new.close_reason,
        )
    rows.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0004_documents"),
        ("alerts", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(carry_over, carry_back),
        migrations.DeleteModel(name="ProjectAlert"),
    ]
