"""The alerts framework (parkpilot.alerts): raising once per open condition, the state machine,
escalation by the clock, the people told, and who may do what."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone, translation

from parkpilot.alerts import selectors, services
from parkpilot.alerts.models import Alert, State
from parkpilot.notifications.models import Notification
from parkpilot.stored_text import shown
from parkpilot.tenancy.actors import system_actor
from parkpilot.tenancy.errors import Forbidden, NotFound, ValidationFailed

pytestmark = pytest.mark.django_db

KIND = "carbon.budget_co2"  # declared by the carbon app: escalated after 72 h to park operators


def raise_one(park, ent, personas, *, subject="carbon.enterprise:1/2026-10", now=None):
    return services.alert_raise(
        actor=system_actor(park), park=park, kind=KIND, subject=subject,
        title="碳排放预计超出预算", detail="预计 120 t / 预算 100 t", link="/carbon/mine/",
        enterprise_id=ent.pk, recipients=[personas["ent_a_user"]], now=now,
    )  # fmt: skip


def test_raising_twice_finds_the_open_alert_and_tells_the_recipient_once(park, ent_a, personas):
    first, created = raise_one(park, ent_a, personas)
    again, created_again = raise_one(park, ent_a, personas)
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert Notification.objects.filter(recipient=personas["ent_a_user"], kind=KIND).count() == 1
    # Once closed, the same condition raises a new alert.
    services.alert_close(actor=personas["park_staff"], via="test", alert=first, reason="已处理")
    third, created_third = raise_one(park, ent_a, personas)
    assert created_third and third.pk != first.pk


def test_the_state_machine(park, ent_a, personas):
    alert, _ = raise_one(park, ent_a, personas)
    acked = services.alert_acknowledge(actor=personas["ent_a_user"], via="test", alert=alert)
    assert acked.state == State.ACKNOWLEDGED and acked.acknowledged_by == personas["ent_a_user"]
    with pytest.raises(ValidationFailed) as refused:
        services.alert_acknowledge(actor=personas["park_staff"], via="test", alert=acked)
    assert refused.value.errors[0].code == "invalid_transition"
    assert refused.value.errors[0].field == "state"
    with pytest.raises(ValidationFailed) as no_reason:
        services.alert_close(actor=personas["park_staff"], via="test", alert=acked, reason=" ")
    assert no_reason.value.errors[0].field == "reason"
    closed = services.alert_close(actor=personas["park_staff"], via="test", alert=acked,
                                  reason="预算已调整")  # fmt: skip
    assert (closed.state, closed.close_reason, closed.closed_by) == (
        State.CLOSED,
        "预算已调整",
        personas["park_staff"],
    )
    with pytest.raises(ValidationFailed):
        services.alert_close(actor=personas["park_staff"], via="test", alert=closed, reason="x")


def test_an_acknowledged_alert_may_still_go_up_once(park, ent_a, personas):
    """An app whose rule is "not closed in time" escalates an acknowledged alert; whoever it
    went to may acknowledge it again, and it never goes up a second time."""
    alert, _ = raise_one(park, ent_a, personas)
    system = system_actor(park)
    acked = services.alert_acknowledge(actor=personas["ent_a_user"], via="test", alert=alert)
    up = services.alert_escalate(actor=system, via="system", alert=acked)
    assert (up.state, up.acknowledged_by) == (State.ESCALATED, personas["ent_a_user"])
    again = services.alert_acknowledge(actor=personas["park_staff"], via="test", alert=up)
    assert again.state == State.ACKNOWLEDGED
    with pytest.raises(ValidationFailed) as refused:
        services.alert_escalate(actor=system, via="system", alert=again)
    assert refused.value.errors[0].code == "invalid_transition"


def test_escalated_alerts_are_followed_by_the_roles_they_went_to(park, ent_a, personas):
    alert, _ = raise_one(park, ent_a, personas)
    followed = Alert.objects.filter(selectors.escalated_to(personas["park_staff"]))
    assert list(followed) == []  # not escalated yet
    services.alert_escalate(actor=system_actor(park), via="system", alert=alert)
    # carbon.budget_co2 goes to the park's operators, not to the supervisors.
    assert list(Alert.objects.filter(selectors.escalated_to(personas["park_staff"]))) == [alert]
    assert list(Alert.objects.filter(selectors.escalated_to(personas["supervisor"]))) == []


def test_who_may_act(park, ent_a, personas):
    alert, _ = raise_one(park, ent_a, personas)
    # Another enterprise does not even find it; supervisors read but do not act; an
    # enterprise acknowledges its own but does not close it.
    with pytest.raises(NotFound):
        selectors.alert_get(user=personas["ent_b_user"], alert_id=alert.pk)
    assert selectors.alert_get(user=personas["supervisor"], alert_id=alert.pk) == alert
    with pytest.raises(Forbidden):
        services.alert_acknowledge(actor=personas["supervisor"], via="test", alert=alert)
    with pytest.raises(Forbidden):
        services.alert_close(actor=personas["ent_a_user"], via="test", alert=alert, reason="x")
    with pytest.raises(Forbidden):
        services.alert_close(actor=personas["other_park_admin"], via="test", alert=alert,
                             reason="x")  # fmt: skip
    # Raising into another park, or a kind no app declares, is refused.
    with pytest.raises(Forbidden):
        services.alert_raise(actor=system_actor(park), park=ent_a.park.__class__.objects.create(
            code="p2", name="另一园区"), kind=KIND, subject="s", title="t")  # fmt: skip
    with pytest.raises(ValidationFailed) as unknown:
        services.alert_raise(actor=system_actor(park), park=park, kind="nope.x", subject="s",
                             title="t")  # fmt: skip
    assert unknown.value.errors[0].code == "unknown_kind"


def test_unacknowledged_alerts_escalate_after_their_kinds_time(park, ent_a, personas):
    now = timezone.now()
    old, _ = raise_one(park, ent_a, personas, subject="old", now=now - datetime.timedelta(hours=73))
    raise_one(park, ent_a, personas, subject="fresh", now=now - datetime.timedelta(hours=1))
    seen, _ = raise_one(
        park, ent_a, personas, subject="seen", now=now - datetime.timedelta(hours=80)
    )
    services.alert_acknowledge(actor=personas["ent_a_user"], via="test", alert=seen)
    escalated = services.escalate_due(park=park, now=now)
    assert [a.pk for a in escalated] == [old.pk]
    old.refresh_from_db()
    assert old.state == State.ESCALATED and old.escalated_at == now
    # The park's operators (carbon's escalate_to) are told; supervisors and enterprises not.
    escalations = [n for n in Notification.objects.select_related("recipient")
                   if shown(n.title).startswith("已升级")]  # fmt: skip
    told = {n.recipient.username for n in escalations}
    assert told == {personas["park_admin"].username, personas["park_staff"].username}
    # Stored as msgid and parameters: each reader sees it in their language.
    assert shown(escalations[0].title) == "已升级：碳排放预计超出预算"
    with translation.override("en"):
        assert shown(escalations[0].title) == "Escalated: 碳排放预计超出预算"
    assert services.escalate_due(park=park, now=now) == []  # once


@pytest.mark.django_db(transaction=True)
def test_concurrent_raises_make_one_alert(park, ent_a, personas):
    """Eight workers raise the same condition at once, each in its own connection."""
    barrier = threading.Barrier(8)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            alert, created = raise_one(park, ent_a, personas)
            results.append((alert.pk, created))
        except Exception as exc:  # reported below: the test must see every failure
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [], errors
    assert len({pk for pk, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert Alert.objects.filter(park=park, kind=KIND).count() == 1
    assert connection.vendor in ("sqlite", "postgresql")
