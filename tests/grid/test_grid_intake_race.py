"""Many people report at the same moment, each in a thread with a connection of its own (as the
server runs them), on SQLite and PostgreSQL: every report is accepted, none is refused with
"database is locked", and every one gets its case, its report and its photos."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from parkpilot.grid import services
from parkpilot.grid.models import Case, Photo, Report
from tests.grid.conftest import LAT0, LON0, person
from tests.grid.test_grid_reports import jpeg

pytestmark = pytest.mark.django_db(transaction=True)
REPORTERS = 50
PHOTOS = 3


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def _at_once(count, work) -> list[str]:
    barrier = threading.Barrier(count)
    outcomes = [""] * count

    def run(i):
        barrier.wait()
        try:
            outcomes[i] = work(i)
        except Exception as exc:  # the test reports what any refusal was
            outcomes[i] = f"error: {type(exc).__name__}: {exc}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return outcomes


def test_reports_at_the_same_moment_are_all_accepted(park, layout, worker):
    people = [person(f"r{n:02d}", park) for n in range(REPORTERS)]
    photo = jpeg(size=(640, 480))

    def report(i):
        made = services.report_submit(
            actor=people[i], park=park, category="01.01", description=f"垃圾 {i}",
            lon=LON0 + 0.001 + i * 0.0001, lat=LAT0 + 0.004,
            uploads=[SimpleUploadedFile(f"p{k}.jpg", photo, "image/jpeg") for k in range(PHOTOS)],
        )  # fmt: skip
        return "accepted" if made.pk else "lost"

    outcomes = _at_once(REPORTERS, report)
    assert outcomes == ["accepted"] * REPORTERS, [o for o in outcomes if o != "accepted"]
    assert Case.objects.count() == Report.objects.count() == REPORTERS
    assert Photo.objects.count() == REPORTERS * PHOTOS
    # Each in grid 1 (lon 119.801-119.8033 lies in its square), for its worker.
    assert set(Case.objects.values_list("grid_id", "worker_id")) == {(layout[0].pk, worker.pk)}


@pytest.mark.django_db(transaction=False)
def test_the_write_transaction_holds_only_the_inserts(park, layout, worker, supervisor):
    """What made reports fail: SQLite has one write lock for the whole database, and a report
    held it while it read the roster, wrote six files and asked whom to tell; 50 at once
    waited past the busy timeout ("database is locked"). Now all of that comes first, and
    inside are the inserts alone (the test's own transaction makes the report's a savepoint)."""
    photo = jpeg(size=(640, 480))
    with CaptureQueriesContext(connection) as queries:
        services.report_submit(
            actor=person("r", park), park=park, category="01.01", description="垃圾",
            lon=LON0 + 0.004, lat=LAT0 + 0.004,
            uploads=[SimpleUploadedFile(f"p{k}.jpg", photo, "image/jpeg") for k in range(PHOTOS)],
        )  # fmt: skip
    sql = [q["sql"] for q in queries.captured_queries]
    begin = next(i for i, s in enumerate(sql) if s.startswith("SAVEPOINT"))
    end = next(i for i, s in enumerate(sql) if s.startswith("RELEASE SAVEPOINT"))
    inside = [s.split("(")[0].strip() for s in sql[begin + 1 : end]]
    # The case, its report, its 3 photos in one insert, the timeline's event, the audit row,
    # and one insert of the notifications (the worker on duty and the grid's supervisor).
    assert inside == [
        'INSERT INTO "grid_case"',
        'INSERT INTO "grid_report"',
        'INSERT INTO "grid_photo"',
        'INSERT INTO "grid_event"',
        'INSERT INTO "tenancy_auditlog"',
        'INSERT INTO "notifications_notification"',
    ], sql[begin + 1 : end]
