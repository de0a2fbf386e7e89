"""The overdue alert: a loan past its due day with principal outstanding raises one alert per
loan and overdue spell (to the park's staff and the bank's), which can be acknowledged,
escalated by the alerts framework's clock and closed; a settled loan's open alert is closed."""

from datetime import UTC, date, datetime, timedelta

import pytest

from parkpilot.alerts import services as alerts
from parkpilot.alerts.models import Alert
from parkpilot.notifications.models import Notification
from parkpilot.talent import services
from parkpilot.talent.tasks import overdue_scan_park

pytestmark = pytest.mark.django_db
ON = date(2020, 8, 1)
DUE = date(2021, 8, 1)
NOW = datetime(2021, 8, 11, 0, 20, tzinfo=UTC)


def _drawn(personas, banker, pool, enterprise, actor, amount="300.00"):
    loan = services.loan_apply(actor=actor, via="test", pool=pool, enterprise=enterprise,
                               amount=amount, purpose="设备", on=ON)  # fmt: skip
    services.loan_recommend(actor=personas["park_staff"], via="test", loan=loan, reasons="优",
                            on=ON)  # fmt: skip
    services.loan_decide(actor=banker, via="test", loan=loan, approve=True, on=ON)
    return services.loan_draw(actor=banker, via="test", loan=loan, amount=amount, on=ON,
                              due_on=DUE)  # fmt: skip


def test_one_alert_per_loan_and_spell(personas, banker, risk_pool, park, ent_a):
    loan = _drawn(personas, banker, risk_pool, ent_a, personas["ent_a_admin"])
    services.loan_repay(actor=banker, via="test", loan=loan, amount="100.00", on=ON)
    assert services.overdue_scan(park=park, today=DUE, now=NOW) == {"raised": 0, "cleared": 0}
    today = DUE + timedelta(days=10)
    assert services.overdue_scan(park=park, today=today, now=NOW) == {"raised": 1, "cleared": 0}
    alert = Alert.objects.get()
    assert (alert.kind, alert.subject, alert.title) == (
        "talent.loan_overdue",
        f"loan:{loan.pk}:due:2021-08-01",
        ent_a.name,
    )
    assert alert.figure == {"loan_id": loan.pk, "due_on": "2021-08-01", "outstanding_fen": 20_000}
    assert alert.link == f"/talent/loans/{loan.pk}/" and alert.enterprise_id == ent_a.pk
    # ¥300 drawn, ¥100 repaid: ¥200.00 outstanding, 10 days after 2021-08-01.
    assert '"days":10' in alert.detail and '"owed":"200.00"' in alert.detail
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {"admin", "staff", "banker"}
    # The next morning's scan finds it open: nothing more.
    assert services.overdue_scan(park=park, today=today + timedelta(days=1), now=NOW)["raised"] == 0
    alerts.alert_acknowledge(actor=personas["park_staff"], via="test", alert=alert, now=NOW)
    alerts.alert_close(actor=personas["park_staff"], via="test", alert=alert, reason="已催收",
                       now=NOW)  # fmt: skip
    # Closed by a person while the spell goes on: the spell is not alerted again.
    assert services.overdue_scan(park=park, today=today + timedelta(days=2), now=NOW)["raised"] == 0
    assert Alert.objects.count() == 1


def test_the_clock_escalates_and_settling_closes(personas, banker, risk_pool, park, ent_a, ent_b):
    a = _drawn(personas, banker, risk_pool, ent_a, personas["ent_a_admin"])
    b = _drawn(personas, banker, risk_pool, ent_b, personas["park_staff"], amount="50.00")
    services.loan_overdue(actor=banker, via="test", loan=b, on=DUE)
    assert overdue_scan_park.call_local(park.pk)["raised"] == 2  # today is long past 2021
    assert alerts.escalate_due(park=park, now=datetime.now(UTC) + timedelta(hours=71)) == []
    escalated = alerts.escalate_due(park=park, now=datetime.now(UTC) + timedelta(hours=73))
    assert len(escalated) == 2 and all(e.escalated_at for e in escalated)
    services.loan_repay(actor=banker, via="test", loan=b, amount="50.00", on=DUE)
    result = services.overdue_scan(park=park, today=DUE + timedelta(days=30), now=NOW)
    assert result == {"raised": 0, "cleared": 1}
    open_alerts = Alert.objects.exclude(state="closed")
    assert [x.figure["loan_id"] for x in open_alerts] == [a.pk]
