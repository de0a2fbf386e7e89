"""Running the simulator: the history back-fill in chunks, with its progress in an IntakeJob
row the pages can show, then live ticks through a chosen door (the ticks that fell due
meanwhile are sent at once, in order).

Live and back-fill share one thread: on SQLite a second writer would only wait for the lock."""

import datetime as dt
import logging
import threading
import time
import urllib.request
from dataclasses import dataclass, field

import orjson
from django.utils import timezone

from parkpilot.energy.ingest.core import ingest_items
from parkpilot.energy.models_ops import IntakeJob
from parkpilot.energy.mqtt.gateway import GatewayClient
from parkpilot.energy.rollups import rollup_pending
from parkpilot.energy.simulator.engine import TZ, Faults, Meters, iso, readings_at
from parkpilot.energy.simulator.plan import PointSpec
from parkpilot.tenancy.models import Park, User

log = logging.getLogger("parkpilot.energy.simulator")

QUARTER_S = 900
CHUNK_HOURS = 6  # one back-fill chunk (its progress step): 24 quarter-hours
# A back-fill pass rolls up its own quarter and at most one live tick that came in between.
ROLLUP_BATCHES = 2


@dataclass
class Sent:
    readings: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    messages: int = 0
    unconfirmed: int = 0  # MQTT: readings the platform's watermark did not cover at the end
    no_subscribers: int = 0  # MQTT: messages the broker had no subscriber for (resent)


class DirectSender:
    """Straight into the intake core, in this process (no network)."""

    name = "direct"

    def __init__(self, park: Park):
        self.park_id = park.pk
        self.sent = Sent()

    def send(self, by_gateway: dict[str, list]) -> None:
        items = [item for batch in by_gateway.values() for item in batch]
        result = ingest_items(park_id=self.park_id, items=items, source="simulator")
        self.sent.readings += len(items)
        self.sent.accepted += result.accepted
        self.sent.duplicates += result.duplicates
        self.sent.rejected += len(result.rejected)
        rollup_pending()


class MqttSender:
    """Each gateway publishes its own readings with its own MQTT login, as the reference gateway
    of the delivery protocol (energy.mqtt.gateway): envelopes numbered per gateway, kept until
    the platform's watermark covers them, resent after a reconnect. A refusal by the broker
    raises GatewayRefused (the command exits non-zero)."""

    name = "mqtt"

    def __init__(self, park: Park, *, host: str, port: int, passwords: dict[str, str], window=100):
        self.park = park
        self.host, self.port = host, port
        self.passwords = passwords
        self.window = window
        self.gateways: dict[str, GatewayClient] = {}
        self.sent = Sent()

    def _gateway(self, name: str) -> GatewayClient:
        client = self.gateways.get(name)
        if client is None:
            client = GatewayClient(
                host=self.host,
                port=self.port,
                park_code=self.park.code,
                username=name,
                password=self.passwords.get(name, ""),
                # The platform's own record, in case the retained topic was lost.
                start_seq=watermark_of_gateway(name),
                window=self.window,
                client_id=f"parkpilot-simulator-{name}",
            )
            client.start()
            self.gateways[name] = client
        return client

    def send(self, by_gateway: dict[str, list]) -> None:
        for gateway, items in by_gateway.items():
            client = self._gateway(gateway)
            for start in range(0, len(items), 100):
                client.send(items[start : start + 100])
                self.sent.messages += 1
            self.sent.readings += len(items)
        for client in self.gateways.values():
            client.pump()

    def close(self, timeout: float = 30.0) -> None:
        """Wait until the platform confirms (watermark) what was sent, then disconnect.
        `sent.unconfirmed` counts the readings it did not confirm in time."""
        deadline = time.monotonic() + timeout
        try:
            for client in self.gateways.values():
                client.wait_confirmed(max(0.0, deadline - time.monotonic()))
        finally:
            self.sent.unconfirmed = sum(c.unconfirmed_readings for c in self.gateways.values())
            self.sent.no_subscribers = sum(c.no_subscribers for c in self.gateways.values())
            for client in self.gateways.values():
                client.close()


def watermark_of_gateway(username: str) -> int:
    from parkpilot.energy.models_watermark import GatewayWatermark

    mark = GatewayWatermark.objects.filter(gateway__username=username).values("seq").first()
    return mark["seq"] if mark else 0


class HttpSender:
    """POST /api/v1/energy/readings with each gateway's own token (made here, audited)."""

    name = "http"

    def __init__(self, park: Park, *, base_url: str, gateways: list[str]):
        from parkpilot.tenancy.services import api_token_create

        self.url = base_url.rstrip("/") + "/api/v1/energy/readings"
        self.tokens = {
            user.username: api_token_create(
                actor=None, via="simulator", user=user, name="simulator"
            )
            for user in User.objects.filter(username__in=gateways)
        }
        self.sent = Sent()

    def send(self, by_gateway: dict[str, list]) -> None:
        for gateway, items in by_gateway.items():
            for start in range(0, len(items), 10_000):
                request = urllib.request.Request(
                    self.url,
                    data=orjson.dumps(items[start : start + 10_000]),
                    headers={
                        "Authorization": f"Bearer {self.tokens[gateway]}",
                        "Content-Type": "application/json",
                    },
                    method="POST",
                )
                with urllib.request.urlopen(request, timeout=60) as response:
                    answer = orjson.loads(response.read())
                self.sent.messages += 1
                self.sent.accepted += answer.get("accepted", 0)
                self.sent.duplicates += answer.get("duplicates", 0)
                self.sent.rejected += len(answer.get("rejected", []))
            self.sent.readings += len(items)


def by_gateway(plan: list[PointSpec], items: list) -> dict[str, list]:
    gateway_of = {p.code: p.gateway for p in plan}
    grouped: dict[str, list] = {}
    for item in items:
        code = item.get("point") if isinstance(item, dict) else None
        grouped.setdefault(gateway_of.get(code, plan[0].gateway), []).append(item)
    return grouped


# --- history back-fill -----------------------------------------------------------------------


def _floor_quarter(epoch: float) -> float:
    return epoch // QUARTER_S * QUARTER_S


@dataclass
class Backfill:
    """Back-fills [start, end) at one reading per point per quarter hour, chunk by chunk."""

    park: Park
    plan: list[PointSpec]
    job: IntakeJob
    start: float
    end: float
    meters: Meters = field(init=False)

    def __post_init__(self):
        self.meters = Meters(self.plan)

    @classmethod
    def prepare(cls, park: Park, plan: list[PointSpec], *, days: float, now: float):
        """A new job for the last `days`, resuming an unfinished one or continuing after the
        last finished one (a restarted simulator does not send history twice)."""
        end = _floor_quarter(now)
        start = _floor_quarter(end - days * 86400)
        last = IntakeJob.objects.filter(park=park, kind=IntakeJob.Kind.BACKFILL).first()
        if last and last.message:
            prev_start, _, prev_end = last.message.partition("/")
            prev_start = dt.datetime.fromisoformat(prev_start).timestamp()
            prev_end = dt.datetime.fromisoformat(prev_end).timestamp()
            if last.status != IntakeJob.Status.DONE and prev_start <= start + 86400:
                return cls(park, plan, last, prev_start, prev_end)
            # Chunks cover (lo, hi]: start one quarter early so `prev_end` itself is sent (the
            # previous live stream may have sent it already: then it is a duplicate, harmless).
            start = max(start, prev_end - QUARTER_S)
        if end <= start:
            return None
        chunks = int(-(-(end - start) // (CHUNK_HOURS * 3600)))
        job = IntakeJob.objects.create(
            park=park,
            kind=IntakeJob.Kind.BACKFILL,
            status=IntakeJob.Status.RUNNING,
            started_at=timezone.now(),
            total=chunks,
            file_name="simulator",
            message=f"{iso(start)}/{iso(end)}",
        )
        return cls(park, plan, job, start, end)

    @property
    def finished(self) -> bool:
        return self.job.done >= self.job.total

    def step(self) -> int:
        """Send the next chunk, a quarter hour at a time; returns the readings sent.

        Each quarter (one reading per point, the size of a live tick) is its own intake
        transaction and rollup pass, so the write lock is never held longer than a live tick
        holds it: on SQLite, a chunk in one transaction kept sign-ins and forms waiting past
        the busy timeout. The chunk's progress is recorded after its quarters; a simulator
        stopped halfway re-sends them, which intake counts as duplicates."""
        chunk_s = CHUNK_HOURS * 3600
        lo = self.start + self.job.done * chunk_s
        hi = min(lo + chunk_s, self.end)
        job, sent = self.job, 0
        epoch = lo + QUARTER_S
        while epoch <= hi and epoch < self.end:  # the live stream starts at `end`
            items = readings_at(self.meters, epoch, step_s=QUARTER_S)
            result = ingest_items(park_id=self.park.pk, items=items, source="simulator")
            rollup_pending(limit=ROLLUP_BATCHES)
            sent += len(items)
            job.accepted += result.accepted
            job.duplicates += result.duplicates
            job.conflicts += result.conflicts
            job.rejected += len(result.rejected)
            epoch += QUARTER_S
        job.done += 1
        if job.done >= job.total:
            job.status, job.finished_at = IntakeJob.Status.DONE, timezone.now()
        job.save(
            update_fields=[
                "done", "accepted", "duplicates", "conflicts", "rejected", "status",
                "finished_at",
            ]
        )  # fmt: skip
        return sent


# --- the loop ----------------------------------------------------------------------------------


@dataclass
class LiveOptions:
    interval_s: float = 900.0  # simulated seconds between two readings of a point
    speedup: float = 1.0
    start: float | None = None  # simulated start (epoch); default: now
    points: int | None = None  # only the first N points
    duration_s: float | None = None  # stop after this much wall time
    ticks: int | None = None  # stop after this many live ticks
    live: bool = True


def run(
    *,
    park: Park,
    plan: list[PointSpec],
    sender,
    options: LiveOptions,
    faults: Faults | None = None,
    backfill: Backfill | None = None,
    stop: threading.Event | None = None,
    report=print,
) -> dict:
    stop = stop or threading.Event()
    meters = Meters(plan)
    chosen = list(range(len(plan)))[: options.points] if options.points else None
    wall0 = time.monotonic()
    sim0 = options.start or time.time()
    next_tick = sim0 // options.interval_s * options.interval_s
    ticks = backfill_readings = 0
    last_report = 0.0
    while not stop.is_set():
        wall = time.monotonic()
        if options.duration_s and wall - wall0 >= options.duration_s:
            break
        live = options.live and (options.ticks is None or ticks < options.ticks)
        backfilling = backfill is not None and not backfill.finished
        if not live and not backfilling:
            break
        # Simulated time runs `speedup` times faster, but never ahead of the real clock:
        # intake refuses readings from the future.
        sim_now = min(sim0 + (wall - wall0) * options.speedup, time.time())
        # Live readings wait for the back-fill, so each point's readings arrive in time order
        # and roll up in one step each. A live reading sent first made every back-filled
        # quarter late data inside a 90-day gap, re-spread to the watermark each time (minutes
        # a quarter, with the write lock held: the demo's sign-ins failed "database is locked").
        if live and not backfilling and next_tick <= sim_now:
            items = readings_at(
                meters, next_tick, step_s=options.interval_s, points=chosen, faults=faults
            )
            sender.send(by_gateway(plan, items))
            ticks += 1
            next_tick += options.interval_s
            continue
        if backfill and not backfill.finished:
            backfill_readings += backfill.step()
            if wall - last_report > 10 or backfill.finished:
                last_report = wall
                job = backfill.job
                report(
                    f"back-fill {job.done}/{job.total} chunks ({job.percent}%), "
                    f"{backfill_readings} readings"
                )
            continue
        wait = (next_tick - sim_now) / options.speedup
        stop.wait(min(max(wait, 0.05), 1.0))
    return {
        "ticks": ticks,
        "sent": sender.sent.__dict__,
        "backfill_readings": backfill_readings,
        "faults": dict(faults.counts) if faults else {},
        "last_tick": dt.datetime.fromtimestamp(next_tick - options.interval_s, TZ).isoformat(),
    }
