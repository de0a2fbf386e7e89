"""The MQTT intake worker (`parkpilot ingest_mqtt`).

Zero loss rests on four things together:
  - a persistent MQTT 5 session (fixed client id, clean_start=False, a long session expiry), so
    the broker keeps what arrives while the worker is down and resends what it had not acked;
  - manual acknowledgement: a message is acked (PUBACK) only after the readings it carried are
    committed, so a crash at any point means a redelivery, never a loss;
  - idempotent intake on (point, ts), so a redelivered message is counted as duplicates;
  - a broker configured not to drop queued QoS 1 messages (docs/energy-mqtt.md).

Messages are batched (up to N readings or T milliseconds) into one transaction: the database,
not MQTT, is the bottleneck of intake, and it is fastest with big sorted batches."""

import contextlib
import logging
import queue
import signal
import threading
import time
from dataclasses import dataclass, field

import paho.mqtt.client as mqtt
from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    transaction,
)
from django.utils import timezone
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from parkpilot.energy.ingest.core import ingest_items, ingest_payload
from parkpilot.energy.ingest.parse import parse_payload
from parkpilot.energy.ingest.validate import Refused
from parkpilot.energy.models import DeadLetter
from parkpilot.energy.mqtt.config import TOPIC_PREFIX, MqttConfig, subscription_filter
from parkpilot.energy.rollups import rollup_pending
from parkpilot.tenancy.models import Park, User
from parkpilot.tenancy.roles import Role

log = logging.getLogger("parkpilot.energy.mqtt")

SOURCE = "mqtt"
SESSION_EXPIRY_S = 7 * 24 * 3600  # how long the broker keeps our queue while no worker runs
TOPIC_CACHE_S = 30.0
ROLLUP_LIMIT = (
    2000  # intake batches per rollup pass  # a new gateway is recognised within this time
)


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
    started: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class Writer:
    park_id: int | None
    gateway_id: int | None
    refusal: str = ""  # why the topic names no known park/gateway


class TopicResolver:
    """`parkpilot/<park code>/readings/<gateway username>` → (park id, gateway id). The broker's
    ACL lets a gateway publish under its own name only, so the topic is the writer's identity."""

    def __init__(self):
        self._cache: dict[str, tuple[float, Writer]] = {}

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
        if len(parts) != 4 or parts[0] != TOPIC_PREFIX or parts[2] != "readings":
            return Writer(None, None, "主题格式不对 / topic is not parkpilot/<park>/readings/<gw>")
        park = Park.objects.filter(code=parts[1]).values_list("id", flat=True).first()
        if park is None:
            return Writer(None, None, f"未知园区 / unknown park: {parts[1][:40]}")
        gateway = (
            User.objects.filter(username=parts[3], role=Role.GATEWAY, park_id=park, is_active=True)
            .values_list("id", flat=True)
            .first()
        )
        if gateway is None:
            return Writer(park, None, f"未知网关 / unknown gateway: {parts[3][:40]}")
        return Writer(park, gateway)


class IngestWorker:
    def __init__(
        self,
        *,
        config: MqttConfig,
        client_id: str,
        batch_readings: int = 20_000,
        batch_ms: int = 200,
        receive_maximum: int = 1_000,
        session_expiry_s: int = SESSION_EXPIRY_S,
        rollup: bool = True,
        rollup_every_ms: int = 1000,
        subscription: str = "shared",
    ):
        self.topic_filter = subscription_filter(subscription)
        self.config = config
        self.client_id = client_id
        self.batch_readings = batch_readings
        self.batch_s = batch_ms / 1000
        self.receive_maximum = receive_maximum
        self.session_expiry_s = session_expiry_s
        self.rollup = rollup
        self.rollup_every_s = rollup_every_ms / 1000
        self._rolled_at = 0.0
        self._unrolled = False  # batches committed since the last complete rollup pass
        self.inbox: queue.Queue[Message] = queue.Queue()
        self.stats = Stats()
        self.resolver = TopicResolver()
        self._stop = threading.Event()
        self._generation = 0
        self._connected = threading.Event()
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
        client.subscribe(self.topic_filter, options=mqtt.SubscribeOptions(qos=1))

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties):
        for code in reason_codes:
            if code.is_failure:
                log.error("MQTT subscription to %s refused: %s", self.topic_filter, code)
            else:
                log.info("MQTT subscribed to %s", self.topic_filter)

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        self._connected.clear()
        if not self._stop.is_set():
            log.warning("MQTT disconnected (%s); reconnecting", reason_code)

    def _on_message(self, client, userdata, msg):
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
            keepalive=30,
            clean_start=False,
            properties=properties,
        )
        self.client.loop_start()  # paho's thread reconnects by itself, with the backoff above

    def run(self, *, max_seconds: float | None = None) -> Stats:
        self.connect()
        deadline = time.monotonic() + max_seconds if max_seconds else None
        try:
            while not self._stop.is_set():
                if deadline and time.monotonic() > deadline:
                    break
                batch = self._collect()
                if batch:
                    self._handle(batch)
                elif self._unrolled and self.rollup:
                    self._rollup()
            # SIGTERM: what already arrived is ingested and acked before leaving.
            while True:
                batch = self._collect(wait=False)
                if not batch:
                    break
                self._handle(batch)
        finally:
            self.client.disconnect()
            self.client.loop_stop()
        return self.stats

    def _collect(self, *, wait: bool = True) -> list[Message]:
        batch: list[Message] = []
        readings = 0
        try:
            first = self.inbox.get(timeout=0.5) if wait else self.inbox.get_nowait()
        except queue.Empty:
            return batch
        batch.append(first)
        readings += _estimate(first.payload)
        until = time.monotonic() + self.batch_s
        while readings < self.batch_readings:
            remaining = until - time.monotonic()
            if remaining <= 0 or (self._stop.is_set() and self.inbox.empty()):
                break
            try:
                message = self.inbox.get(timeout=remaining)
            except queue.Empty:
                break
            batch.append(message)
            readings += _estimate(message.payload)
        return batch

    def _handle(self, batch: list[Message]) -> None:
        delay = 1.0
        one_by_one = False
        while True:
            close_old_connections()
            try:
                if one_by_one:
                    self._ingest_one_by_one(batch)
                else:
                    self._ingest(batch)
                break
            except (OperationalError, InterfaceError) as exc:
                # The database is away: keep the messages unacked and try again.
                log.error("database unavailable (%s); retrying in %.0f s", exc, delay)
                _close_connection()
                if self._stop.wait(delay):
                    return  # stopping with nothing committed: the broker redelivers it later
                delay = min(delay * 2, 30.0)
            except Exception:
                if one_by_one:  # not even a dead letter could be written: leave it unacked
                    log.critical("batch could not be stored nor dead-lettered; not acked")
                    return
                # Not the database: one message breaks the batch; find it, keep the others.
                log.exception("batch failed; ingesting its messages one by one")
                one_by_one = True
        self._ack(batch)
        self._unrolled = True
        self.stats.batches += 1
        self.stats.messages += len(batch)
        # Roll up as soon as the worker has caught up (low latency when the stream is light),
        # and under load at most every `rollup_every_s`: one pass over many batches costs about
        # what a pass over one costs, since its work is per point and bucket, not per reading.
        caught_up = self.inbox.empty()
        if self.rollup and (caught_up or time.monotonic() - self._rolled_at >= self.rollup_every_s):
            self._rollup()

    def _rollup(self) -> None:
        self._rolled_at = time.monotonic()
        try:
            passed = rollup_pending(limit=ROLLUP_LIMIT)
            self._unrolled = passed.batches >= ROLLUP_LIMIT
        except DatabaseError:
            # Intake is committed and the work list keeps it: the next pass rolls it up.
            log.exception("rollup pass failed; it is retried after the next batch")
            _close_connection()

    def _ingest(self, batch: list[Message]) -> None:
        groups: dict[str, list[Message]] = {}
        for message in batch:
            groups.setdefault(message.topic, []).append(message)
        with transaction.atomic():
            for topic, messages in groups.items():
                self._ingest_topic(topic, messages)

    def _ingest_topic(self, topic: str, messages: list[Message]) -> None:
        writer = self.resolver.resolve(topic)
        if writer.refusal:
            for message in messages:
                self._dead_letter(writer.park_id, message, "topic", writer.refusal)
            return
        items: list = []
        for message in messages:
            parsed = parse_payload(message.payload)
            if isinstance(parsed, Refused):
                self._count(
                    ingest_payload(
                        park_id=writer.park_id,
                        payload=message.payload,
                        source=SOURCE,
                        gateway_id=writer.gateway_id,
                    )
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

    def _ingest_one_by_one(self, batch: list[Message]) -> None:
        for message in batch:
            try:
                with transaction.atomic():
                    self._ingest_topic(message.topic, [message])
            except (OperationalError, InterfaceError):
                raise
            except Exception as exc:
                log.exception("message on %s could not be ingested", message.topic)
                writer = self.resolver.resolve(message.topic)
                self._dead_letter(
                    writer.park_id,
                    message,
                    "payload",
                    f"处理失败 / could not be processed: {type(exc).__name__}",
                )

    def _dead_letter(self, park_id, message: Message, field_name: str, reason: str) -> None:
        DeadLetter.objects.create(
            park_id=park_id,
            received_at=timezone.now(),
            source=SOURCE,
            raw=f"{message.topic}\n{message.payload.decode('utf-8', 'replace')}"[:100_000],
            field=field_name,
            reason=reason[:300],
        )
        self.stats.rejected += 1

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


def _estimate(payload: bytes) -> int:
    """Readings in a payload, without parsing it (each reading has one "point" key)."""
    return max(1, payload.count(b'"point"'))


def _close_connection() -> None:
    from django.db import connection

    with contextlib.suppress(DatabaseError):
        connection.close()
