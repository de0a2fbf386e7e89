"""The readings store: the one module that writes raw readings, per database engine.

Both paths are idempotent on (point_id, ts). Each returns the rows that were NOT inserted
(already stored) with the stored value, so the caller can tell duplicates from conflicts.
  - PostgreSQL: COPY straight into the table inside a savepoint (the common case, no duplicate:
    COPY speed); on a unique violation, COPY into a temporary table and INSERT … ON CONFLICT
    DO NOTHING RETURNING, which names the rows that were new.
  - SQLite: one executemany INSERT … ON CONFLICT DO NOTHING over rows sorted by key; when fewer
    rows changed than were sent, look the batch's keys up.
"""

from collections.abc import Callable
from datetime import UTC, datetime

from django.db import IntegrityError, connection, transaction

Row = tuple[int, datetime, float]  # point_id, ts (aware), raw value

_SQLITE_CHUNK = 400  # key pairs per lookup (2 parameters each)


def insert_readings(
    rows: list[Row], received_at: datetime, meanwhile: Callable[[], object] = lambda: None
) -> dict[int, float]:
    """Insert rows (sorted by key); return {row index: stored value} for rows already there.
    `meanwhile` is called once, on PostgreSQL while the server is still writing the streamed
    rows (the client would otherwise sit waiting for it)."""
    if not rows:
        meanwhile()
        return {}
    if connection.vendor == "postgresql":
        return _insert_postgresql(rows, received_at, meanwhile)
    meanwhile()
    return _insert_sqlite(rows, received_at)


def _sqlite_ts(ts: datetime) -> str:
    # Django's own SQLite representation of an aware datetime: naive UTC, str().
    return str(ts.astimezone(UTC).replace(tzinfo=None))


def _insert_sqlite(rows: list[Row], received_at: datetime) -> dict[int, float]:
    received = _sqlite_ts(received_at)
    texts: dict[datetime, str] = {}  # rows share few distinct instants: convert each once
    stamped = []
    for p, ts, v in rows:
        text = texts.get(ts)
        if text is None:
            text = texts[ts] = _sqlite_ts(ts)
        stamped.append((p, text, v, received))
    connection.ensure_connection()
    with connection.wrap_database_errors:  # sqlite3's errors as Django's (see _insert_postgresql)
        cursor = connection.connection.cursor()
        cursor.executemany(
            "INSERT INTO energy_reading (point_id, ts, value, received_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            stamped,
        )
        if cursor.rowcount == len(rows):
            return {}
        return _sqlite_existing(cursor, stamped, received)


def _sqlite_existing(cursor, stamped, received: str) -> dict[int, float]:
    index = {(p, ts): i for i, (p, ts, _, _) in enumerate(stamped)}
    existing = {}
    for start in range(0, len(stamped), _SQLITE_CHUNK):
        chunk = stamped[start : start + _SQLITE_CHUNK]
        values = ",".join("(?, ?)" for _ in chunk)
        params = [x for p, ts, _, _ in chunk for x in (p, ts)]
        cursor.execute(
            "SELECT point_id, ts, value FROM energy_reading "
            f"WHERE received_at <> ? AND (point_id, ts) IN (VALUES {values})",
            [received, *params],
        )
        for point_id, ts, value in cursor.fetchall():
            # Django registers a converter: the column comes back as a naive UTC datetime.
            existing[index[(point_id, str(ts))]] = value
    return existing


_PG_COLUMNS = "(point_id, ts, value, received_at)"


def _insert_postgresql(rows: list[Row], received_at: datetime, meanwhile) -> dict[int, float]:
    import psycopg

    connection.ensure_connection()
    raw = connection.connection
    try:
        # wrap_database_errors: psycopg's own errors from this raw cursor become Django's
        # (OperationalError for a lost server, IntegrityError, DataError...) and mark the
        # connection as errored, so callers can tell "database away" from "bad data".
        with transaction.atomic(), connection.wrap_database_errors, raw.cursor() as cursor:
            _copy(
                cursor,
                f"COPY energy_reading {_PG_COLUMNS} FROM STDIN (FORMAT BINARY)",
                rows,
                received_at,
                meanwhile,
            )
        return {}
    except IntegrityError as exc:
        if not isinstance(exc.__cause__, psycopg.errors.UniqueViolation):
            raise  # another constraint (a CHECK): bad data, not a duplicate
        # Some rows were there already: the savepoint is rolled back, take the slow path.
    with connection.wrap_database_errors, raw.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS energy_reading_stage "
            "(n int, point_id bigint, ts timestamptz, value float8, received_at timestamptz) "
            "ON COMMIT DELETE ROWS"
        )
        cursor.execute("TRUNCATE energy_reading_stage")
        with cursor.copy(
            "COPY energy_reading_stage (n, point_id, ts, value, received_at) FROM STDIN "
            "(FORMAT BINARY)"
        ) as copy:
            copy.set_types(["int4", "int8", "timestamptz", "float8", "timestamptz"])
            for n, (point_id, ts, value) in enumerate(rows):
                copy.write_row((n, point_id, ts, value, received_at))
        cursor.execute(
            f"INSERT INTO energy_reading {_PG_COLUMNS} "
            "SELECT point_id, ts, value, received_at FROM energy_reading_stage "
            "ON CONFLICT DO NOTHING"
        )
        cursor.execute(
            "SELECT s.n, r.value FROM energy_reading_stage s JOIN energy_reading r "
            "ON r.point_id = s.point_id AND r.ts = s.ts WHERE r.received_at <> s.received_at"
        )
        return dict(cursor.fetchall())


def _copy(cursor, statement: str, rows: list[Row], received_at: datetime, meanwhile) -> None:
    with cursor.copy(statement) as copy:
        copy.set_types(["int8", "timestamptz", "float8", "timestamptz"])
        for point_id, ts, value in rows:
            copy.write_row((point_id, ts, value, received_at))
        # All but the last buffer is on its way; the server works through it while we do this.
        meanwhile()


# --- reads and repairs for the rollup stage ------------------------------------------------


def db_ts(epoch: float):
    """A timestamp parameter as this engine's column expects it."""
    return ts_param_converter()(epoch)


def ts_param_converter():
    """epoch → parameter, for many rows: the engine is looked up once, each instant converted
    once (rollup rows of one pass share a few bucket instants)."""
    sqlite = connection.vendor == "sqlite"
    cache: dict[float, object] = {}

    def convert(epoch: float):
        value = cache.get(epoch)
        if value is None:
            ts = datetime.fromtimestamp(epoch, UTC)
            value = cache[epoch] = _sqlite_ts(ts) if sqlite else ts
        return value

    return convert


def epoch_of(value) -> float:
    """Epoch seconds of a timestamp as this engine returns it."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:  # SQLite: naive UTC
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


_WINDOW_CHUNK = 800


def fetch_readings(
    windows: list[tuple[int, float, float]],
) -> dict[int, list[tuple[float, float]]]:
    """{point_id: [(epoch, value), ...] in time order} for lo < ts <= hi of each window."""
    found: dict[int, list[tuple[float, float]]] = {}
    epochs: dict = {}
    postgresql = connection.vendor == "postgresql"
    with (
        connection.wrap_database_errors,
        _binary_cursor() if postgresql else connection.cursor() as cursor,
    ):
        for start in range(0, len(windows), _WINDOW_CHUNK):
            chunk = windows[start : start + _WINDOW_CHUNK]
            if postgresql:
                # Epoch seconds as float8: no timestamp parsing per row on the way back.
                cursor.execute(
                    "SELECT r.point_id, extract(epoch FROM r.ts)::float8, r.value "
                    "FROM energy_reading r JOIN "
                    "unnest(%b::bigint[], %b::timestamptz[], %b::timestamptz[]) AS w(p, lo, hi) "
                    "ON r.point_id = w.p AND r.ts > w.lo AND r.ts <= w.hi "
                    "ORDER BY r.point_id, r.ts",
                    [
                        [w[0] for w in chunk],
                        [db_ts(w[1]) for w in chunk],
                        [db_ts(w[2]) for w in chunk],
                    ],
                    prepare=False,  # a generic plan cannot see how few windows there are
                )
            else:
                values = ",".join("(%s, %s, %s)" for _ in chunk)
                params = [x for p, lo, hi in chunk for x in (p, db_ts(lo), db_ts(hi))]
                # ts as plain text: skips Django's per-row datetime converter.
                cursor.execute(
                    f"WITH w(p, lo, hi) AS (VALUES {values}) "
                    "SELECT r.point_id, CAST(r.ts AS TEXT), r.value FROM energy_reading r JOIN w "
                    "ON r.point_id = w.p AND r.ts > w.lo AND r.ts <= w.hi "
                    "ORDER BY r.point_id, r.ts",
                    params,
                )
            for point_id, ts, value in cursor.fetchall():
                epoch = ts if postgresql else epochs.get(ts)
                if epoch is None:
                    epoch = epochs[ts] = epoch_of(ts)
                found.setdefault(point_id, []).append((epoch, value))
    return found


def reading_at_or_before(point_id: int, epoch: float) -> tuple[float, float] | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ts, value FROM energy_reading WHERE point_id = %s AND ts <= %s "
            "ORDER BY ts DESC LIMIT 1",
            [point_id, db_ts(epoch)],
        )
        row = cursor.fetchone()
    return (epoch_of(row[0]), row[1]) if row else None


def run_start_of(point_id: int, reading: tuple[float, float]) -> float:
    """Since when the counter has shown `reading`'s value: the first reading of the run of
    equal values that ends at it (a frozen dial's catch-up is judged over that span)."""
    ts, value = reading
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ts FROM energy_reading WHERE point_id = %s AND ts < %s AND value <> %s "
            "ORDER BY ts DESC LIMIT 1",
            [point_id, db_ts(ts), value],
        )
        row = cursor.fetchone()
        if row is None:
            return ts
        cursor.execute(
            "SELECT ts FROM energy_reading WHERE point_id = %s AND ts > %s ORDER BY ts LIMIT 1",
            [point_id, db_ts(epoch_of(row[0]))],
        )
        return epoch_of(cursor.fetchone()[0])


def delete_readings(keys: list[tuple[int, float]]) -> None:
    with connection.cursor() as cursor:
        cursor.executemany(
            "DELETE FROM energy_reading WHERE point_id = %s AND ts = %s",
            [(p, db_ts(e)) for p, e in keys],
        )


def _binary_cursor():
    """PostgreSQL: a server-binding cursor on Django's connection (same transaction). Django's
    own cursors bind on the client, turning an array parameter into a quoted text literal
    element by element (a regex per element: a fifth of the rollup stage); with %b
    placeholders the arrays go over in binary."""
    import psycopg

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def upsert_add(
    table: str, key: list[str], fixed: list[str], added: list[str], types: list[str], rows
) -> None:
    """INSERT rows (columns: key, fixed, added); on a key conflict ADD the `added` columns to
    the stored ones (`fixed` ones follow from the key and stay)."""
    updates = ", ".join(f"{c} = {table}.{c} + EXCLUDED.{c}" for c in added)
    _upsert(table, key, key + fixed + added, updates, types, rows)


def upsert_replace(table: str, key: list[str], replaced: list[str], types: list[str], rows):
    """INSERT rows (columns: key, replaced); on a key conflict overwrite the `replaced` ones."""
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in replaced)
    _upsert(table, key, key + replaced, updates, types, rows)


# Column types as COPY's binary format names them.
_COPY_TYPES = {"bigint": "int8", "int": "int4", "text": "text", "timestamptz": "timestamptz",
               "float8": "float8"}  # fmt: skip


def _upsert(table: str, key: list[str], names: list[str], updates: str, types: list[str], rows):
    """PostgreSQL: COPY the rows into a temporary table, then one INSERT … SELECT … ON
    CONFLICT from it (binary COPY costs the client next to nothing per value, where arrays
    passed as parameters are dumped element by element: measured a fifth of a rollup pass,
    benchmarks/profiles/mqtt_worker.md); SQLite: executemany in-process."""
    if not rows:
        return
    conflict = f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"
    columns = ", ".join(names)
    if connection.vendor == "postgresql":
        stage = f"{table}_stage{len(names)}"  # one per table and column set, per session
        spec = ", ".join(f"{n} {t}" for n, t in zip(names, types, strict=True))
        with connection.wrap_database_errors, _binary_cursor() as cursor:
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {stage} ({spec}) ON COMMIT DELETE ROWS; "
                f"TRUNCATE {stage}"
            )
            with cursor.copy(f"COPY {stage} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types([_COPY_TYPES[t] for t in types])
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {stage} {conflict}"
            )
        return
    marks = ", ".join("%s" for _ in names)
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks}) {conflict}", rows)
