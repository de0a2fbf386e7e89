"""Intake throughput and rollup cost (issue: energy ingestion).

Same rows, same indexed table, one process, one run, per database. The table already holds a
week of readings for the same points, as a running park's does (an empty table flatters COPY:
its index fits in memory), and every method starts from exactly that state:
  - physical limit: raw COPY (PostgreSQL) / raw executemany in one transaction (SQLite);
  - the naive way: Django bulk_create(ignore_conflicts=True);
  - the full core, direct: ingest_items (validate, idempotent write, the batch's interval
    energy = the delta, dead letters, work list) in batches of 10,000;
  - then the rollup stage (the interval from each point's watermark to the batch, 15m/1h/1d/1mo
    buckets per point and scope), timed on its own and added for the "with rollups" figures;
  - the full core over HTTP: POST /api/v1/energy/readings with a gateway token, 10,000 a request
    (Django's test client in-process: handler, JSON parse, core; no socket).
Figures: ingest_direct_<db>_readings_per_s, ingest_http_<db>_readings_per_s,
ingest_ratio_to_copy (PostgreSQL) / ingest_ratio_to_executemany (SQLite) and
ingest_ratio_to_bulk_create (the full core vs each baseline), the same with the rollup stage
added (…_with_rollups…), rollup_day_recompute_s."""

import statistics
import time
from datetime import UTC, datetime, timedelta

from benchmarks.harness import on_a_test_database, write_result

POINTS = 1421
MINUTES = 100  # 142,100 readings per method
BATCH = 10_000
ROUNDS = 5
DAY_POINTS = 1421
HISTORY_DAYS = 7  # 14.3 million readings already stored when the measured ones arrive
WINDOW_START = datetime(2026, 3, 1, tzinfo=UTC)
COUNTER_BASE = 1_000_000.0  # counters' value at the window's start, so history stays positive
COPY_SQL = "COPY energy_reading (point_id, ts, value, received_at) FROM STDIN (FORMAT BINARY)"


def run(database_url: str | None = None) -> dict:
    return on_a_test_database(database_url, lambda connection: _measure())


def _setup():
    from parkpilot.energy.models import MeteringPoint
    from parkpilot.energy.registry import registry
    from parkpilot.tenancy.models import Park, Role, User

    park = Park.objects.create(code="bench", name="基准园区")
    gateway = User.objects.create(username="gw", role=Role.GATEWAY, park=park)
    MeteringPoint.objects.bulk_create(
        MeteringPoint(park=park, code=f"P{i:04d}", kind="grid_import", unit="kWh",
                      register="cumulative", rated_max_per_h=2000.0, gateway=gateway)
        for i in range(POINTS)
    )  # fmt: skip
    registry.invalidate()
    return park, gateway


def _items(start: datetime, minutes: int, points: int = POINTS) -> list[dict]:
    # Time-major, as gateways send them: every point at minute 1, then minute 2, ...
    return [
        {"point": f"P{p:04d}", "ts": (start + timedelta(minutes=m)).isoformat(),
         "value": COUNTER_BASE + p + m * (1 + p % 7)}
        for m in range(minutes) for p in range(points)
    ]  # fmt: skip


def _history(days: int) -> int:
    """The readings a running park already holds: `days` of one-minute counter readings for
    every point before the measured window, continuous with it (same counters, same slopes),
    so the table and its (point, ts) index have a realistic size when each method inserts."""
    from django.db import connection

    start = WINDOW_START - timedelta(days=days)
    p = "CAST(substr(p.code, 2) AS INTEGER)"
    began = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "INSERT INTO energy_reading (point_id, ts, value, received_at) "
                f"SELECT p.id, t, {COUNTER_BASE} + {p} + "
                f"(extract(epoch FROM t - %s) / 60) * (1 + {p} %% 7), now() "
                "FROM energy_meteringpoint p, generate_series(%s, %s, interval '1 minute') t",
                [WINDOW_START, start, WINDOW_START - timedelta(minutes=1)],
            )
        else:
            cursor.execute(
                "WITH RECURSIVE m(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM m WHERE k < %s) "
                "INSERT INTO energy_reading (point_id, ts, value, received_at) "
                "SELECT p.id, datetime(%s, '+' || k || ' minutes'), "
                f"{COUNTER_BASE} + {p} + (k - %s) * (1 + {p} %% 7), datetime('now') "
                "FROM energy_meteringpoint p, m",
                [days * 1440 - 1, str(start.replace(tzinfo=None)), days * 1440],
            )
        cursor.execute("SELECT COUNT(*) FROM energy_reading")  # SQLite's rowcount says -1 here
        count = cursor.fetchone()[0]
    print(f"history: {count:,} readings in {time.perf_counter() - began:.0f} s", flush=True)
    _reset()
    return count


def _reset():
    """Back to the same state for every method: the history only, nothing of the window."""
    from django.db import connection

    from parkpilot.energy.models import EnergyRollup, IngestBatch, PointRollup, PointState

    with connection.cursor() as cursor:
        since = connection.ops.adapt_datetimefield_value(WINDOW_START)  # SQLite: text, no offset
        cursor.execute("DELETE FROM energy_reading WHERE ts >= %s", [since])
        if connection.vendor == "postgresql":
            # Without it the next method's unique checks wade through the dead index entries
            # of the very keys it inserts again.
            cursor.execute("VACUUM ANALYZE energy_reading")
    for model in (IngestBatch, PointRollup, EnergyRollup, PointState):
        model.objects.all().delete()


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _rows(items, point_ids):
    return sorted(
        (point_ids[i["point"]], datetime.fromisoformat(i["ts"]), i["value"]) for i in items
    )


def _raw_baseline(rows) -> float:
    from django.db import connection, transaction

    received = datetime.now(UTC)
    if connection.vendor == "postgresql":

        def copy():
            with (
                transaction.atomic(),
                connection.connection.cursor() as cursor,
                cursor.copy(COPY_SQL) as cp,
            ):
                cp.set_types(["int8", "timestamptz", "float8", "timestamptz"])
                for p, ts, v in rows:
                    cp.write_row((p, ts, v, received))

        return _timed(copy)

    def executemany():
        def text(ts):
            return str(ts.astimezone(UTC).replace(tzinfo=None))

        stamped = [(p, text(ts), v, text(received)) for p, ts, v in rows]
        with transaction.atomic():
            cursor = connection.connection.cursor()
            cursor.executemany("INSERT INTO energy_reading (point_id, ts, value, received_at) "
                               "VALUES (?, ?, ?, ?)", stamped)  # fmt: skip

    return _timed(executemany)


def _bulk_create(rows) -> float:
    from django.db import transaction

    from parkpilot.energy.models import Reading

    received = datetime.now(UTC)

    def naive():
        with transaction.atomic():
            Reading.objects.bulk_create(
                [Reading(point_id=p, ts=ts, value=v, received_at=received) for p, ts, v in rows],
                ignore_conflicts=True, batch_size=BATCH,
            )  # fmt: skip

    return _timed(naive)


def _core(park, gateway, items) -> tuple[float, float]:
    from parkpilot.energy.ingest.core import ingest_items
    from parkpilot.energy.rollups import rollup_pending

    def intake():
        for i in range(0, len(items), BATCH):
            result = ingest_items(park_id=park.id, items=items[i : i + BATCH], source="direct",
                                  gateway_id=gateway.id)  # fmt: skip
            assert not result.rejected, result.rejected[:3]

    def rollups():
        while rollup_pending().batches:
            pass

    return _timed(intake), _timed(rollups)


def _http(gateway, items) -> float:
    import orjson
    from django.test import Client

    from parkpilot.energy.rollups import rollup_pending
    from parkpilot.tenancy.services import api_token_create

    token = api_token_create(actor=None, via="bench", user=gateway)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    bodies = [orjson.dumps(items[i : i + BATCH]) for i in range(0, len(items), BATCH)]

    def post_all():
        for body in bodies:
            response = client.post("/api/v1/energy/readings", body,
                                   content_type="application/json")  # fmt: skip
            assert response.status_code == 200 and not response.json()["rejected"]

    elapsed = _timed(post_all)
    while rollup_pending().batches:  # not timed: the same stage as after the direct door
        pass
    return elapsed


def _day_recompute(park, gateway) -> tuple[float, int]:
    """A day of 1-minute data for every point, rolled up; then one late reading per point at
    the day's start forces every point's whole day to be recomputed: that pass is timed."""
    from parkpilot.energy.ingest.core import ingest_items
    from parkpilot.energy.rollups import rollup_pending

    _reset()
    start = datetime(2026, 3, 2, 0, 1, tzinfo=UTC)
    items = _items(start, 1440, DAY_POINTS)
    for i in range(0, len(items), BATCH * 5):
        ingest_items(park_id=park.id, items=items[i : i + BATCH * 5], source="direct")
    while rollup_pending().batches:
        pass
    late = [{"point": f"P{p:04d}", "ts": "2026-03-02T00:00:30+00:00", "value": COUNTER_BASE - 1 + p}
            for p in range(DAY_POINTS)]  # fmt: skip
    ingest_items(park_id=park.id, items=late, source="direct")
    return _timed(lambda: rollup_pending(limit=10**6)), len(items)


def _measure() -> dict:
    from django.db import connection

    from parkpilot.energy.models import MeteringPoint

    vendor = connection.vendor
    park, gateway = _setup()
    point_ids = dict(MeteringPoint.objects.values_list("code", "id"))
    history = _history(HISTORY_DAYS)
    items = _items(WINDOW_START, MINUTES)
    rows = _rows(items, point_ids)
    n = len(items)

    # Interleaved rounds, median of each: the machine's noise hits every method alike.
    samples: dict[str, list[float]] = {
        "raw": [],
        "bulk": [],
        "intake": [],
        "rollup": [],
        "http": [],
    }
    for _ in range(ROUNDS):
        _reset()
        samples["raw"].append(_raw_baseline(rows))
        _reset()
        samples["bulk"].append(_bulk_create(rows))
        _reset()
        intake, rollup = _core(park, gateway, items)
        samples["intake"].append(intake)
        samples["rollup"].append(rollup)
        _reset()
        samples["http"].append(_http(gateway, items))
    raw_s, bulk_s, intake_s, rollup_s, http_s = (
        statistics.median(samples[k]) for k in ("raw", "bulk", "intake", "rollup", "http")
    )
    day_s, day_n = _day_recompute(park, gateway)

    with_rollups_s = intake_s + rollup_s
    baseline_name = "copy" if vendor == "postgresql" else "executemany"
    metrics = {
        f"ingest_direct_{vendor}_readings_per_s": round(n / intake_s),
        f"ingest_direct_{vendor}_with_rollups_readings_per_s": round(n / with_rollups_s),
        f"ingest_http_{vendor}_readings_per_s": round(n / http_s),
        f"ingest_ratio_to_{baseline_name}": round(raw_s / intake_s, 3),
        f"ingest_with_rollups_ratio_to_{baseline_name}": round(raw_s / with_rollups_s, 3),
        "ingest_ratio_to_bulk_create": round(bulk_s / intake_s, 3),
        "ingest_with_rollups_ratio_to_bulk_create": round(bulk_s / with_rollups_s, 3),
        "rollup_day_recompute_s": round(day_s, 2),
    }
    baseline = {
        "readings": n,
        f"raw_{baseline_name}_readings_per_s": round(n / raw_s),
        "bulk_create_readings_per_s": round(n / bulk_s),
        "rollup_stage_readings_per_s": round(n / rollup_s),
        "day_recompute_readings": day_n,
        "database": vendor,
        "history_readings": history,
    }
    write_result(f"ingest_{vendor}", metrics=metrics, baseline=baseline,
                 notes=f"{POINTS} points x {MINUTES} one-minute ticks; batches of {BATCH}; "
                       f"median of {ROUNDS} interleaved rounds; into a table already holding "
                       f"{HISTORY_DAYS} days of readings ({history:,})")  # fmt: skip
    print(f"ingest_{vendor}: {metrics} baseline {baseline}")
    return metrics
