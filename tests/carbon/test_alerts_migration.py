"""Migration carbon 0005 carries every carbon alert over to the alerts framework, its state read
from its timestamps, before carbon's own table goes."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("carbon", "0004_merge_green_power"), ("alerts", "0001_initial")]
AFTER = [("carbon", "0005_alerts_move_to_framework")]


def _apps_at(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def test_carbon_alerts_are_carried_over():
    try:
        old_apps = _apps_at(BEFORE)
        Park = old_apps.get_model("tenancy", "Park")
        Enterprise = old_apps.get_model("tenancy", "Enterprise")
        OldAlert = old_apps.get_model("carbon", "Alert")
        park = Park.objects.create(code="m", name="迁移园区")
        ent = Enterprise.objects.create(park=park, name="甲", credit_code="91330185MA2H0XXX0X")
        at = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)
        for kind, period, acked, escalated in (
            ("budget_co2", "2026", at, None),
            ("grade_worse", "2026-02", None, at),
            ("budget_energy", "2026", None, None),
        ):
            row = OldAlert.objects.create(
                park=park,
                enterprise=ent,
                kind=kind,
                period=period,
                message=f"{kind} 消息",
                figure={"x": 1},
                acknowledged_at=acked,
                escalated_at=escalated,
            )
        new_apps = _apps_at(AFTER)
        NewAlert = new_apps.get_model("alerts", "Alert")
        rows = {a.kind: a for a in NewAlert.objects.filter(park_id=park.pk)}
        assert {k: a.state for k, a in rows.items()} == {
            "carbon.budget_co2": "acknowledged",
            "carbon.grade_worse": "escalated",
            "carbon.budget_energy": "open",
        }
        carried = rows["carbon.budget_energy"]
        assert (carried.title, carried.enterprise_id, carried.figure) == (
            "budget_energy 消息",
            ent.pk,
            {"x": 1, "period": "2026"},
        )
        assert carried.raised_at == row.created_at
        assert carried.subject == f"enterprise:{ent.pk}/2026"
    finally:
        call_command("migrate", verbosity=0)  # back to the head for the tests after this one
