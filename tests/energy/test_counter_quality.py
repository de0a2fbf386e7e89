"""Counter cleaning through the real intake and rollup stage: glitches cost only themselves, a
late zero no longer freezes the park, a failing point is quarantined while the others advance,
gaps are spread over their buckets, and staff decisions recompute the point."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from parkpilot.energy import selectors, services
from parkpilot.energy.ingest.core import ingest_items
from parkpilot.energy.models import (
    CounterAnchor,
    DeadLetter,
    EnergyRollup,
    Level,
    PointQuarantine,
    PointRollup,
    PointState,
    Reading,
    SuspectDecision,
)
from parkpilot.energy.rollups import rollup_pending
from parkpilot.tenancy.models import AuditLog

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai
RATE = 10 / 60  # 10 kWh/h: a minute's use


def at(minute: float) -> str:
    return (T0 + timedelta(minutes=minute)).isoformat()


def send(park, code, readings, *, each=True):
    """Readings [(minute, value)], one batch each (as MQTT delivers them) or all in one."""
    items = [{"point": code, "ts": at(m), "value": v} for m, v in readings]
    for batch in [[i] for i in items] if each else [items]:
        ingest_items(park_id=park.id, items=batch, source="direct")
    return rollup_pending()


def point_energy(code, level=Level.DAY):
    rows = PointRollup.objects.filter(point__code=code, level=level)
    return sum(r.energy for r in rows)


def park_energy(level=Level.DAY):
    return sum(r.energy for r in EnergyRollup.objects.filter(scope="park", level=level))


@pytest.fixture
def a_e1(make_point, ent_a, zone):
    # Rated 50 kW: a minute's cap is 50/60 × 1.2 = 1 kWh.
    return make_point("A-E1", owner=ent_a, zone=zone, rated=50.0)


def test_one_zero_in_two_hours_counts_everything_and_refuses_only_the_zero(park, a_e1):
    """The issue's measurement: 2 h at 10 kWh/h with one zero, each reading its own batch,
    rolled up as they come. 120 intervals × 1/6 kWh = 20 kWh; one dead letter, the zero."""
    readings = [(m, 1000 + RATE * m) for m in range(121)]
    readings[30] = (30, 0.0)
    for chunk in range(0, 121, 10):
        send(park, "A-E1", readings[chunk : chunk + 10])
    assert point_energy("A-E1") == pytest.approx(20.0, abs=1e-6)
    assert park_energy() == pytest.approx(20.0, abs=1e-6)
    [letter] = DeadLetter.objects.all()
    assert '"value": 0.0' in letter.raw and "zero" in letter.reason
    assert Reading.objects.count() == 120
    [decision] = SuspectDecision.objects.all()
    assert (decision.decision, decision.reason, decision.ts) == (
        "refused",
        "zero",
        T0 + timedelta(minutes=30),
    )
    assert PointState.objects.get().held_since is None


def test_a_late_zero_no_longer_freezes_the_park(park, a_e1, make_point, ent_b):
    """A zero delivered late used to make the recompute fail on the readings CHECK constraint
    on every pass, holding every other point back. Now it is one refused reading."""
    make_point("B-E1", owner=ent_b, rated=50.0)
    send(park, "A-E1", [(m, 1000 + RATE * m) for m in range(31) if m != 10], each=False)
    send(park, "B-E1", [(m, 500 + RATE * m) for m in range(31)], each=False)
    before = point_energy("A-E1")
    assert before == pytest.approx(30 * RATE)
    send(park, "A-E1", [(10, 0.0)])  # the late zero
    send(park, "A-E1", [(m, 1000 + RATE * m) for m in range(31, 41)])
    send(park, "B-E1", [(m, 500 + RATE * m) for m in range(31, 41)])
    assert point_energy("A-E1") == pytest.approx(40 * RATE)
    assert point_energy("B-E1") == pytest.approx(40 * RATE)
    assert DeadLetter.objects.filter(point_code="A-E1").count() == 1
    assert not PointQuarantine.objects.exists()


def _corrupt_hour(code):
    """Break a point's stored rollups the way a bad manual edit would: its hour says fewer
    readings than its quarters, so a recompute's subtraction runs below zero."""
    PointRollup.objects.filter(point__code=code, level=Level.HOUR).update(readings=0)
    PointRollup.objects.filter(point__code=code, level=Level.QUARTER).update(readings=100)


def test_a_failing_point_is_quarantined_while_the_others_advance(park, a_e1, make_point, ent_b):
    make_point("B-E1", owner=ent_b, rated=50.0)
    send(park, "A-E1", [(m, 1000 + RATE * m) for m in range(31) if m != 20], each=False)
    send(park, "B-E1", [(m, 500 + RATE * m) for m in range(31)], each=False)
    _corrupt_hour("A-E1")
    # A late reading for A (recompute: fails on the CHECK), new readings for B, in one pass.
    late = [{"point": "A-E1", "ts": at(20), "value": 1000 + RATE * 20}]
    more = [{"point": "B-E1", "ts": at(m), "value": 500 + RATE * m} for m in range(31, 41)]
    ingest_items(park_id=park.id, items=late, source="direct")
    ingest_items(park_id=park.id, items=more, source="direct")
    rollup_pending()
    assert point_energy("B-E1") == pytest.approx(40 * RATE)  # B went on
    row = PointQuarantine.objects.get()
    assert row.point.code == "A-E1" and "IntegrityError" in row.reason and row.attempts == 1
    assert row.retry_at > timezone.now()
    # Nothing half-written for A: its quarters are as they were.
    quarters = PointRollup.objects.filter(point__code="A-E1", level=Level.QUARTER)
    assert set(quarters.values_list("readings", flat=True)) == {100}
    # New readings for A wait with it (their span joins the quarantine), B keeps flowing.
    send(park, "A-E1", [(m, 1000 + RATE * m) for m in range(31, 36)], each=False)
    send(park, "B-E1", [(41, 500 + RATE * 41)])
    assert point_energy("B-E1") == pytest.approx(41 * RATE)
    assert PointQuarantine.objects.get().span_hi == (T0 + timedelta(minutes=35)).timestamp()
    # The data is repaired; staff press retry: A is recomputed over its whole span.
    PointRollup.objects.filter(point__code="A-E1").delete()
    staff = _staff()
    services.quarantine_retry(actor=staff, via="ui", quarantined=PointQuarantine.objects.get())
    rollup_pending()
    assert not PointQuarantine.objects.exists()
    # The recompute starts at the late reading's quarter (10:15): 10:15-10:35 = 20 minutes.
    quarters = PointRollup.objects.filter(point__code="A-E1", level=Level.QUARTER)
    assert sum(q.energy for q in quarters) == pytest.approx(20 * RATE)
    assert AuditLog.objects.filter(action="metering_point.quarantine_retry").count() == 1


def test_a_quarantined_point_is_retried_by_itself_with_backoff(park, a_e1):
    send(park, "A-E1", [(m, 1000 + RATE * m) for m in range(31) if m != 20], each=False)
    _corrupt_hour("A-E1")
    send(park, "A-E1", [(20, 1000 + RATE * 20)])
    row = PointQuarantine.objects.get()
    first_delay = (row.retry_at - row.since).total_seconds()
    PointQuarantine.objects.update(retry_at=timezone.now())  # its time has come, still broken
    rollup_pending()
    row = PointQuarantine.objects.get()
    assert row.attempts == 2
    assert (row.retry_at - timezone.now()).total_seconds() > first_delay * 1.5  # backs off
    PointRollup.objects.filter(point__code="A-E1").delete()  # fixed
    PointQuarantine.objects.update(retry_at=timezone.now())
    rollup_pending()
    assert not PointQuarantine.objects.exists()


def test_an_outage_is_spread_over_its_buckets_and_marked_estimated(park, a_e1):
    """Readings at 10:00 and 12:00 only, 10 kWh/h: 20 kWh over 8 quarters, 2.5 kWh each, all
    flagged; none lumped into the quarter after the gap."""
    send(park, "A-E1", [(0, 1000.0), (120, 1020.0)])
    quarters = PointRollup.objects.filter(point__code="A-E1", level=Level.QUARTER).order_by(
        "bucket"
    )
    energy = [(q.bucket, round(q.energy, 9), round(q.flagged_energy, 9)) for q in quarters]
    expected = [(T0 + timedelta(minutes=15 * i), 2.5, 2.5) for i in range(8)]
    assert energy == [(T0 - timedelta(minutes=15), 0.0, 0.0), *expected]
    assert park_energy(Level.HOUR) == pytest.approx(20.0)


def test_a_meter_replacement_is_adopted_and_staff_can_confirm_its_start_value(park, a_e1):
    # Old meter to minute 29; a new one showing 500 at minute 30, rising 10 kWh/h.
    old = [(m, 1000 + RATE * m) for m in range(30)]
    new = [(m, 500 + RATE * (m - 30)) for m in range(30, 121)]
    send(park, "A-E1", old, each=False)
    for chunk in range(0, len(new), 15):
        send(park, "A-E1", new[chunk : chunk + 15])
    # 29 minutes of the old meter, nothing for the unknown jump, 90 minutes of the new one.
    assert point_energy("A-E1") == pytest.approx(119 * RATE)
    decision = SuspectDecision.objects.get(decision="replaced")
    assert decision.value == 500.0 and not DeadLetter.objects.exists()
    # Staff: replaced at 10:29:30 with the new counter at 499.9 → 0.1 kWh more, recomputed.
    staff = _staff()
    services.meter_replacement_confirm(
        actor=staff, via="ui", point=a_e1, ts=T0 + timedelta(minutes=29.5), start_value=499.9
    )
    rollup_pending()
    assert point_energy("A-E1") == pytest.approx(119 * RATE + 0.1)
    assert park_energy() == pytest.approx(119 * RATE + 0.1)
    assert CounterAnchor.objects.get().start_value == 499.9
    audit = AuditLog.objects.get(action="metering_point.replacement_confirm")
    assert audit.after["start_value"] == 499.9 and audit.actor == staff


def test_staff_override_accepts_a_refused_reading_and_refuses_a_counted_one(park, a_e1):
    readings = [(m, 1000 + RATE * m) for m in range(31)]
    readings[10] = (10, 990.0)  # a dip that recovers: refused
    send(park, "A-E1", readings, each=False)
    assert point_energy("A-E1") == pytest.approx(30 * RATE)
    refused = SuspectDecision.objects.get(decision="refused")
    staff = _staff()
    # Staff say it was true (the counter was set back to 990 at 10:10): it becomes the base.
    services.suspect_override(actor=staff, via="ui", decision=refused, action="accept")
    rollup_pending()
    # 10:01-10:09: 9 minutes; 10:10 is a reset at 990 (counts nothing); the readings after it
    # rise from 990 to 1005 at 10:30 (faster than the cap at first, but borne out): 15 kWh.
    expected = 9 * RATE + (1000 + 30 * RATE - 990)
    assert point_energy("A-E1") == pytest.approx(expected)
    assert PointState.objects.get().held_since is None
    assert Reading.objects.filter(value=990.0).exists()
    assert DeadLetter.objects.get().status == DeadLetter.Status.REPROCESSED
    refused.refresh_from_db()
    assert refused.status == "overridden"
    # And refusing it again through its "accepted" decision puts things back: 10:09-10:11
    # is one interval again.
    accepted = SuspectDecision.objects.get(decision="accepted")
    services.suspect_override(actor=staff, via="api", decision=accepted, action="refuse")
    rollup_pending()
    assert point_energy("A-E1") == pytest.approx(30 * RATE)
    assert [
        a.action for a in AuditLog.objects.order_by("id") if a.action.startswith("suspect")
    ] == [
        "suspect_reading.accept",
        "suspect_reading.refuse",
    ]


def test_override_refuses_a_wrong_action_naming_the_field(park, a_e1):
    from parkpilot.tenancy.errors import ValidationFailed

    readings = [(m, 1000 + RATE * m) for m in range(31)]
    readings[10] = (10, 0.0)
    send(park, "A-E1", readings, each=False)
    refused = SuspectDecision.objects.get()
    with pytest.raises(ValidationFailed) as exc:
        services.suspect_override(actor=_staff(), via="ui", decision=refused, action="refuse")
    assert exc.value.errors[0].field == "action"
    with pytest.raises(ValidationFailed) as exc:
        services.meter_replacement_confirm(
            actor=_staff(), via="ui", point=a_e1, ts=T0, start_value=float("nan")
        )
    assert exc.value.errors[0].field == "start_value"
    assert not CounterAnchor.objects.exists()


def test_selectors_list_suspects_and_quarantine_for_park_staff_only(park, a_e1, personas):
    readings = [(m, 1000 + RATE * m) for m in range(31)]
    readings[10] = (10, 0.0)
    send(park, "A-E1", readings, each=False)
    assert selectors.suspect_list(user=personas["park_staff"]).count() == 1
    assert selectors.suspect_list(user=personas["ent_a_user"]).count() == 0


def _staff():
    from parkpilot.tenancy.models import User

    return User.objects.get(username="staff")


def test_postgresql_check_constraint_is_what_quarantine_reports(park, a_e1):
    """On either engine the rollup tables refuse negative reading counts (the invariant the
    quarantine test relies on)."""
    from django.db import IntegrityError, transaction

    send(park, "A-E1", [(0, 1.0), (1, 1.1)], each=False)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE energy_pointrollup SET readings = -1")


def test_api_lists_suspects_and_refuses_a_bad_replacement_naming_the_field(park, a_e1, api_as):
    readings = [(m, 1000 + RATE * m) for m in range(31)]
    readings[10] = (10, 0.0)
    send(park, "A-E1", readings, each=False)
    client = api_as("park_staff")
    [item] = client.get("/api/v1/energy/suspects").json()["items"]
    assert (item["point_code"], item["decision"], item["reason"]) == ("A-E1", "refused", "zero")
    url = f"/api/v1/energy/points/{a_e1.pk}/replacement"
    response = client.post(url, {"ts": "2026-03-01T10:20:00", "start_value": -1})
    assert response.status_code == 422
    assert {e["loc"][-1] for e in response.json()["detail"]} == {"ts", "start_value"}
    response = client.post(url, {"ts": "2026-03-01T10:20:00+08:00", "start_value": 3.5})
    assert response.status_code == 201 and response.json()["start_value"] == 3.5
    body = {"ts": "2026-03-01T10:20:00+08:00", "start_value": 1}
    assert api_as("ent_a_user").post(url, body).status_code == 403  # it sees its point
    override = f"/api/v1/energy/suspects/{item['id']}/override"
    response = client.post(override, {"action": "nonsense"})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == "action"


def test_a_late_batch_at_the_end_of_a_gap_counts_the_gap_once(park, a_e1):
    """2 kW (1/30 kWh a minute). Minutes 0-9 arrive, then 20-24 (a gap 9 → 20, spread over
    quarters 10:00 and 10:15), then the late batch 16-19, whose recompute starts in the 10:15
    quarter: the gap's share in 10:00 must be taken back, not booked twice.
    True: 24 minutes × 2 kW / 60 = 0.8 kWh."""
    kw = 2 / 60
    send(park, "A-E1", [(m, 1000 + kw * m) for m in range(10)], each=False)
    send(park, "A-E1", [(m, 1000 + kw * m) for m in range(20, 25)], each=False)
    send(park, "A-E1", [(m, 1000 + kw * m) for m in range(16, 20)], each=False)
    assert point_energy("A-E1", Level.QUARTER) == pytest.approx(24 * kw)
    assert park_energy(Level.DAY) == pytest.approx(24 * kw)
