"""The MQTT intake worker (`parkpilot ingest_mqtt`).

Zero loss rests on these together (docs/energy-mqtt.md):
  - a persistent MQTT 5 session (fixed client id, clean_start=False, a long session expiry) on
    plain subscriptions, which Mosquitto 2.0 restores after a restart (its shared ones it does
    not), so the broker keeps what arrives while the worker is down and resends what it had not
    acked;
  - manual acknowledgement: a message is acked (PUBACK) only after the readings it carried are
    committed, so a crash at any point means a redelivery, never a loss;
  - idempotent intake on (point, ts), so a redelivered message is counted as duplicates;
  - the database away is never a bad message: the batch stays unacked and is retried;
  - a bounded inbox (payload bytes and messages): when it is full paho's network thread waits,
    stops reading the socket, and TCP holds the rest at the broker (Mosquitto 2.0.11 ignores
    our Receive Maximum);
  - each gateway's committed watermark, for gateways that number their messages, so that what a
    broker crash loses is resent by the gateway.

Messages are batched (up to N readings or T milliseconds) into one transaction: the database,
not MQTT, is the bottleneck of intake, and it is fastest with big sorted batches.

Rollup passes run on a thread of their own with its own database connection (PostgreSQL), so
intake never waits for one; under load at most one pass every `rollup_every_ms`, at once when
intake has caught up. On SQLite, which takes one writer at a time, they run between batches on
the intake thread, once the inbox has stayed empty for `batch_ms` (caught up) or every
`rollup_every_ms` under load."""

import contextlib
import hashlib
import logging
import signal
import threading
import time
from collections import deque
from dataclasses import dataclass, field

import orjson
import paho.mqtt.client as mqtt
import psycopg
from django.db import (
    InterfaceError,
    OperationalError,
    connection,
    transaction,
)
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from parkpilot import plugins
from parkpilot.energy.ingest.core import IngestResult, ingest_items, ingest_payload
from parkpilot.energy.ingest.parse import parse_payload
from parkpilot.energy.ingest.validate import Refused
from parkpilot.energy.models import DeadLetter
from parkpilot.energy.mqtt.config import (
    TOPIC_PREFIX,
    MqttConfig,
    app_topic,
    readings_topic,
    subscription_filters,
)
from parkpilot.energy.mqtt.watermark import MAX_SEQ, record_committed, watermark_topic
from parkpilot.energy.rollups import READINGS_PER_PASS, rollup_pending
from parkpilot.gcpause import gc_paused
from parkpilot.stored_text import stored
from parkpilot.tenancy.errors import ValidationFailed
from parkpilot.tenancy.models import Park, User
from parkpilot.tenancy.roles import Role

log = logging.getLogger("parkpilot.energy.mqtt")

SOURCE = "mqtt"
SESSION_EXPIRY_S = 7 * 24 * 3600  # how long the broker keeps our queue while no worker runs
TOPIC_CACHE_S = 30.0  # a new gateway is recognised within this time
PARTITION_REFRESH_S = 30.0  # a partitioned worker subscribes to new gateways within this time
ROLLUP_LIMIT = 2000  # intake batches per rollup pass
# paho's thread may wait on a full inbox for as long as a database outage lasts; the broker
# drops a client it has not heard from in 1.5 × keepalive, which then only costs a reconnect.
KEEPALIVE_S = 60
MAX_DELAY_S = 30.0


@dataclass
class Message:
    topic: str
    payload: bytes
    mid: int
    qos: int
    generation: int  # the connection it arrived on: acks go only to that same connection


@dataclass
class Stats:
    messages: int = 0
    accepted: int = 0
    duplicates: int = 0
    conflicts: int = 0
    rejected: int = 0
    batches: int = 0
    retries: int = 0  # batches retried because the database was away
    started: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class Writer:
    park_id: int | None
    gateway_id: int | None
    refusal: str = ""  # why the topic names no known park/gateway
    park_code: str = ""
    gateway_name: str = ""
    kind: str = "readings"  # or another app's MqttTopic kind


class TopicResolver:
    """`parkpilot/<park code>/<kind>/<gateway username>` → (park id, gateway id), the kind being
    `readings` or one an app declared (plugins.MqttTopic). The broker's ACL lets a gateway
    publish under its own name only, so the topic is the writer's identity."""

    def __init__(self, kinds=()):
        self._cache: dict[str, tuple[float, Writer]] = {}
        self.kinds = {"readings", *kinds}

    def resolve(self, topic: str) -> Writer:
        hit = self._cache.get(topic)
        now = time.monotonic()
        if hit and now - hit[0] < TOPIC_CACHE_S:
            return hit[1]
        writer = self._lookup(topic)
        self._cache[topic] = (now, writer)
        return writer

    def _lookup(self, topic: str) -> Writer:
        parts = topic.split("/")
        if len(parts) != 4 or parts[0] != TOPIC_PREFIX or parts[2] not in self.kinds:
            return Writer(
                None, None, gettext_noop("The topic is not parkpilot/<park>/readings/<gw>.")
            )
        park = Park.objects.filter(code=parts[1]).values_list("id", flat=True).first()
        if park is None:
            return Writer(
                None, None, stored(gettext_noop("Unknown park: %(park)s."), park=parts[1][:40])
            )
        gateway = (
            User.objects.filter(username=parts[3], role=Role.GATEWAY, park_id=park, is_active=True)
            .values_list("id", flat=True)
            .first()
        )
        if gateway is None:
            reason = stored(gettext_noop("Unknown gateway: %(gateway)s."), gateway=parts[3][:40])
            return Writer(park, None, reason)
        return Writer(park, gateway, park_code=parts[1], gateway_name=parts[3], kind=parts[2])


class Inbox:
    """Messages from paho's network thread to the worker's, bounded by payload bytes and by
    messages (many tiny messages cost memory of their own, whatever their bytes). `put`
    blocks while the inbox is full: paho then stops reading the socket and TCP back-pressure
    keeps the broker's messages at the broker, so the worker's memory is bounded whatever the
    broker sends. Closed (stopping), it takes nothing more: those messages stay unacked and the
    broker sends them again to the next session."""

    def __init__(self, max_bytes: int, max_messages: int = 10_000):
        self.max_bytes = max_bytes
        self.max_messages = max_messages
        self._items: deque[Message] = deque()
        self._bytes = 0
        self._closed = False
        self._changed = threading.Condition()
        self.waited = 0  # times put() had to wait (the flow control at work)

    def put(self, message: Message) -> bool:
        with self._changed:
            if self._full() and not self._closed:
                self.waited += 1
            while self._full() and not self._closed:
                self._changed.wait(0.5)
            if self._closed:
                return False
            self._items.append(message)
            self._bytes += len(message.payload)
            self._changed.notify_all()
            return True

    def get(self, timeout: float) -> Message | None:
        with self._changed:
            if not self._items and timeout > 0:
                self._changed.wait_for(lambda: self._items, timeout)
            if not self._items:
                return None
            message = self._items.popleft()
            self._bytes -= len(message.payload)
            self._changed.notify_all()
            return message

    def _full(self) -> bool:
        # Always room for one message, however big: the inbox never deadlocks.
        return bool(self._items) and (
            self._bytes >= self.max_bytes or len(self._items) >= self.max_messages
        )

    def empty(self) -> bool:
        return not self._items

    def __len__(self) -> int:
        return len(self._items)

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    @property
    def bytes(self) -> int:
        return self._bytes


# Django's (wrapped) and psycopg's own (raised by raw cursors) classes for "cannot reach it"; a
# restart shows as AdminShutdown / "server closed the connection", both OperationalError.
_AWAY = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)


def database_away(exc: BaseException) -> bool:
    """True when `exc` means the database is unreachable (restart, lost connection, locked),
    not that the data was bad: then the batch is retried later, never dead-lettered."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, _AWAY):
            return True
        seen = seen.__cause__ or seen.__context__
    return not _database_answers()


def _database_answers() -> bool:
    try:
        connection.ensure_connection()
        return connection.is_usable()
    except Exception:
        return False


class IngestWorker:
    def __init__(
        self,
        *,
        config: MqttConfig,
        client_id: str,
        batch_readings: int = 20_000,
        batch_ms: int = 200,
        receive_maximum: int = 1_000,
        inbox_bytes: int = 4 * 2**20,
        inbox_messages: int = 10_000,
        session_expiry_s: int = SESSION_EXPIRY_S,
        rollup: bool = True,
        rollup_every_ms: int = 1000,
        subscription: str = "exclusive",
        partition: tuple[int, int] | None = None,
    ):
        self.subscription = subscription
        self.partition = partition
        self.config = config
        self.client_id = client_id
        self.batch_readings = batch_readings
        self.batch_s = batch_ms / 1000
        self.receive_maximum = receive_maximum
        self.session_expiry_s = session_expiry_s
        self.rollup = rollup
        self.rollup_every_s = rollup_every_ms / 1000
        self._rolled_at = 0.0
        self._rollup_s = 0.0  # how long the last pass took
        self._unrolled = False  # batches committed since the last complete rollup pass
        self._busy = False  # the last batch was full: intake has not caught up
        self._rollup_wanted = threading.Event()  # for the rollup thread: work was committed
        self._rollup_thread: threading.Thread | None = None
        self.inbox = Inbox(inbox_bytes, inbox_messages)
        self.stats = Stats()
        # Other apps' messages (plugins.MqttTopic), by kind: their handlers, loaded once.
        self.app_handlers = {k: import_string(h) for k, h in plugins.mqtt_topics().items()}
        self.resolver = TopicResolver(self.app_handlers)
        self._stop = threading.Event()
        self._generation = 0
        self._connected = threading.Event()
        self._topics: list[str] = (
            []
            if subscription == "partition"
            else subscription_filters(subscription, self.app_handlers)
        )
        self._topics_at = 0.0
        self.client = self._make_client()

    # --- MQTT side (paho's network thread) ----------------------------------------------------

    def _make_client(self) -> mqtt.Client:
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        if self.config.username:
            client.username_pw_set(self.config.username, self.config.password)
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        return client

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            log.error("MQTT connect refused: %s", reason_code)
            return
        self._generation += 1
        self._connected.set()
        log.info(
            "MQTT connected to %s:%s as %s (session present: %s)",
            self.config.host,
            self.config.port,
            self.client_id,
            flags.session_present,
        )
        # Also with a session present: subscribing again is harmless and covers a broker that
        # lost its state.
        self._subscribe(list(self._topics))

    def _subscribe(self, topics: list[str]) -> None:
        for start in range(0, len(topics), 100):
            chunk = topics[start : start + 100]
            self.client.subscribe([(t, mqtt.SubscribeOptions(qos=1)) for t in chunk])

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties):
        failed = [code for code in reason_codes if code.is_failure]
        if failed:
            log.error("MQTT subscription refused: %s", failed[0])
        else:
            log.info("MQTT subscribed (%d topic filters)", len(reason_codes))

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        self._connected.clear()
        if not self._stop.is_set():
            log.warning("MQTT disconnected (%s); reconnecting", reason_code)

    def _on_message(self, client, userdata, msg):
        # Blocks while the inbox is full (flow control, see Inbox).
        self.inbox.put(Message(msg.topic, msg.payload, msg.mid, msg.qos, self._generation))

    # --- the main loop (the command's thread) -------------------------------------------------

    def stop(self, *_args) -> None:
        self._stop.set()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)

    def connect(self) -> None:
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = self.session_expiry_s
        properties.ReceiveMaximum = self.receive_maximum
        self.client.connect_async(
            self.config.host,
            self.config.port,
            keepalive=KEEPALIVE_S,
            clean_start=False,
            properties=properties,
        )
        self.client.loop_start()  # paho's thread reconnects by itself, with the backoff above

    def run(self, *, max_seconds: float | None = None) -> Stats:
        deadline = time.monotonic() + max_seconds if max_seconds else None
        if self.subscription == "partition":
            self._wait_for_topics()
        if self.rollup and connection.vendor == "postgresql":
            self._rollup_thread = threading.Thread(
                target=self._rollup_loop, name="rollups", daemon=True
            )
            self._rollup_thread.start()
        self.connect()
        try:
            while not self._stop.is_set():
                if deadline and time.monotonic() > deadline:
                    break
                try:
                    self._step()
                except Exception:
                    log.exception("worker step failed; going on")
                    _close_connection()
                    self._stop.wait(1.0)
            # SIGTERM: what already arrived is ingested and acked before leaving; what paho
            # receives from now on stays unacked for the next session.
            self.inbox.close()
            while batch := self._collect(wait=False):
                self._handle(batch)
        finally:
            self._stop.set()
            if self._rollup_thread is not None:
                self._rollup_thread.join(timeout=60)  # its pass ends (or rolls back) first
            self.client.disconnect()
            self.client.loop_stop()
        return self.stats

    def _step(self) -> None:
        if self.subscription == "partition":
            self._refresh_partition()
        inline = self.rollup and self._rollup_thread is None
        # Inline rollups: after a batch, wait only batch_ms for the next message; if none
        # comes, intake has caught up and a pass runs now.
        batch = self._collect(first_wait=self.batch_s if inline and self._unrolled else 0.5)
        if batch:
            self._handle(batch)
        elif inline and self._unrolled:
            self._rollup()

    # --- partitions: several workers, plain subscriptions -------------------------------------

    def _partition_topics(self) -> list[str]:
        index, count = self.partition
        gateways = User.objects.filter(
            role=Role.GATEWAY, is_active=True, park__isnull=False
        ).values_list("park__code", "username")
        mine = [(park, name) for park, name in gateways if partition_of(name, count) == index]
        return sorted(
            [readings_topic(park, name) for park, name in mine]
            + [app_topic(park, kind, name) for park, name in mine for kind in self.app_handlers]
        )

    def _wait_for_topics(self) -> None:
        delay = 1.0
        while not self._stop.is_set():
            try:
                self._topics = self._partition_topics()
                self._topics_at = time.monotonic()
                return
            except Exception as exc:
                log.error("cannot read the gateways (%s); retrying in %.0f s", exc, delay)
                _close_connection()
                self._stop.wait(delay)
                delay = min(delay * 2, MAX_DELAY_S)

    def _refresh_partition(self) -> None:
        if time.monotonic() - self._topics_at < PARTITION_REFRESH_S:
            return
        self._topics_at = time.monotonic()
        topics = self._partition_topics()
        new = sorted(set(topics) - set(self._topics))
        self._topics = topics
        if new and self._connected.is_set():
            log.info("subscribing to %d new gateways", len(new))
            self._subscribe(new)

    # --- batches ------------------------------------------------------------------------------

    def _collect(self, *, wait: bool = True, first_wait: float = 0.5) -> list[Message]:
        first = self.inbox.get(first_wait if wait else 0)
        if first is None:
            return []
        batch = [first]
        readings = _estimate(first.payload)
        until = time.monotonic() + self.batch_s
        while readings < self.batch_readings:
            remaining = until - time.monotonic()
            if remaining <= 0 or (self._stop.is_set() and self.inbox.empty()):
                break
            message = self.inbox.get(remaining if wait else 0)
            if message is None:
                break
            batch.append(message)
            readings += _estimate(message.payload)
        self._busy = readings >= self.batch_readings or not self.inbox.empty()
        return batch

    def _handle(self, batch: list[Message]) -> None:
        """Ingest and ack the batch. The database away: wait and retry the whole batch (still
        unacked), however long it takes. Anything else: one message breaks the batch; take
        them one by one so that one alone becomes a dead letter."""
        pending = list(batch)
        delay = 1.0
        one_by_one = False
        while pending:
            try:
                if one_by_one:
                    self._ingest_one_by_one(pending)  # acks and removes each as it commits
                else:
                    self._ingest(pending)
                    self._ack(pending)
                    pending = []
            except Exception as exc:
                away = database_away(exc)
                if not away and not one_by_one:
                    log.exception("batch failed; ingesting its messages one by one")
                    one_by_one = True
                    continue
                if away:
                    log.error("database unavailable (%s); retrying in %.0f s", exc, delay)
                else:  # not even a dead letter could be written: keep it, unacked
                    log.critical("message could not be stored nor dead-lettered; retrying")
                self.stats.retries += 1
                _close_connection()  # reconnect afresh: the old connection may be half dead
                if self._stop.wait(delay):
                    return  # stopping: what is left stays unacked, the broker redelivers it
                delay = min(delay * 2, MAX_DELAY_S)
        self._unrolled = True
        self.stats.batches += 1
        self.stats.messages += len(batch)
        if self._rollup_thread is not None:
            self._rollup_wanted.set()
        elif self.rollup and time.monotonic() - self._rolled_at >= self.rollup_every_s:
            # Under load, inline: at most every `rollup_every_s` (caught up: see _step). One
            # pass over many batches costs about what a pass over one costs, since its work is
            # per point and bucket, not per reading.
            self._rollup()

    def _rollup_loop(self) -> None:
        """The rollup thread: a pass whenever intake committed something; while intake is busy
        (full batches, a non-empty inbox) at most one every `rollup_every_s` (or three times
        the last pass's duration, if longer), so that passes cover many batches. Its database
        connection is its own (Django's are per thread)."""
        try:
            while not self._stop.is_set():
                if not self._rollup_wanted.wait(0.5):
                    continue
                if self._busy:
                    # Passes start at most every rollup_every_s and, when they are slow (a
                    # starved machine, a long gap spread), take at most a third of the time.
                    every = max(self.rollup_every_s, 3 * self._rollup_s)
                    pause = self._rolled_at + every - time.monotonic()
                    if pause > 0 and self._stop.wait(pause):
                        break
                self._rollup_wanted.clear()
                if not self._rollup():
                    self._rollup_wanted.set()  # more to do, or failed: again after a pause
                    self._stop.wait(self.rollup_every_s)
        finally:
            _close_connection()

    def _rollup(self) -> bool:
        """One pass; True when it left nothing behind."""
        self._rolled_at = time.monotonic()
        try:
            passed = rollup_pending(limit=ROLLUP_LIMIT, readings=READINGS_PER_PASS)
            self._rollup_s = time.monotonic() - self._rolled_at
            self._unrolled = passed.more
            return not self._unrolled
        except Exception:
            # Intake is committed and the work list keeps it: the next pass rolls it up.
            log.exception("rollup pass failed; it is retried later")
            _close_connection()
            return False

    def _ingest(self, messages: list[Message]) -> None:
        """One transaction: every message's readings and dead letters, and the watermarks."""
        groups: dict[str, list[Message]] = {}
        for message in messages:
            groups.setdefault(message.topic, []).append(message)
        committed: dict[int, set[int]] = {}
        writers: dict[int, Writer] = {}
        # gc paused: parsing a batch makes tens of thousands of dicts (no cycles), each 700 of
        # which would otherwise start a collector pass (ingest_items pauses it too).
        with gc_paused(), transaction.atomic():
            for topic, group in groups.items():
                writer, seqs = self._ingest_topic(topic, group)
                if seqs:
                    committed.setdefault(writer.gateway_id, set()).update(seqs)
                    writers[writer.gateway_id] = writer
            marks = record_committed(committed)
        self._publish_watermarks(marks, writers)

    def _ingest_topic(self, topic: str, messages: list[Message]) -> tuple[Writer, set[int]]:
        writer = self.resolver.resolve(topic)
        if writer.refusal:
            for message in messages:
                self._dead_letter(writer.park_id, message, "topic", writer.refusal)
            return writer, set()
        if writer.kind != "readings":
            self._hand_to_app(writer, messages)
            return writer, set()
        items: list = []
        seqs: set[int] = set()
        for message in messages:
            parsed = parse_payload(message.payload)
            if not isinstance(parsed, Refused):
                parsed = _unwrap_envelope(parsed, seqs)
            if isinstance(parsed, Refused):
                self._count(
                    ingest_payload(
                        park_id=writer.park_id,
                        payload=message.payload,
                        source=SOURCE,
                        gateway_id=writer.gateway_id,
                    )
                    if parsed.field == "payload"
                    else self._refuse(writer, message, parsed)
                )
            else:
                items.extend(parsed)
        if items:
            self._count(
                ingest_items(
                    park_id=writer.park_id,
                    items=items,
                    source=SOURCE,
                    gateway_id=writer.gateway_id,
                )
            )
        return writer, seqs

    def _hand_to_app(self, writer: Writer, messages: list[Message]) -> None:
        """Each message to its app's handler in a savepoint of its own: a refused one becomes a
        dead letter and leaves nothing behind, the others are stored. Any other error breaks
        the batch, which is then taken one message at a time (see _handle)."""
        handler = self.app_handlers[writer.kind]
        for message in messages:
            try:
                with transaction.atomic():
                    self.stats.accepted += handler(
                        park_id=writer.park_id,
                        gateway_id=writer.gateway_id,
                        payload=message.payload,
                    )
            except ValidationFailed as refused:
                error = refused.errors[0]
                with translation.override("en"):  # the msgid, shown in the reader's language
                    reason = str(error.reason)
                self._dead_letter(writer.park_id, message, error.field, reason, writer.gateway_id)

    def _refuse(self, writer: Writer, message: Message, refused: Refused):
        self._dead_letter(writer.park_id, message, refused.field, refused.reason, writer.gateway_id)
        return IngestResult()

    def _ingest_one_by_one(self, pending: list[Message]) -> None:
        """Each message in its own transaction, acked once committed. A message that fails
        while the database answers becomes a dead letter (its raw payload kept for staff to
        reprocess); the database away propagates, and what is left is retried."""
        while pending:
            message = pending[0]
            try:
                self._ingest([message])
            except Exception as exc:
                if database_away(exc):
                    raise
                log.exception("message on %s could not be ingested", message.topic)
                self._dead_letter_failed(message, exc)
            self._ack([message])
            pending.pop(0)

    def _dead_letter_failed(self, message: Message, exc: Exception) -> None:
        writer = self.resolver.resolve(message.topic)
        with transaction.atomic():
            self._dead_letter(
                writer.park_id,
                message,
                "payload",
                stored(
                    gettext_noop("Could not be processed: %(error)s."), error=type(exc).__name__
                ),
                writer.gateway_id,
            )
            # Held as a dead letter, the message is committed: the gateway may let it go.
            seqs: set[int] = set()
            parsed = parse_payload(message.payload)
            if writer.gateway_id and writer.kind == "readings" and not isinstance(parsed, Refused):
                _unwrap_envelope(parsed, seqs)
            marks = record_committed({writer.gateway_id: seqs} if seqs else {})
        self._publish_watermarks(marks, {writer.gateway_id: writer})

    def _dead_letter(
        self, park_id, message: Message, field_name: str, reason: str, gateway_id=None
    ) -> None:
        raw = f"{message.topic}\n{message.payload.decode('utf-8', 'replace')}"[:100_000]
        DeadLetter.objects.create(
            park_id=park_id,
            gateway_id=gateway_id,
            received_at=timezone.now(),
            source=SOURCE,
            raw=raw.replace("\x00", "\\u0000"),  # PostgreSQL text holds no NUL
            field=field_name,
            reason=reason[:300],
        )
        self.stats.rejected += 1

    def _publish_watermarks(self, marks: dict[int, dict], writers: dict[int, Writer]) -> None:
        # After the commit. Retained: a gateway (re)subscribing gets its latest at once. Also
        # when it did not move: a gateway resending after a broker crash is waiting for it.
        # QoS 0: a lost update is made good by the next one (or the gateway's resend), while
        # QoS 1 would make paho's thread wait for PUBACKs queued behind the backlog the broker
        # is sending us, reading more messages and sending our own PUBACKs late.
        for gateway_id, mark in marks.items():
            writer = writers[gateway_id]
            self.client.publish(
                watermark_topic(writer.park_code, writer.gateway_name),
                orjson.dumps(mark),
                qos=0,
                retain=True,
            )

    def _count(self, result) -> None:
        self.stats.accepted += result.accepted
        self.stats.duplicates += result.duplicates
        self.stats.conflicts += result.conflicts
        self.stats.rejected += len(result.rejected)

    def _ack(self, batch: list[Message]) -> None:
        generation = self._generation
        for message in batch:
            # A message from an earlier connection is redelivered by the broker on this one
            # (and then counted as duplicates); its old packet id may already name another.
            if message.qos > 0 and message.generation == generation:
                self.client.ack(message.mid, message.qos)


def partition_of(gateway_username: str, count: int) -> int:
    """Which of `count` partitions a gateway's topic belongs to: a stable hash of its name, the
    same in every worker and every run."""
    digest = hashlib.blake2b(gateway_username.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count


def _unwrap_envelope(items: list, seqs: set[int]) -> list | Refused:
    """`{"seq": n, "readings": [...]}` (a gateway following the protocol) → its readings, with
    n added to `seqs`; a plain reading or array of readings passes unchanged."""
    if len(items) != 1 or not isinstance(items[0], dict) or "readings" not in items[0]:
        return items
    envelope = items[0]
    seq = envelope.get("seq")
    if type(seq) is not int or not 1 <= seq <= MAX_SEQ:
        return Refused("seq", gettext_noop("Must be an integer from 1 to 2^53."))
    readings = envelope["readings"]
    if not isinstance(readings, list):
        return Refused("readings", gettext_noop("Must be an array."))
    seqs.add(seq)
    return readings


def _estimate(payload: bytes) -> int:
    """Readings in a payload, without parsing it (each reading has one "point" key)."""
    return max(1, payload.count(b'"point"'))


def _close_connection() -> None:
    with contextlib.suppress(Exception):
        connection.close()
