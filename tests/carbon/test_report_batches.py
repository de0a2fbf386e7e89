"""Report batches: the whole park read once per period for all reports, files rendered outside
any transaction and in worker processes, a failing report retried then recorded while the
others are issued, and no batch left "running" (a crashed run or a dead worker ends failed)."""

import io
from datetime import timedelta

import pytest
from carbon_helpers import feed, load_factors, ramp
from django.db import connection
from django.utils import timezone
from pypdf import PdfReader

from parkpilot.carbon import reports, services
from parkpilot.carbon.models import BatchStatus, Report, ReportBatch
from parkpilot.carbon.rendering import RenderPool
from parkpilot.energy import selectors_carbon
from parkpilot.tenancy.actors import system_actor
from parkpilot.tenancy.models import Enterprise

pytestmark = pytest.mark.django_db


@pytest.fixture
def metered(park, zone, ent_a, ent_b, make_point, factors):
    make_point("A-E1", owner=ent_a, zone=zone)
    make_point("B-E1", owner=ent_b, zone=zone)
    feed(park, {"A-E1": ramp(10000), "B-E1": ramp(4000)})
    return [ent_a, ent_b]


def _batch(park, personas, **kw):
    batch = services.batch_create(
        actor=personas["park_staff"], via="test", park=park, year=2022, month=3, start=False
    )
    return services.batch_run(batch_id=batch.pk, **kw)


def _failing_for(monkeypatch, enterprise_id: int, times: int):
    """Fault injection: the report of one enterprise breaks `times` times (as a bug or a
    lost connection would), then works. Returns the list of its attempts."""
    real, attempts = reports.load_profile, []

    def load_profile(park, enterprise, per):
        if enterprise.pk == enterprise_id:
            attempts.append(1)
            if len(attempts) <= times:
                raise RuntimeError("injected fault")
        return real(park, enterprise, per)

    monkeypatch.setattr(reports, "load_profile", load_profile)
    return attempts


def test_a_failing_report_is_retried_then_recorded_and_the_others_are_issued(
    metered, park, personas, monkeypatch, client
):
    ent_a, ent_b = metered
    attempts = _failing_for(monkeypatch, ent_b.pk, times=99)
    batch = _batch(park, personas, workers=1)
    assert batch.status == BatchStatus.FAILED and batch.finished_at is not None
    assert (batch.total, batch.done, batch.failed) == (2, 1, 1)
    assert len(attempts) == services.REPORT_ATTEMPTS
    [error] = batch.errors
    assert error["enterprise_id"] == ent_b.pk and error["attempts"] == services.REPORT_ATTEMPTS
    assert "injected fault" in error["error"] and "1" in batch.reason
    assert Report.objects.filter(batch=batch).get().enterprise_id == ent_a.pk

    client.force_login(personas["park_staff"])
    html = client.get(f"/carbon/reports/?batch={batch.pk}").content.decode()
    assert "injected fault" in html and ent_b.name in html


def test_a_transient_failure_is_retried_and_the_report_issued(metered, park, personas, monkeypatch):
    ent_b = metered[1]
    attempts = _failing_for(monkeypatch, ent_b.pk, times=1)
    batch = _batch(park, personas, workers=1)
    assert (batch.status, batch.done, batch.failed, batch.errors) == ("done", 2, 0, [])
    assert len(attempts) == 2
    assert Report.objects.filter(batch=batch).count() == 2


def test_a_run_that_crashes_ends_failed_with_the_reason(metered, park, personas, monkeypatch):
    def no_workers(self):
        raise OSError("cannot start worker processes")

    monkeypatch.setattr(RenderPool, "__enter__", no_workers)
    batch = _batch(park, personas)
    assert batch.status == BatchStatus.FAILED
    assert batch.reason == "OSError: cannot start worker processes"
    assert batch.finished_at is not None


def test_a_stale_running_batch_is_finished(park, personas):
    old = services.batch_create(
        actor=system_actor(park), via="test", park=park, year=2022, month=3, start=False
    )
    fresh = services.batch_create(
        actor=system_actor(park), via="test", park=park, year=2022, month=4, start=False
    )
    now = timezone.now()
    ReportBatch.objects.filter(pk=old.pk).update(
        status="running", heartbeat_at=now - services.BATCH_STALE_AFTER - timedelta(minutes=1)
    )
    ReportBatch.objects.filter(pk=fresh.pk).update(status="running", heartbeat_at=now)
    assert services.batch_reap_stale(now=now) == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == "failed" and "no progress since" in old.reason
    assert old.finished_at == now and fresh.status == "running"


def test_a_batch_reads_the_whole_park_once_per_period(metered, park, personas, monkeypatch):
    reads = []
    real = selectors_carbon.accounting_rows

    def counting(**kwargs):  # the real read, counted
        reads.append((kwargs["start"], kwargs["end"]))
        return real(**kwargs)

    monkeypatch.setattr(selectors_carbon, "accounting_rows", counting)
    services.report_issue(
        actor=system_actor(metered[0].park),
        via="test",
        enterprise_id=metered[0].pk,
        year=2022,
        month=3,
    )
    one_report = len(reads)
    # A report reads three periods: March, February (month on month), March 2021 (year on
    # year); a fourth, January-March, only where the enterprise has a budget (none here).
    assert one_report == len(set(reads)) == 3
    reads.clear()
    batch = _batch(park, personas, workers=1)
    assert batch.done == 2
    assert len(reads) == len(set(reads)) == 3  # not 3 per report: shared by the batch


def test_a_batch_renders_in_worker_processes(metered, park, personas):
    batch = _batch(park, personas, workers=2)
    assert (batch.status, batch.done) == ("done", 2)
    for r in Report.objects.filter(batch=batch).select_related("enterprise"):
        text = PdfReader(io.BytesIO(bytes(r.pdf))).pages[0].extract_text()
        assert r.enterprise.name in text.replace("\n", "") and r.number in text


@pytest.mark.django_db(transaction=True)
def test_files_render_outside_any_transaction(park, zone, ent_a, make_point, personas, monkeypatch):
    load_factors(park)
    make_point("A-E1", owner=ent_a, zone=zone)
    feed(park, {"A-E1": ramp(10000)})
    in_transaction = []
    real = reports.render

    def render(content):
        in_transaction.append(connection.in_atomic_block)
        return real(content)

    monkeypatch.setattr(reports, "render", render)
    services.report_issue(
        actor=system_actor(ent_a.park), via="test", enterprise_id=ent_a.pk, year=2022, month=3
    )
    batch = _batch(park, personas, workers=1)
    count = Enterprise.objects.filter(park=park).count()
    assert batch.done == count and in_transaction == [False] * (1 + count)


def test_the_demo_issues_last_month_once_its_readings_are_in(park, zone, ent_a, ent_b, make_point):
    from parkpilot.carbon import demo
    from parkpilot.energy.models_ops import IntakeJob

    last = timezone.localdate().replace(day=1) - timedelta(days=1)
    load_factors(park, year=last.year)
    make_point("A-E1", owner=ent_a, zone=zone)
    demo.issue_last_month(park)  # no readings yet: nothing to issue from
    assert not Report.objects.exists()

    feed(park, {"A-E1": ramp(10000)}, day=f"{last:%Y-%m}-15")
    job = IntakeJob.objects.create(park=park, kind="backfill", status="running")
    demo.issue_last_month(park)  # the simulator is still back-filling
    assert not Report.objects.exists()

    IntakeJob.objects.filter(pk=job.pk).update(status="done")
    demo.issue_last_month(park)
    issued = Report.objects.filter(park=park, year=last.year, month=last.month)
    assert sorted(issued.values_list("enterprise_id", flat=True)) == [ent_a.pk, ent_b.pk]
    assert {r.latest_version for r in issued} == {1}
    demo.issue_last_month(park)  # once per month
    assert {r.latest_version for r in issued.all()} == {1}
