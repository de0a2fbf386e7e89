"""The service clock's reminders and escalations move to the alerts framework (parkpilot.alerts):
each (request, timer, deadline) the scan reminded or escalated becomes an alert of kind
"services.<timer>_due", timed from the scan's audit rows, then the request's own `sla_flags` and
`escalated_at` go. An alert whose timer has stopped (the step was taken, the deadline moved) is
carried over closed. Reversible: going back rebuilds the flags and the timestamp from the alerts."""

import datetime

from django.db import migrations

PENDING = {
    "submitted": ("response", "plan", "resolve"),
    "assigned": ("plan", "resolve"),
    "planned": ("resolve",),
}
STEP_TAKEN = "该步骤已办理"  # the text of alerts the scan closes ("the step was taken")


def _start_of(day: str) -> datetime.datetime:
    return datetime.datetime.combine(
        datetime.date.fromisoformat(day), datetime.time(), datetime.UTC
    )


def carry_over(apps, schema_editor):
    Request = apps.get_model("services", "ServiceRequest")
    AuditLog = apps.get_model("tenancy", "AuditLog")
    Alert = apps.get_model("alerts", "Alert")
    flagged = Request.objects.exclude(sla_flags=[]) | Request.objects.filter(
        escalated_at__isnull=False
    )
    for request in flagged.distinct().iterator():
        seen: dict[tuple[str, str], dict] = {}
        rows = AuditLog.objects.filter(
            object_type="services.servicerequest",
            object_id=str(request.pk),
            action__in=["service_request.reminder", "service_request.escalated"],
        ).order_by("at", "id")
        for row in rows:
            key = (row.after["timer"], row.after["due_on"])
            times = seen.setdefault(key, {})
            times.setdefault(row.action.rsplit(".", 1)[1], row.at)
        for flag in request.sla_flags:  # a flag with no audit row: timed by its deadline
            step, timer = flag.split(":", 1)
            due = getattr(request, f"{timer}_due_on").isoformat()
            if not any(t == timer for t, _due in seen):
                times = seen.setdefault((timer, due), {})
                if step == "escalated":
                    times["escalated"] = request.escalated_at or _start_of(due)
                else:
                    times["reminder"] = _start_of(due)
        for (timer, due), times in seen.items():
            running = timer in PENDING.get(request.status, ()) and (
                getattr(request, f"{timer}_due_on").isoformat() == due
            )
            escalated = times.get("escalated")
            Alert.objects.create(
                park_id=request.park_id,
                kind=f"services.{timer}_due",
                subject=f"request:{request.pk}/{timer}/{due}",
                title=f"#{request.pk} {request.title}"[:200],
                link=f"/services/{request.pk}/",
                figure={"request_id": request.pk, "timer": timer, "due_on": due},
                state=("escalated" if escalated else "open") if running else "closed",
                raised_at=times.get("reminder") or escalated,
                escalated_at=escalated,
                closed_at=None if running else request.updated_at,
                close_reason="" if running else STEP_TAKEN,
            )


def carry_back(apps, schema_editor):
    Request = apps.get_model("services", "ServiceRequest")
    Alert = apps.get_model("alerts", "Alert")
    alerts = Alert.objects.filter(kind__startswith="services.")
    by_request: dict[int, list] = {}
    for alert in alerts.order_by("raised_at", "id").iterator():
        by_request.setdefault(alert.figure["request_id"], []).append(alert)
    for request_id, rows in by_request.items():
        flags = []
        for alert in rows:
            timer = alert.figure["timer"]
            flags.append(f"reminded:{timer}")
            if alert.escalated_at:
                flags.append(f"escalated:{timer}")
        escalated = [a.escalated_at for a in rows if a.escalated_at]
        Request.objects.filter(pk=request_id).update(
            sla_flags=list(dict.fromkeys(flags)), escalated_at=max(escalated, default=None)
        )
    alerts.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("services", "0005_event_comment_urge"),
        ("alerts", "0001_initial"),
        ("tenancy", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(carry_over, carry_back),
        migrations.RemoveField(model_name="servicerequest", name="escalated_at"),
        migrations.RemoveField(model_name="servicerequest", name="sla_flags"),
    ]
