"""Report files rendered in worker processes, so a batch uses every core: the batch's own
process reads the next report's figures while the workers lay out PDFs (WeasyPrint is pure
Python and holds the GIL, so threads would not help). Workers get the content and return the
bytes; they never open the database."""

import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from django.conf import settings


def default_workers() -> int:
    """PARKPILOT_REPORT_WORKERS, else one per core."""
    value = os.environ.get("PARKPILOT_REPORT_WORKERS", "")
    return max(1, int(value)) if value.strip().isdigit() else (os.cpu_count() or 1)


# Render workers yield the cores to the web and meter-intake processes: a batch is background
# work, a reading that waits for the CPU is late (the bench's intake_write_p95_during_batch_ms).
WORKER_NICENESS = 5


def _init_worker(settings_module: str) -> None:
    os.nice(WORKER_NICENESS)
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import gc

    import django

    django.setup()
    from parkpilot.carbon import reports

    reports.warm_up()
    # What start-up made (Django, the apps, WeasyPrint and its fonts) lives as long as the
    # worker: the cyclic collector need not walk it at every collection while PDFs are made.
    gc.freeze()


def _render(content: dict) -> tuple[bytes, bytes]:
    from parkpilot.carbon import reports

    return reports.render(content)


class RenderPool:
    """submit(content) → a Future of (pdf, xlsx). One worker renders in this process; more are
    spawned processes (spawn, not fork: the parent has database connections and threads). A
    pool whose worker died is replaced at the next submit; the reports it held fail and are
    retried by the caller."""

    def __init__(self, workers: int | None = None):
        self.workers = workers or default_workers()
        self._executor: ProcessPoolExecutor | None = None

    def submit(self, content: dict) -> Future:
        if self.workers <= 1:
            return _done(_render, content)
        if self._executor is None or getattr(self._executor, "_broken", False):
            self._start()
        try:
            return self._executor.submit(_render, content)
        except BrokenProcessPool:
            self._start()
            return self._executor.submit(_render, content)

    def _start(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
        self._executor = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(os.environ.get("DJANGO_SETTINGS_MODULE") or settings.SETTINGS_MODULE,),
        )

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> "RenderPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _done(fn, *args) -> Future:
    future: Future = Future()
    try:
        future.set_result(fn(*args))
    except Exception as exc:  # (handed to the caller like a worker's error)
        future.set_exception(exc)
    return future
