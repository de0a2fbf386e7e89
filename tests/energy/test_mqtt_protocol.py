"""The worker's side of the delivery protocol without a broker: sequence numbers in the
envelope, the contiguous watermark, the bounded inbox and how database errors are classified."""

import threading
import time

import orjson
import psycopg
import pytest
from django.db import DataError, OperationalError
from hypothesis import given, settings
from hypothesis import strategies as st

from parkpilot.energy.models import DeadLetter, GatewayWatermark, Reading
from parkpilot.energy.mqtt.config import MqttConfig
from parkpilot.energy.mqtt.watermark import watermark_message
from parkpilot.energy.mqtt.worker import Inbox, IngestWorker, Message, database_away

TOPIC = "parkpilot/qsh/readings/gateway"


def settings_engine() -> str:
    from django.conf import settings

    return settings.DATABASES["default"]["ENGINE"]


@pytest.fixture
def worker(tmp_path):
    config = MqttConfig("127.0.0.1", 1, "", "", tmp_path / "p", tmp_path / "a", None)
    return IngestWorker(config=config, client_id="t", rollup=False)


def _envelope(seq, minute):
    readings = [{"point": "m1", "ts": f"2026-11-01T08:{minute:02d}:00+08:00", "value": minute}]
    return Message(TOPIC, orjson.dumps({"seq": seq, "readings": readings}), 1, 0, 0)


@given(st.permutations(list(range(1, 21))), st.integers(1, 5))
@settings(max_examples=200, deadline=None)
def test_the_watermark_is_the_highest_contiguous_committed_number(order, chunk):
    """Committed in any order and any grouping, the watermark never passes a gap."""
    mark = GatewayWatermark(gateway_id=1)
    committed: set[int] = set()
    for start in range(0, len(order), chunk):
        batch = set(order[start : start + chunk])
        committed |= batch
        mark.advance(batch)
        contiguous = 0
        while contiguous + 1 in committed:
            contiguous += 1
        assert mark.seq == contiguous
        assert mark.above == sorted(n for n in committed if n > contiguous)
    assert (mark.seq, mark.above) == (20, [])


@pytest.mark.django_db
def test_envelopes_out_of_order_move_the_watermark_only_when_the_gap_closes(
    worker, make_point, personas
):
    make_point("m1")
    gateway = personas["gateway"]
    worker._handle([_envelope(1, 0), _envelope(3, 2)])
    mark = GatewayWatermark.objects.get(gateway=gateway)
    assert (mark.seq, mark.above) == (1, [3])
    # What the gateway is told: 2 is missing (committed from 3 on), resend it.
    assert watermark_message(mark) == {"seq": 1, "gap_end": 3}
    worker._handle([_envelope(2, 1), _envelope(3, 2)])  # 3 again: a redelivery, harmless
    mark.refresh_from_db()
    assert (mark.seq, mark.above) == (3, [])
    assert watermark_message(mark) == {"seq": 3}
    assert Reading.objects.count() == 3
    assert worker.stats.duplicates == 1


@pytest.mark.django_db
def test_a_bad_sequence_number_is_a_dead_letter_naming_the_field(worker, make_point):
    make_point("m1")
    bad = Message(TOPIC, orjson.dumps({"seq": "7", "readings": []}), 1, 0, 0)
    worker._handle([bad, _envelope(1, 0)])
    letter = DeadLetter.objects.get()
    assert letter.field == "seq"
    assert "integer" in letter.reason
    assert Reading.objects.count() == 1
    assert GatewayWatermark.objects.get().seq == 1


def test_a_full_inbox_holds_the_network_thread_until_the_worker_takes_a_message():
    inbox = Inbox(max_bytes=100)
    inbox.put(Message("t", b"x" * 60, 1, 1, 1))
    inbox.put(Message("t", b"x" * 60, 2, 1, 1))  # over the bound now
    third = threading.Thread(target=inbox.put, args=(Message("t", b"x", 3, 1, 1),))
    third.start()
    time.sleep(0.3)
    assert third.is_alive(), "put() returned although the inbox was full"
    assert inbox.bytes == 120 and inbox.waited == 1
    assert inbox.get(1).mid == 1
    third.join(2)
    assert not third.is_alive()
    assert [inbox.get(0).mid, inbox.get(0).mid, inbox.get(0)] == [2, 3, None]


def test_a_full_inbox_by_message_count_holds_the_network_thread_too():
    # Tiny messages cost memory of their own (one object each), whatever their bytes.
    inbox = Inbox(max_bytes=10**6, max_messages=2)
    inbox.put(Message("t", b"x", 1, 1, 1))
    inbox.put(Message("t", b"x", 2, 1, 1))
    third = threading.Thread(target=inbox.put, args=(Message("t", b"x", 3, 1, 1),))
    third.start()
    time.sleep(0.3)
    assert third.is_alive(), "put() returned although the inbox held max_messages"
    assert len(inbox) == 2 and inbox.waited == 1
    assert inbox.get(1).mid == 1
    third.join(2)
    assert not third.is_alive()
    assert [inbox.get(0).mid, inbox.get(0).mid, inbox.get(0)] == [2, 3, None]


def test_a_closed_inbox_releases_a_waiting_put_and_takes_nothing_more():
    inbox = Inbox(max_bytes=10)
    inbox.put(Message("t", b"x" * 20, 1, 1, 1))
    results = []
    waiting = threading.Thread(
        target=lambda: results.append(inbox.put(Message("t", b"y", 2, 1, 1)))
    )
    waiting.start()
    time.sleep(0.2)
    inbox.close()
    waiting.join(2)
    assert results == [False]
    assert inbox.get(0).mid == 1 and inbox.get(0) is None


@pytest.mark.django_db
def test_database_errors_are_told_from_bad_data():
    # A lost server, as psycopg raises it from a raw cursor and as Django wraps it.
    assert database_away(psycopg.OperationalError("server closed the connection"))
    assert database_away(OperationalError("terminating connection due to administrator command"))
    wrapped = DataError("value out of range")
    wrapped.__cause__ = psycopg.errors.AdminShutdown("terminating connection")
    assert database_away(wrapped)
    # Bad data while the database answers: one message's fault, not an outage.
    assert not database_away(DataError("invalid input syntax"))
    assert not database_away(ValueError("boom"))


@pytest.mark.skipif(
    not settings_engine().endswith("postgresql"), reason="the COPY path is PostgreSQL's"
)
@pytest.mark.django_db(transaction=True)
def test_a_server_lost_during_copy_raises_djangos_operational_error(make_point):
    """store.py's raw psycopg cursors: a terminated backend (what a restart does) must surface
    as Django's OperationalError, which the worker retries, not as a stray psycopg error."""
    from datetime import UTC, datetime

    from django.db import connection

    from parkpilot.energy.ingest.store import insert_readings

    point = make_point("m1")
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    settings_dict = connection.settings_dict

    def restart_meanwhile():  # called while the COPY is under way
        with psycopg.connect(
            host=settings_dict["HOST"] or "127.0.0.1",
            port=settings_dict["PORT"] or 5432,
            user=settings_dict["USER"],
            password=settings_dict["PASSWORD"],
            dbname=settings_dict["NAME"],
            autocommit=True,
        ) as other:
            other.execute("SELECT pg_terminate_backend(%s)", [pid])
        time.sleep(0.2)

    rows = [(point.pk, datetime(2026, 11, 1, minute=m, tzinfo=UTC), float(m)) for m in range(5)]
    with pytest.raises(OperationalError) as caught:
        insert_readings(rows, datetime.now(UTC), meanwhile=restart_meanwhile)
    assert isinstance(caught.value.__cause__, psycopg.OperationalError)  # from the raw cursor
    assert database_away(caught.value)
    connection.close()
    assert Reading.objects.count() == 0  # and the database answers again after a reconnect
