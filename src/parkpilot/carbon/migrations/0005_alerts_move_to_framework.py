"""Carbon's alerts move to the alerts framework (parkpilot.alerts): every row is carried over,
with its state from its timestamps, then carbon's own table goes."""

from django.db import migrations


def carry_over(apps, schema_editor):
    Old = apps.get_model("carbon", "Alert")
    New = apps.get_model("alerts", "Alert")
    for old in Old.objects.all().iterator():
        if old.acknowledged_at:
            state = "acknowledged"
        elif old.escalated_at:
            state = "escalated"
        else:
            state = "open"
        New.objects.create(
            park_id=old.park_id,
            enterprise_id=old.enterprise_id,
            kind=f"carbon.{old.kind}",
            subject=f"enterprise:{old.enterprise_id}/{old.period}",
            title=old.message[:200],
            detail=old.message[:500],
            link="/carbon/mine/",
            figure={**(old.figure or {}), "period": old.period},
            state=state,
            raised_at=old.created_at,
            acknowledged_at=old.acknowledged_at,
            escalated_at=old.escalated_at,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("carbon", "0004_merge_green_power"),
        ("alerts", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(carry_over, migrations.RunPython.noop),
        migrations.DeleteModel(name="Alert"),
    ]
