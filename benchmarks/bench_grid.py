"""Grid governance's figures (issue 青和翼), on SQLite and PostgreSQL.

- grid_locate_p95_ms: which grid holds a report's point, with 1,000 current grids (goal < 50):
  geo.locator.locate, i.e. the stamp query that says whether the park's layout changed plus one
  STR-tree query; grid_locate_build_ms is the first call, which builds the tree. The baseline is
  a linear scan over the same shapely polygons (what the tree saves).
- grid_redraw_s, grid_redraw_cases_lost, grid_redraw_cases_twice: redrawing all 1,000 grids into
  a different lattice with 10,000 open cases (goal <= 60 s, 0 lost, 0 twice): every case must end
  in exactly one current grid that holds its point.
- report_intake_p95_ms: a report with 3 photos (640x480 JPEG with EXIF GPS) POSTed as the
  residents' report form (multipart, session and CSRF token) by 50 concurrent reporters, each a
  signed-in resident in a thread of its own, against `parkpilot serve --workers N` (uvicorn; N as
  deployed: one per core on PostgreSQL, 1 on SQLite, see CORES) on the bench's database, timed
  from the request to its redirect to the new case (goal <= 500 ms). The server does what a
  phone's report costs: the form, the likely-duplicates query (the 10,000 open cases are of the
  same category, so every report offers some and confirms "a different problem"), locating, the
  case, its report, the 3 originals stored and their published copies queued
  (grid.tasks.photos_publish; no consumer runs here, the copies are not timed), the worker's
  notification, the audit row. The baseline is the same report through services.report_submit in
  process, one at a time, and over HTTP by one reporter alone (what HTTP adds, and then what 50 at
  once add: they queue for the server's processes).
  report_intake_lost counts the reports answered with their case whose case, or any of its 3
  photos (row and stored original), is not there once the server has stopped (goal 0).
- open311_conformance_failures: the checks of tests/grid/test_grid_open311.py run as a script
  against the live views (Django's test client), counted.

PARKPILOT_BENCH_QUICK=1 runs a tenth of the cases."""

import io
import os
import random
import time

from benchmarks.harness import setup_django, summary, timings_ms, write_result

QUICK = os.environ.get("PARKPILOT_BENCH_QUICK") == "1"
COLS, ROWS = 40, 25  # 1,000 grids
CASES = 1_000 if QUICK else 10_000
LOCATES = 1_000
INTAKES = 30
REPORTERS = 50
ROUNDS = 2 if QUICK else 4  # reports per reporter: 200 timed reports
LON0, LAT0, CELL = 119.77, 30.215, 0.002
# Server processes as deployed (docs/operations.md): one per core on PostgreSQL; one on SQLite,
# whose single write lock several processes contend for by polling (with 2, some reports waited
# past the 5 s busy timeout and were refused).
CORES = os.cpu_count() or 1


def run(database_url: str | None = None) -> dict:
    setup_django(database_url)
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        return _measure(connection)
    finally:
        from django.db import connections

        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _lattice(cols: int, rows: int, community: int) -> list[dict]:
    w, h = COLS * CELL / cols, ROWS * CELL / rows
    out = []
    for c in range(cols):
        for r in range(rows):
            x0, y0 = LON0 + c * w, LAT0 + r * h
            ring = [[x0, y0], [x0 + w, y0], [x0 + w, y0 + h], [x0, y0 + h], [x0, y0]]
            seq = c * rows + r
            out.append({
                "code": f"330112003{community + seq // 1000:03d}{seq % 1000:03d}",
                "name": f"g{seq}", "boundary": {"type": "Polygon", "coordinates": [ring]},
            })  # fmt: skip
    return out


def _measure(connection) -> dict:
    import datetime

    from django.utils import timezone
    from shapely.geometry import Point, shape

    from parkpilot.grid import geo, services
    from parkpilot.grid.models import Case, Grid, Report
    from parkpilot.tenancy.models import Park, Role, User

    park = Park.objects.create(code="bench", name="基准园区", region_code="330112")
    staff = User.objects.create_user(username="staff", role=Role.PARK_STAFF, park=park)
    rng = random.Random(7)
    services.grids_redraw(actor=staff, park=park, retire=[], new=_lattice(COLS, ROWS, 1))
    geo.locator.invalidate()
    width, height = COLS * CELL, ROWS * CELL

    def point():
        return LON0 + rng.random() * width, LAT0 + rng.random() * height

    start = time.perf_counter()
    geo.locator.locate(park.pk, *point())
    build_ms = (time.perf_counter() - start) * 1000
    locate = summary(timings_ms(lambda: geo.locator.locate(park.pk, *point()), runs=LOCATES))
    polygons = [(g.pk, shape(g.boundary)) for g in Grid.objects.filter(park=park)]

    def linear():
        p = Point(*point())
        return next((pk for pk, poly in polygons if poly.intersects(p)), None)

    linear_scan = summary(timings_ms(linear, runs=200))
    tree = geo.locator.layout(park.pk).tree
    tree_only = summary(
        timings_ms(lambda: tree.query(Point(*point()), predicate="intersects"), runs=LOCATES)
    )

    now = timezone.now()
    current = list(Grid.objects.filter(park=park, valid_to__isnull=True))
    shapes = [shape(g.boundary) for g in current]
    points = [point() for _ in range(CASES)]
    owner = geo.assign(points, shapes)
    Case.objects.bulk_create(
        Case(park=park, grid=current[i], category="01.01", description="bench", lon=x, lat=y,
             reported_at=now, due_on=datetime.date(2026, 12, 31))
        for (x, y), i in zip(points, owner, strict=True)
    )  # fmt: skip
    made = set(Case.objects.filter(park=park).values_list("pk", flat=True))
    start = time.perf_counter()
    services.grids_redraw(
        actor=staff, park=park, retire=[g.pk for g in current], new=_lattice(25, 40, 101)
    )
    redraw_s = time.perf_counter() - start
    after = {g.pk: shape(g.boundary) for g in Grid.objects.filter(park=park, valid_to__isnull=True)}
    rows = list(Case.objects.filter(park=park).values_list("pk", "grid_id", "lon", "lat"))
    seen = [pk for pk, *_ in rows]
    lost = len(made - set(seen)) + sum(
        1 for _pk, g, x, y in rows if g not in after or not after[g].intersects(Point(x, y))
    )
    twice = len(seen) - len(set(seen))

    intake, reporter = _intake(park, staff, point, services, Report)
    concurrent = _concurrent_intake(connection, park, point)
    metrics = {
        "grid_locate_p95_ms": locate["p95_ms"],
        "grid_locate_p50_ms": locate["p50_ms"],
        "grid_locate_build_ms": round(build_ms, 1),
        "grid_redraw_s": round(redraw_s, 2),
        "grid_redraw_cases_lost": lost,
        "grid_redraw_cases_twice": twice,
        "report_intake_p95_ms": concurrent["p95_ms"],
        "report_intake_p50_ms": concurrent["p50_ms"],
        "report_intake_reports": concurrent["n"],
        "report_intake_failed": concurrent["failed"],
        "report_intake_lost": concurrent["lost"],
        "open311_conformance_failures": _open311_failures(park, reporter, staff, point()),
    }
    # What the figure is made of: the STR-tree query alone, and a linear scan of the polygons
    # instead (first hit); the rest of grid_locate is the layout's stamp query.
    baseline = {
        "tree_query_p95_ms": tree_only["p95_ms"],
        "linear_scan_locate_p95_ms": linear_scan["p95_ms"],
        "report_intake_in_process_sequential_p95_ms": intake["p95_ms"],
        "report_intake_http_one_reporter_p95_ms": concurrent["alone_p95_ms"],
    }
    name = f"grid_{connection.vendor}" + ("_quick" if QUICK else "")
    path = write_result(
        name, metrics=metrics, baseline=baseline,
        notes=f"{connection.vendor}; {COLS * ROWS} grids; {CASES} open cases redrawn into a "
        f"25 x 40 lattice; intake: {REPORTERS} concurrent reporters x {ROUNDS} reports over "
        f"HTTP to uvicorn, {_workers(connection)} process(es); load {os.getloadavg()[0]:.2f}",
    )  # fmt: skip
    print(path.read_text())
    return metrics


def _workers(connection) -> int:
    return 1 if connection.vendor == "sqlite" else CORES


def _photo(lon: float, lat: float) -> bytes:
    from PIL import Image

    image = Image.new("RGB", (640, 480), (120, 160, 90))
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (30.0, 14.0, 0.0), 3: "E", 4: (119.0, 50.0, 0.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _intake(park, staff, point, services, Report) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from parkpilot.tenancy.models import Role, User

    resident = User.objects.create_user(username="reporter", role=Role.RESIDENT, park=park)
    data = _photo(119.83, 30.23)

    def once():
        files = [SimpleUploadedFile(f"p{i}.jpg", data, "image/jpeg") for i in range(3)]
        lon, lat = point()
        services.report_submit(actor=resident, park=park, category="01.01", description="垃圾",
                               lon=lon, lat=lat, uploads=files)  # fmt: skip

    return summary(timings_ms(once, runs=INTAKES, warmup=2)), resident


def _concurrent_intake(connection, park, point) -> dict:
    """REPORTERS residents post the report form at once, ROUNDS times each, to a server process
    of their own (see the module's docstring); returns the summary plus n and failed."""
    import shutil
    import subprocess
    import sys
    import tempfile
    import threading
    from pathlib import Path

    from django.test import Client

    from benchmarks.bench_cockpit import _free_port, _test_database_url, _wait_for_port
    from parkpilot.tenancy.models import Role, User

    sessions = []
    for i in range(REPORTERS):
        user = User.objects.create_user(username=f"r{i}", role=Role.RESIDENT, park=park)
        client = Client()
        client.force_login(user)
        sessions.append(client.cookies["sessionid"].value)
    places = [point() for _ in range(REPORTERS * (ROUNDS + 1))]
    scratch = tempfile.mkdtemp(prefix="parkpilot-bench-grid-")
    from django.conf import settings

    # The same secret key, so the server reads the sessions signed here.
    env = {**os.environ, "PARKPILOT_DATA_DIR": scratch, "PARKPILOT_SECRET_KEY": settings.SECRET_KEY}
    database = connection.settings_dict["NAME"]
    connection.close()  # the server takes the database from here
    if connection.vendor == "sqlite":
        # The server runs SQLite as deployed (WAL, busy timeout, IMMEDIATE: the settings' own
        # file in its data dir), on a copy of the bench's database; a sqlite:// URL has none.
        env.pop("DATABASE_URL", None)
        shutil.copyfile(database, Path(scratch) / "parkpilot.sqlite3")
    else:
        env["DATABASE_URL"] = _test_database_url(connection, os.environ["DATABASE_URL"])
    workers = _workers(connection)
    port = _free_port()
    cli = str(Path(sys.executable).with_name("parkpilot"))
    log = Path(scratch) / "server.log"
    with log.open("ab") as out:
        server = subprocess.Popen(
            [cli, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
            env=env, stdout=out, stderr=out,
        )  # fmt: skip
    try:
        _wait_for_port(port, server, timeout=120)
        photo = _photo(119.83, 30.23)
        clients = [_Reporter(port, sid, photo) for sid in sessions]
        for c, place in zip(clients, places, strict=False):  # sign in, token, warm the server
            c.report(place)
        alone = [clients[0].report(point()) for _ in range(20)]  # one reporter, nobody else
        start = threading.Barrier(REPORTERS)
        threads = [
            threading.Thread(target=c.rounds, args=(start, places[REPORTERS + i :: REPORTERS]))
            for i, c in enumerate(clients)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.terminate()
        server.wait(30)
    samples = [ms for c in clients for ms in c.timings]
    failed = sum(c.failed for c in clients)
    if failed:
        print("intake failures:", [f for c in clients for f in c.errors][:5])
        print(log.read_text()[-3000:])
    alone = summary([ms for ms in alone if ms is not None])
    answered = [case_id for c in clients for case_id in c.cases]
    lost = _lost(connection, Path(scratch), answered)
    return summary(samples) | {
        "n": len(samples), "failed": failed, "lost": lost, "alone_p95_ms": alone["p95_ms"]
    }  # fmt: skip


def _lost(connection, scratch, case_ids: list[int]) -> int:
    """How many of the cases the server answered with lack their case row or any of their 3
    photos (row, and its original on disk), read from the server's database once it stopped."""
    import sqlite3

    marks = ",".join("?" * len(case_ids)) or "NULL"
    sql = (f"SELECT c.id, p.original FROM grid_case c LEFT JOIN grid_photo p ON p.case_id = c.id "
           f"WHERE c.id IN ({marks})")  # fmt: skip
    if connection.vendor == "sqlite":
        with sqlite3.connect(scratch / "parkpilot.sqlite3") as db:
            rows = db.execute(sql, case_ids).fetchall()
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql.replace("?", "%s"), case_ids)
            rows = cursor.fetchall()
    photos = {case_id: 0 for case_id in case_ids}
    for case_id, original in rows:
        if original and (scratch / "media" / original).is_file():
            photos[case_id] += 1
    return sum(1 for count in photos.values() if count < 3)


class _Reporter:
    """One resident's phone: their session, the form's CSRF token, and their timed reports."""

    def __init__(self, port: int, session_id: str, photo: bytes):
        import requests

        self.base = f"http://127.0.0.1:{port}"
        self.http = requests.Session()
        self.http.cookies.set("sessionid", session_id, domain="127.0.0.1")
        self.photo = photo
        self.timings, self.failed, self.errors, self.cases = [], 0, [], []

    def _token(self) -> str:
        import re

        page = self.http.get(f"{self.base}/grid/m/report/", timeout=60)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)

    def report(self, place) -> float | None:
        token = getattr(self, "token", None) or self._token()
        self.token = token
        data = {
            "csrfmiddlewaretoken": token, "category": "01.01", "description": "路边垃圾堆积",
            "lon": f"{place[0]:.6f}", "lat": f"{place[1]:.6f}", "datum": "wgs84",
            "confirm_new": "1",
        }  # fmt: skip
        files = [("photos", (f"p{i}.jpg", self.photo, "image/jpeg")) for i in range(3)]
        started = time.perf_counter()
        answer = self.http.post(
            f"{self.base}/grid/m/report/", data=data, files=files, allow_redirects=False,
            headers={"Referer": f"{self.base}/grid/m/report/"}, timeout=120,
        )  # fmt: skip
        took = (time.perf_counter() - started) * 1000
        if answer.status_code != 302 or "/grid/m/cases/" not in answer.headers.get("Location", ""):
            self.failed += 1
            self.errors.append((answer.status_code, answer.text[:200]))
            return None
        self.cases.append(int(answer.headers["Location"].rstrip("/").rsplit("/", 1)[-1]))
        return took

    def rounds(self, start, places) -> None:
        start.wait()
        for place in places:
            took = self.report(place)
            if took is not None:
                self.timings.append(took)


def _open311_failures(park, reporter, staff, where) -> int:
    """The conformance checks of tests/grid/open311_checks.py (the spec's calls, both formats,
    the error bodies) against the views, counted; each failure is printed."""
    from tests.grid import open311_checks

    ctx = open311_checks.prepare(park=park, reporter=reporter, staff=staff, lon=where[0],
                                 lat=where[1])  # fmt: skip
    failed = open311_checks.failures(ctx)
    for line in failed:
        print("open311:", line)
    return len(failed)
