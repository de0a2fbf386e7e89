"""Dispatch and handling: the grid's worker accepts, handles on site (photos before and after) or
refers to a department with its own SLA; overdue cases raise an alert that the alerts framework
escalates; the reporter hears of each step, confirms or reopens, and rates; an accepted report
emits "grid.report_accepted" for other apps (points) without their importing grid."""

import datetime

import pytest

from parkpilot import events
from parkpilot.alerts import services as alerts
from parkpilot.alerts.models import Alert, State
from parkpilot.grid import services
from parkpilot.grid.errors import ErrorCode
from parkpilot.grid.models import Case, Event, Photo, PhotoKind, Status
from parkpilot.notifications.models import Notification
from parkpilot.tenancy.errors import Code, Forbidden, ValidationFailed
from tests.grid.conftest import person
from tests.grid.test_grid_reports import at, jpeg, submit, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.DATA_DIR = tmp_path


@pytest.fixture
def case(park, layout, worker, personas):
    return submit(personas["resident"], park, now=at("2026-09-30")).case


def test_the_worker_accepts_handles_and_the_reporter_confirms(
    case, worker, personas, django_capture_on_commit_callbacks, monkeypatch
):
    heard = []
    monkeypatch.setattr(events, "dispatch", lambda name, payload: heard.append((name, payload)))
    with django_capture_on_commit_callbacks(execute=True):
        accepted = services.case_accept(actor=worker, case=case, now=at("2026-09-30", 11))
    assert accepted.status == Status.ACCEPTED and accepted.worker == worker
    # Emitted after the commit, naming the reporter, for points to award (grid imports no app).
    assert heard == [("grid.report_accepted", {"case_id": case.pk, "park_id": case.park_id,
                      "reporter_ids": [personas["resident"].pk], "category": "01.01"})]  # fmt: skip
    told = Notification.objects.filter(recipient=personas["resident"]).values_list(
        "title", flat=True
    )
    assert any(str(case.pk) in t for t in told)
    # Handled on site: an "after" photo is required; "before" is optional.
    with pytest.raises(ValidationFailed) as refused:
        services.case_resolve(actor=worker, case=accepted, resolution="已清理")
    assert refused.value.errors[0].field == "after"
    resolved = services.case_resolve(
        actor=worker, case=accepted, resolution="已清理", before=[upload(jpeg())],
        after=[upload(jpeg(gps=False))], now=at("2026-10-08", 9),
    )  # fmt: skip
    assert resolved.status == Status.RESOLVED
    assert set(resolved.photos.values_list("kind", flat=True)) == {
        PhotoKind.BEFORE,
        PhotoKind.AFTER,
    }
    # Only a reporter confirms; a rating is 1 to 5.
    with pytest.raises(ValidationFailed):
        services.case_confirm(actor=personas["ent_b_user"], case=resolved, rating=5)
    with pytest.raises(ValidationFailed) as refused:
        services.case_confirm(actor=personas["resident"], case=resolved, rating=6)
    assert refused.value.errors[0].code == Code.OUT_OF_RANGE
    closed = services.case_confirm(actor=personas["resident"], case=resolved, rating=4)
    assert closed.status == Status.CLOSED and closed.rating == 4
    steps = list(Event.objects.filter(case=case).values_list("step", flat=True))
    assert steps == ["dispatched", "accepted", "resolved", "confirmed"]


def _originals(tmp_path) -> set[str]:
    return {str(f.relative_to(tmp_path)) for f in tmp_path.rglob("*") if f.is_file()}


def test_a_failing_resolve_leaves_no_files_and_no_rows(case, worker, tmp_path, monkeypatch):
    """The photos are stored before the transaction; when it fails the originals go too."""
    accepted = services.case_accept(actor=worker, case=case)
    stale = Case.objects.get(pk=case.pk)  # the worker's form, opened while it was accepted
    services.case_resolve(actor=worker, case=accepted, resolution="已清理", after=[upload(jpeg())])
    kept, rows = _originals(tmp_path), Photo.objects.count()
    assert len(kept) == 1 and rows == 1  # the report had none; the one "after" photo
    # Sent again from the stale form: the case is resolved already, refused under its lock,
    # after the two photos were stored.
    with pytest.raises(ValidationFailed) as refused:
        services.case_resolve(actor=worker, case=stale, resolution="再次", before=[upload(jpeg())],
                              after=[upload(jpeg())])  # fmt: skip
    assert refused.value.errors[0].code == Code.INVALID_TRANSITION
    assert _originals(tmp_path) == kept and Photo.objects.count() == rows
    # A write failing after the photo rows (here the audit row): nothing of it is kept.
    reopened = services.case_reopen(actor=case.reports.get().reporter, case=case, reason="又堆上了")
    before = (Event.objects.count(), Notification.objects.count())

    def broken(**kwargs):
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(services, "audit_record", broken)
    with pytest.raises(RuntimeError):
        services.case_resolve(actor=worker, case=reopened, resolution="又清理",
                              after=[upload(jpeg()), upload(jpeg())])  # fmt: skip
    assert _originals(tmp_path) == kept and Photo.objects.count() == rows
    assert (Event.objects.count(), Notification.objects.count()) == before
    assert Case.objects.get(pk=case.pk).status == Status.ACCEPTED


def test_a_reopened_case_goes_back_to_the_worker_due_again(case, worker, personas):
    services.case_accept(actor=worker, case=case)
    services.case_resolve(actor=worker, case=case, resolution="已清理", after=[upload(jpeg())])
    reopened = services.case_reopen(actor=personas["resident"], case=case, reason="又堆上了",
                                    now=at("2026-09-24"))  # fmt: skip
    assert reopened.status == Status.ACCEPTED and reopened.reopened == 1
    # 01.01: 1 working day from Thu 24 Sep 2026 -> Fri 25 Sep is Mid-autumn, the weekend too:
    # Mon 28 Sep.
    assert reopened.due_on == datetime.date(2026, 9, 28)


def test_only_the_grid_s_worker_handles(case, worker2, personas):
    with pytest.raises(ValidationFailed) as refused:
        services.case_accept(actor=worker2, case=case)  # works grid 2, the case is in grid 1
    assert refused.value.errors[0].code == ErrorCode.NOT_YOURS
    for who in ("resident", "ent_a_user"):
        with pytest.raises(Forbidden):
            services.case_accept(actor=personas[who], case=case)
    assert services.case_accept(actor=personas["park_staff"], case=case).status == Status.ACCEPTED
    with pytest.raises(ValidationFailed) as refused:
        services.case_accept(actor=personas["park_staff"], case=case)
    assert refused.value.errors[0].code == Code.INVALID_TRANSITION


def test_a_department_takes_a_referral_with_its_own_sla(case, worker, departments, personas, park):
    officer = person("hb", park, granted=["city_department"])
    other = person("jj", park, granted=["city_department"])
    services.department_member_add(actor=personas["park_staff"], department=departments[
        "huanbao"], user=officer)  # fmt: skip
    services.department_member_add(actor=personas["park_staff"], department=departments[
        "jiaojing"], user=other)  # fmt: skip
    referred = services.case_refer(actor=worker, case=case, department=departments["huanbao"],
                                   now=at("2026-09-24"))  # fmt: skip
    # 环保 takes 5 working days: Thu 24 Sep -> 28, 29, 30 Sep, (1-7 Oct National Day), 8, 9 Oct.
    assert referred.department_due_on == datetime.date(2026, 10, 9)
    assert Notification.objects.filter(recipient=officer).exists()
    with pytest.raises(ValidationFailed) as refused:
        services.case_resolve(actor=other, case=referred, resolution="x", after=[upload(jpeg())])
    assert refused.value.errors[0].code == ErrorCode.NOT_YOURS
    with pytest.raises(Forbidden):  # the worker does not resolve what a department holds
        services.case_resolve(actor=personas["resident"], case=referred, resolution="x",
                              after=[upload(jpeg())])  # fmt: skip
    done = services.case_resolve(actor=officer, case=referred, resolution="已处罚",
                                 after=[upload(jpeg())])  # fmt: skip
    assert done.status == Status.RESOLVED


def test_overdue_cases_raise_one_alert_that_escalates(case, worker, supervisor, park, personas):
    # Due Thu 8 Oct 2026 (reported Wed 30 Sep, 1 working day over National Day).
    assert case.due_on == datetime.date(2026, 10, 8)
    assert services.overdue_escalate(park=park, now=at("2026-10-08", 17)) == []  # due today
    [alert] = services.overdue_escalate(park=park, now=at("2026-10-09", 10))
    assert alert.kind == "grid.case_overdue" and alert.subject == f"grid.case:{case.pk}"
    assert "1" in alert.title  # 1 working day late
    assert services.overdue_escalate(park=park, now=at("2026-10-09", 11)) == []  # once
    assert Notification.objects.filter(recipient=supervisor, kind="grid.case_overdue").exists()
    # Nobody acknowledges for 8 hours: the alerts clock escalates to the grid supervisors.
    escalated = alerts.escalate_due(park=park, now=at("2026-10-09", 19))
    assert [a.pk for a in escalated] == [alert.pk]
    assert Alert.objects.get(pk=alert.pk).state == State.ESCALATED
    # Told twice: when it was raised, and when it was escalated (the kind's escalate_to roles).
    assert Notification.objects.filter(recipient=supervisor, kind="grid.case_overdue").count() == 2
    assert Notification.objects.filter(recipient=personas["park_admin"],
                                       kind="grid.case_overdue").count() == 1  # fmt: skip


def test_late_only_by_holidays_is_not_late(park, layout, worker, personas):
    # Reported Thu 24 Sep, due Mon 28 Sep (Fri 25 - Sun 27 Mid-autumn); on Sun 27 nothing is due.
    late = submit(personas["resident"], park, now=at("2026-09-24")).case
    assert late.due_on == datetime.date(2026, 9, 28)
    assert services.overdue_escalate(park=park, now=at("2026-09-27")) == []
    assert len(services.overdue_escalate(park=park, now=at("2026-09-29"))) == 1


def test_a_resolved_case_nobody_answers_closes_after_three_working_days(case, worker, park):
    services.case_accept(actor=worker, case=case)
    services.case_resolve(actor=worker, case=case, resolution="已清理", after=[upload(jpeg())],
                          now=at("2026-09-30", 12))  # fmt: skip
    # 3 working days after Wed 30 Sep: 8, 9, 10 Oct (Sat 10 Oct a make-up day) -> closes on 11th.
    assert services.resolved_autoclose(park=park, now=at("2026-10-10", 20)) == 0
    assert services.resolved_autoclose(park=park, now=at("2026-10-11", 9)) == 1
    case.refresh_from_db()
    assert case.status == Status.CLOSED


def test_the_app_declares_its_event_alerts_and_roles():
    from parkpilot.alerts.services import kinds
    from parkpilot.tenancy.roles import registry

    assert "grid.report_accepted" in events.emitted()
    assert kinds()["grid.case_overdue"].escalate_after_hours == 8
    assert {"grid_worker", "grid_supervisor", "city_department"} <= set(registry())
