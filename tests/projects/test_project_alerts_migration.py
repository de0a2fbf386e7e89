"""Migration projects 0005 carries every delay alert of the ledger over to the alerts framework
(status and level become one state) before the ledger's own table goes, and carries them back
when it is reversed."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("projects", "0004_documents"), ("alerts", "0001_initial")]
AFTER = [("projects", "0005_alerts_move_to_framework")]


def _apps_at(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def test_delay_alerts_are_carried_over_and_back():
    try:
        old_apps = _apps_at(BEFORE)
        Park = old_apps.get_model("tenancy", "Park")
        Enterprise = old_apps.get_model("tenancy", "Enterprise")
        Project = old_apps.get_model("projects", "Project")
        OldAlert = old_apps.get_model("projects", "ProjectAlert")
        park = Park.objects.create(code="m", name="迁移园区")
        ent = Enterprise.objects.create(park=park, name="甲", credit_code="91330185MA2H0XXX0X")
        project = Project.objects.create(park=park, enterprise=ent, name="迁移项目")
        day = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)
        later = day + datetime.timedelta(days=8)
        after = later + datetime.timedelta(hours=1)
        # (kind, key, status, level, acknowledged_at, escalated_at) -> the state expected.
        rows = {
            "stage:2": ("stage_overdue", "open", 0, None, None, "open"),
            "investment": ("investment_behind", "open", 1, None, later, "escalated"),
            # Acknowledged, then escalated (the clock runs on): escalated.
            "no_update": ("no_update", "acknowledged", 1, day, later, "escalated"),
            # Escalated, then acknowledged by leadership: acknowledged.
            "stage:3": ("stage_overdue", "acknowledged", 1, after, later, "acknowledged"),
            "stage:4": ("stage_overdue", "closed", 0, None, None, "closed"),
        }  # fmt: skip
        for key, (kind, status, level, acked, escalated, _state) in rows.items():
            OldAlert.objects.create(
                project=project, kind=kind, key=key, stage=int(key[6:]) if ":" in key else None,
                detail=f"{key} 说明", level=level, status=status, raised_at=day,
                acknowledged_at=acked, escalated_at=escalated,
                closed_at=later if status == "closed" else None,
                close_reason="延期已获批准" if status == "closed" else "",
            )  # fmt: skip

        new_apps = _apps_at(AFTER)
        NewAlert = new_apps.get_model("alerts", "Alert")
        carried = {a.figure["key"]: a for a in NewAlert.objects.filter(park_id=park.pk)}
        assert {k: a.state for k, a in carried.items()} == {k: r[5] for k, r in rows.items()}
        one = carried["stage:2"]
        assert (one.kind, one.subject, one.title, one.detail, one.link, one.enterprise_id) == (
            "projects.stage_overdue",
            f"project:{project.pk}/stage:2",
            "迁移项目",
            "stage:2 说明",
            f"/projects/{project.pk}/",
            ent.pk,
        )
        assert one.figure == {"project_id": project.pk, "key": "stage:2", "stage": 2}
        assert one.raised_at == day
        assert carried["stage:4"].close_reason == "延期已获批准"

        back_apps = _apps_at(BEFORE)
        Back = back_apps.get_model("projects", "ProjectAlert")
        back = {a.key: (a.status, a.level) for a in Back.objects.filter(project_id=project.pk)}
        assert back == {
            "stage:2": ("open", 0),
            "investment": ("open", 1),
            "no_update": ("acknowledged", 1),
            "stage:3": ("acknowledged", 1),
            "stage:4": ("closed", 0),
        }
        assert not back_apps.get_model("alerts", "Alert").objects.filter(park_id=park.pk).exists()
    finally:
        call_command("migrate", verbosity=0)  # back to the head for the tests after this one
