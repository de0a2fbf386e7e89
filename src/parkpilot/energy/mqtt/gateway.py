"""A gateway that follows the end-to-end delivery protocol (docs/energy-mqtt.md): the reference
implementation the simulator and the fault benchmark use.

  - it logs in with its own MQTT credentials and publishes QoS 1 to its own readings topic;
  - each message is an envelope `{"seq": n, "readings": [...]}`, n = 1, 2, 3, … per gateway;
  - it keeps every message until the platform's committed watermark (retained on
    `parkpilot/<park>/watermark/<gateway>`) covers it. It resends
      * the gap, when the watermark names one (`gap_end`: later messages are committed, these
        are not, e.g. lost in a broker crash) and has not moved for `gap_after_s`;
      * everything it holds, when the watermark has not moved for `resend_after_s` (a loss at
        the tail, with nothing committed after it), counted afresh after a reconnect and
        doubled after each resend that brought no progress, up to 5 minutes.
    Never at once on reconnecting, nor while the worker merely lags behind: after a clean
    broker restart, or during a backlog, the watermark keeps moving without a gap, and a resend
    would only queue duplicates;
  - a refusal by the broker (CONNACK or PUBACK reason code ≥ 0x80) is an error, never a send."""

import logging
import threading
import time

import orjson
import paho.mqtt.client as mqtt

from parkpilot.energy.mqtt.config import readings_topic, watermark_topic

log = logging.getLogger("parkpilot.energy.gateway")

NO_MATCHING_SUBSCRIBERS = 16  # PUBACK reason: accepted, but no subscriber: the broker dropped it


class GatewayRefused(Exception):
    """The broker refused the gateway's login or one of its messages."""


class GatewayClient:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        park_code: str,
        username: str,
        password: str,
        start_seq: int | None = None,
        window: int = 100,
        resend_after_s: float = 60.0,
        gap_after_s: float = 3.0,
        client_id: str | None = None,
    ):
        self.username = username
        self.topic = readings_topic(park_code, username)
        self.watermark_topic = watermark_topic(park_code, username)
        self.resend_after_s = resend_after_s
        self._quiet_s = resend_after_s  # grows while resends bring no progress
        self.gap_after_s = gap_after_s
        self.gap_end: int | None = None  # the platform committed from here on, above a gap
        self._gap_sent: tuple[int, int] | None = None  # the gap last resent (watermark, end)
        self.watermark = 0
        self._heard_watermark = threading.Event()
        self._start_seq = start_seq
        self.next_seq = 0  # set by start()
        # seq → (payload, readings): everything not yet covered by the watermark.
        self.unconfirmed: dict[int, tuple[bytes, int]] = {}
        self._changed = threading.Condition()
        self._moved_at = time.monotonic()
        self._window = threading.BoundedSemaphore(window)
        self._window_size = window
        # Packet ids awaiting their PUBACK; a PUBACK may beat publish() returning its id.
        self._in_flight: set[int] = set()
        self._acked_early: set[int] = set()
        self._flight = threading.Lock()
        self._connected = threading.Event()
        # Set by the broker's first CONNACK, accepted or refused, and never cleared: a refusal
        # disconnects (clearing _connected) possibly before start() begins to wait.
        self._answered = threading.Event()
        self._connections = 0
        self.refusal: str | None = None
        self.no_subscribers = 0  # messages the broker had nowhere to queue (resent later)
        self.sent_messages = 0
        self.resent_messages = 0
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id or f"gw-{username}",
            protocol=mqtt.MQTTv5,
        )
        self.client.username_pw_set(username, password)
        self.client.reconnect_delay_set(min_delay=0.5, max_delay=5)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_publish = self._on_publish
        self.client.on_message = self._on_message
        self.host, self.port = host, port

    # --- paho's thread --------------------------------------------------------------------------

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            self.refusal = f"broker refused {self.username}'s login: {reason_code}"
            self._answered.set()  # wake start(); it raises
            client.disconnect()
            return
        self._connections += 1
        if self._connections > 1:
            # A new connection (the broker may have crashed): watch the watermark afresh.
            self._moved_at = time.monotonic()
            self._quiet_s = self.resend_after_s
        client.subscribe(self.watermark_topic, qos=1)
        self._connected.set()
        self._answered.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        self._connected.clear()

    def _on_publish(self, client, userdata, mid, reason_code, properties):
        if reason_code.is_failure and self.refusal is None:
            self.refusal = f"broker refused {self.username}'s message: {reason_code}"
        elif reason_code.value == NO_MATCHING_SUBSCRIBERS:
            self.no_subscribers += 1
        with self._flight:
            if mid in self._in_flight:
                self._in_flight.discard(mid)
                self._window.release()
            else:
                self._acked_early.add(mid)

    def _on_message(self, client, userdata, msg):
        try:
            mark = orjson.loads(msg.payload)
            seq = int(mark["seq"])
            gap_end = int(mark["gap_end"]) if "gap_end" in mark else None
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            log.warning("unreadable watermark on %s: %r", msg.topic, msg.payload[:100])
            return
        with self._changed:
            self._heard_watermark.set()
            if seq >= self.watermark:
                self.gap_end = gap_end
            if seq > self.watermark:
                self.watermark = seq
                self._moved_at = time.monotonic()
                self._quiet_s = self.resend_after_s
                for n in [n for n in self.unconfirmed if n <= seq]:
                    del self.unconfirmed[n]
            self._changed.notify_all()

    # --- the gateway's own thread ---------------------------------------------------------------

    def start(self, timeout: float = 60.0) -> None:
        """Connect; the numbering continues after the platform's watermark (retained topic),
        or after `start_seq` when the caller knows better (e.g. its own stored state)."""
        self.client.connect_async(self.host, self.port, keepalive=30, clean_start=True)
        self.client.loop_start()
        if not self._answered.wait(timeout):
            self.close(wait_s=0)
            raise GatewayRefused(f"{self.username}: no answer from {self.host}:{self.port}")
        self.check()
        self._heard_watermark.wait(1.0)  # a retained watermark arrives right after subscribing
        known = max(self.watermark, self._start_seq or 0)
        self.next_seq = known + 1

    def check(self) -> None:
        if self.refusal:
            raise GatewayRefused(self.refusal)

    def send(self, readings: list) -> int:
        """Publish one envelope; returns its sequence number."""
        self.pump()
        seq = self.next_seq
        self.next_seq += 1
        payload = orjson.dumps({"seq": seq, "readings": readings})
        with self._changed:
            self.unconfirmed[seq] = (payload, len(readings))
        self._publish(payload)
        self.sent_messages += 1
        return seq

    def _publish(self, payload: bytes) -> None:
        while not self._window.acquire(timeout=1.0):
            self.check()
        info = self.client.publish(self.topic, payload, qos=1)
        with self._flight:
            if info.rc not in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_NO_CONN):
                self._window.release()  # not queued (kept in `unconfirmed`: resent later)
            elif info.mid in self._acked_early:
                self._acked_early.discard(info.mid)
                self._window.release()
            else:
                self._in_flight.add(info.mid)  # also when disconnected: paho sends it later
        self.check()

    def pump(self) -> None:
        """Resend what the watermark does not cover once it has stopped moving (see above)."""
        self.check()
        if not (self.unconfirmed and self._connected.is_set()):
            return
        still = time.monotonic() - self._moved_at
        gap = (self.watermark, self.gap_end) if self.gap_end else None
        if gap and still > self.gap_after_s and gap != self._gap_sent:
            self._gap_sent = gap
            self._resend(lambda n: gap[0] < n < gap[1])
        elif still > self._quiet_s:
            self._moved_at = time.monotonic()
            self._quiet_s = min(self._quiet_s * 2, 300.0)
            self._resend(lambda n: True)

    def _resend(self, wanted) -> None:
        with self._changed:
            waiting = [payload for n, (payload, _) in sorted(self.unconfirmed.items()) if wanted(n)]
        for payload in waiting:
            self._publish(payload)
            self.resent_messages += 1

    @property
    def unconfirmed_readings(self) -> int:
        with self._changed:
            return sum(count for _, count in self.unconfirmed.values())

    def wait_confirmed(self, timeout: float) -> bool:
        """Wait until the watermark covers everything sent (resending as needed)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump()
            with self._changed:
                if not self.unconfirmed:
                    return True
                self._changed.wait(min(0.5, max(0.0, deadline - time.monotonic())))
        return not self.unconfirmed

    def close(self, wait_s: float = 10.0) -> None:
        deadline = time.monotonic() + wait_s
        while self._in_flight and time.monotonic() < deadline:
            time.sleep(0.05)
        self.client.disconnect()
        self.client.loop_stop()
