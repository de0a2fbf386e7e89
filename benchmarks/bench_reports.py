"""Carbon reports as issued documents, one and in a batch (issue 14: fast, safe batches).

Figures:
  report_p50_ms / report_p95_ms     issuing one enterprise's monthly report of the demo park:
                                    figures, document block, PDF, XLSX, stored as a version;
  report_batch_500_s                every enterprise's report of a synthetic park of 500
                                    enterprises (40 points each) in one batch, files rendered
                                    in worker processes (one per core);
  report_whole_park_reads           whole-park energy reads the batch made (counted at
                                    energy.selectors_carbon.accounting_rows; goal: one per
                                    park and period, i.e. independent of the number of reports);
  intake_write_p95_during_batch_ms  a meter intake write (one reading through energy's intake
                                    core), made every 20 ms by a separate process while the
                                    batch runs: the batch must not hold the database's write
                                    lock (SQLite) while it renders.
Baseline (same run): the same intake writes with no batch running, and whole-park reads of the
same reports issued one by one. Beside the wall-clock figures, the CPU they took (this process,
and for the batch its render workers too): on a machine shared with other work the wall clock
swings with the load, the CPU much less; report_batch_500_cpu_s / 2 is what the batch would
take on two cores of its own.
PARKPILOT_BENCH_QUICK=1: a park of 40 enterprises (scaled linearly to 500), 5 single reports;
PARKPILOT_BENCH_REPORTS_BATCH=N: a park of N enterprises (scaled linearly to 500), for iterating
on the batch without the full run (the pool's start-up, about 2 s, is scaled with it)."""

import multiprocessing
import os
import resource
import time
from datetime import date, timedelta

from benchmarks.harness import (
    on_a_test_database,
    percentile,
    setup_django,
    summary,
    timings_ms,
    write_result,
)

QUICK = os.environ.get("PARKPILOT_BENCH_QUICK") == "1"
ENTERPRISES = int(os.environ.get("PARKPILOT_BENCH_REPORTS_BATCH") or (40 if QUICK else 500))
REPORT_RUNS = 5 if QUICK else 20
IDLE_S = 2.0 if QUICK else 5.0
WRITE_EVERY_S = 0.02


def run(database_url: str | None = None) -> dict:
    return on_a_test_database(database_url, _measure)


def _writer(db_name: str, park_id: int, code: str, start_ts: float, ready, stop, out) -> None:
    """Another process, as an MQTT intake worker is: one reading every WRITE_EVERY_S, each
    write timed, until told to stop."""
    setup_django(None)
    from datetime import UTC, datetime

    from django.db import connection

    from parkpilot.energy.ingest.core import ingest_items

    connection.settings_dict["NAME"] = db_name
    connection.ensure_connection()
    ready.set()
    samples, i = [], 0
    while not stop.is_set():
        ts = datetime.fromtimestamp(start_ts + 60 * i, UTC).isoformat()
        begin = time.perf_counter()
        ingest_items(park_id=park_id, items=[{"point": code, "ts": ts, "value": 1000.0 + i}],
                     source="direct")  # fmt: skip
        samples.append((time.perf_counter() - begin) * 1000)
        i += 1
        time.sleep(WRITE_EVERY_S)
    out.put(samples)
    connection.close()


class IntakeWriter:
    """Starts _writer in a spawned process; stop() returns its write times (ms)."""

    def __init__(self, connection, park, code: str, start_ts: float):
        ctx = multiprocessing.get_context("spawn")
        self.ready, self.stop_event, self.out = ctx.Event(), ctx.Event(), ctx.Queue()
        self.process = ctx.Process(
            target=_writer,
            args=(connection.settings_dict["NAME"], park.pk, code, start_ts, self.ready,
                  self.stop_event, self.out),
        )  # fmt: skip

    def __enter__(self):
        self.process.start()
        if not self.ready.wait(timeout=120):
            raise RuntimeError("the intake writer process did not start")
        return self

    def stop(self) -> list[float]:
        self.stop_event.set()
        samples = self.out.get(timeout=120)
        self.process.join(timeout=60)
        return samples

    def __exit__(self, *exc):
        if self.process.is_alive():
            self.process.terminate()


def _measure(connection) -> dict:
    from django.utils import timezone

    from benchmarks.bench_carbon import _rollups, _synthetic
    from parkpilot.carbon import services
    from parkpilot.carbon.models import EmissionFactor, Level
    from parkpilot.carbon.periods import period
    from parkpilot.carbon.rendering import default_workers
    from parkpilot.demo.services import demo_load
    from parkpilot.energy import selectors_carbon
    from parkpilot.energy.models import MeteringPoint
    from parkpilot.tenancy.actors import SystemActor
    from parkpilot.tenancy.models import Enterprise, Park

    load_at_start = _load_average()
    demo_load()
    demo = Park.objects.get(code="qingshanhu")
    per = period(Level.MONTH, date(2026, 10, 1), demo.timezone)
    _rollups(demo, per)
    ent = Enterprise.objects.filter(park=demo).order_by("id").first()

    system = SystemActor(demo, "bench")

    def one_report():
        services.report_issue(actor=system, via="bench", enterprise_id=ent.pk, year=2026, month=10)

    cpu_before = time.process_time()
    report_ms = timings_ms(one_report, runs=REPORT_RUNS, warmup=2)
    report_cpu_ms = (time.process_time() - cpu_before) * 1000 / (REPORT_RUNS + 2)

    synth = _synthetic(n_ent=ENTERPRISES)
    # The demo's catalogue as it is (2026 carries the latest published factors forward).
    for f in EmissionFactor.objects.filter(park=demo, year__lte=2026):
        f.pk, f.park = None, synth
        f.save()
    synth_system = SystemActor(synth, "bench")
    services.settings_upsert(actor=synth_system, via="bench", park=synth, year=2026)
    _rollups(synth, per)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    reads: list[int] = []
    real_rows = selectors_carbon.accounting_rows

    def counting_rows(**kwargs):
        if kwargs["park_id"] == synth.pk:
            reads.append(1)
        return real_rows(**kwargs)

    selectors_carbon.accounting_rows = counting_rows
    try:
        sample = Enterprise.objects.filter(park=synth).order_by("id").first()
        services.report_issue(actor=synth_system, via="bench", enterprise_id=sample.pk, year=2026,
                              month=10)  # fmt: skip
        reads_one_report = len(reads)
        reads.clear()

        point = MeteringPoint.objects.filter(park=demo, parent=None, kind="grid_import").first()
        start_ts = (timezone.now() - timedelta(days=2)).timestamp()
        with IntakeWriter(connection, demo, point.code, start_ts) as writer:
            time.sleep(IDLE_S)
            idle = writer.stop()
        batch = services.batch_create(
            actor=synth_system, via="bench", park=synth, year=2026, month=10, start=False
        )
        with IntakeWriter(connection, demo, point.code, start_ts + 86400) as writer:
            t0, cpu0 = time.perf_counter(), _cpu_s(resource.RUSAGE_CHILDREN)
            cpu_self0 = time.process_time()
            batch = services.batch_run(batch_id=batch.pk)
            batch_s = time.perf_counter() - t0
            # The render workers have ended (the pool is closed): their CPU is counted here;
            # the intake writer's is not yet (it is still running).
            batch_cpu_s = time.process_time() - cpu_self0
            batch_cpu_s += _cpu_s(resource.RUSAGE_CHILDREN) - cpu0
            during = writer.stop()
    finally:
        selectors_carbon.accounting_rows = real_rows
    if batch.status != "done" or batch.done != ENTERPRISES:
        raise AssertionError(f"batch did not issue every report: {batch.status} {batch.errors}")

    metrics = {
        "report_p50_ms": round(summary(report_ms)["p50_ms"], 1),
        "report_p95_ms": round(summary(report_ms)["p95_ms"], 1),
        "report_batch_500_s": round(batch_s * 500 / ENTERPRISES, 1),
        "report_whole_park_reads": len(reads),
        "intake_write_p95_during_batch_ms": round(percentile(during, 95), 1),
        "report_cpu_ms": round(report_cpu_ms, 1),
        "report_batch_500_cpu_s": round(batch_cpu_s * 500 / ENTERPRISES, 1),
    }
    write_result(
        f"reports_{connection.vendor}",
        metrics=metrics,
        baseline={
            "intake_write_p95_idle_ms": round(percentile(idle, 95), 1),
            "whole_park_reads_of_one_report": reads_one_report,
            "whole_park_reads_500_reports_one_by_one": reads_one_report * 500,
        },
        notes=(f"load average {load_at_start} at the start, {_load_average()} at the end; "
               f"batch of {ENTERPRISES} enterprises"
               + (" scaled linearly to 500" if ENTERPRISES != 500 else "")
               + f", {default_workers()} render workers; {len(during)} intake writes during "
               f"the batch, {len(idle)} idle"),
    )  # fmt: skip
    return metrics


def _cpu_s(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())
