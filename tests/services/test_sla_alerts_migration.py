"""Migration services 0006 turns what the SLA scan had recorded on a request (its flags, its
escalation time, timed by the scan's audit rows) into alerts of the framework, before the fields
go; reversed, it rebuilds them."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("services", "0005_event_comment_urge"), ("alerts", "0001_initial")]
AFTER = [("services", "0006_sla_alerts_move_to_framework")]


def _apps_at(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def test_sla_flags_become_alerts_and_come_back():
    try:
        old = _apps_at(BEFORE)
        Park = old.get_model("tenancy", "Park")
        Enterprise = old.get_model("tenancy", "Enterprise")
        User = old.get_model("tenancy", "User")
        Request = old.get_model("services", "ServiceRequest")
        AuditLog = old.get_model("tenancy", "AuditLog")
        park = Park.objects.create(code="m", name="迁移园区")
        ent = Enterprise.objects.create(park=park, name="甲", credit_code="91330185MA2H0XXX0X")
        user = User.objects.create(username="m-user", park=park, enterprise=ent)
        d = datetime.date
        escalated = datetime.datetime(2026, 11, 25, 2, tzinfo=datetime.UTC)
        # Assigned late: the response timer was reminded and escalated, then stopped; the plan
        # timer (due 11-27) is running and was reminded.
        req = Request.objects.create(
            park=park, enterprise=ent, title="用电增容", category="energy", description="x",
            raised_by=user, status="assigned", contact=user, response_due_on=d(2026, 11, 24),
            plan_due_on=d(2026, 11, 27), resolve_due_on=d(2026, 12, 18),
            sla_flags=["reminded:response", "escalated:response", "reminded:plan"],
            escalated_at=escalated,
        )  # fmt: skip
        for action, timer, due in (
            ("reminder", "response", "2026-11-24"),
            ("escalated", "response", "2026-11-24"),
            ("reminder", "plan", "2026-11-27"),
        ):
            AuditLog.objects.create(
                actor_label="system", via="system", action=f"service_request.{action}",
                object_type="services.servicerequest", object_id=str(req.pk), object_repr="x",
                after={"timer": timer, "due_on": due}, park=park,
            )  # fmt: skip

        new = _apps_at(AFTER)
        Alert = new.get_model("alerts", "Alert")
        alerts = {a.figure["timer"]: a for a in Alert.objects.filter(park_id=park.pk)}
        assert {t: (a.kind, a.state, a.subject) for t, a in alerts.items()} == {
            "response": (
                "services.response_due", "closed", f"request:{req.pk}/response/2026-11-24"
            ),
            "plan": ("services.plan_due", "open", f"request:{req.pk}/plan/2026-11-27"),
        }  # fmt: skip
        assert alerts["response"].escalated_at is not None
        assert alerts["plan"].escalated_at is None
        assert alerts["plan"].enterprise_id is None  # the park's work, not the enterprise's

        back = _apps_at(BEFORE)
        row = back.get_model("services", "ServiceRequest").objects.get(pk=req.pk)
        assert row.sla_flags == ["reminded:response", "escalated:response", "reminded:plan"]
        assert row.escalated_at == alerts["response"].escalated_at
        assert not back.get_model("alerts", "Alert").objects.filter(park_id=park.pk).exists()
    finally:
        call_command("migrate", verbosity=0)  # back to the head for the tests after this one
