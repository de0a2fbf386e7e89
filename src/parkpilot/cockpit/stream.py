"""Live updates (Server-Sent Events): one poller per server process and feed fans out to every
client.

A Feed names what a live page streams: a park's cheap data version, the figures, and which
viewers may share one copy of them. Each connected page subscribes with an asyncio queue. A
single task per event loop and feed checks the parks' data version every POLL_SECONDS; only when
it changes (or every `refresh_seconds`, for data without a version) does it recompute the
figures, once per group of viewers, and put the same encoded event in every subscriber's queue.
200 screens therefore cost the database what one screen costs.

The big screen (COCKPIT) groups by (park, role): park roles see the whole park, so the group's
payload is computed as one of its users (all of them have the same visibility). Other apps'
feeds (carbon's live figures) put whatever decides visibility into their group key."""

import asyncio
import contextlib
import contextvars
import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from asgiref.sync import sync_to_async
from django.db import close_old_connections, connections

from parkpilot.cockpit import selectors, tiles
from parkpilot.tenancy import access

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5
REFRESH_SECONDS = 30.0
HEARTBEAT_SECONDS = 5.0


def encode(event: str, data: dict) -> bytes:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"event: {event}\ndata: {body}\n\n".encode()


@dataclass(frozen=True)
class Feed:
    name: str
    version: Callable[[object], str]  # (park) -> str: cheap, changes when the figures may
    figures: Callable[[object, object, str], dict]  # (user, park, version) -> JSON-ready dict
    group_key: Callable[[object, object], tuple]  # viewers with equal keys see equal figures
    refresh_seconds: float | None = None  # recompute this often even without a new version


def _cockpit_figures(user, park, version: str) -> dict:
    return selectors.screen_payload(user=user, park=park, version=version)


COCKPIT = Feed(
    name="cockpit",
    version=tiles.data_version,
    figures=_cockpit_figures,
    group_key=lambda user, park: (park.pk, tuple(sorted(access.roles_of(user))), user.is_superuser),
    refresh_seconds=REFRESH_SECONDS,
)


@dataclass
class Group:
    user: object
    park: object
    queues: set = field(default_factory=set)
    last: bytes | None = None
    # The first subscriber computes the figures; the ones arriving meanwhile wait for it
    # instead of each computing the same payload (200 screens reconnecting at once).
    ready: asyncio.Lock = field(default_factory=asyncio.Lock)


class Broadcaster:
    def __init__(self, feed: Feed = COCKPIT):
        self.feed = feed
        self.groups: dict[tuple, Group] = {}
        self.versions: dict[int, str] = {}
        self.refreshed: dict[int, float] = {}
        self.task: asyncio.Task | None = None

    async def subscribe(self, user, park) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue(maxsize=1)
        key = self.feed.group_key(user, park)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group(user=user, park=park)
        group.queues.add(queue)
        async with group.ready:
            if group.last is None:
                version = await _db(self.feed.version, park)
                self.versions.setdefault(park.pk, version)
                group.last = await _db(self._build, group, self.versions[park.pk])
        if queue.empty():
            queue.put_nowait(group.last)
        if self.task is None or self.task.done():
            # A fresh context: the poller outlives this request, so it must not inherit the
            # request's thread-sensitive executor (asgiref shuts that down with the request).
            self.task = asyncio.get_running_loop().create_task(
                self._run(), context=contextvars.Context()
            )
        return queue

    def unsubscribe(self, queue: asyncio.Queue) -> None:
        for key, group in list(self.groups.items()):
            group.queues.discard(queue)
            if not group.queues:
                del self.groups[key]

    async def _run(self) -> None:
        try:
            while self.groups:
                try:
                    await self.tick()
                except Exception:  # a bad tick must not end the stream for everyone
                    log.exception("%s stream tick failed", self.feed.name)
                await asyncio.sleep(POLL_SECONDS)
        finally:
            self.task = None
            # Nobody is watching: give the poller's database connection back.
            await _db(connections.close_all)

    async def tick(self) -> None:
        parks = {g.park.pk: g.park for g in self.groups.values()}
        now = time.monotonic()
        refresh = self.feed.refresh_seconds
        for park_id, park in parks.items():
            version = await _db(self.feed.version, park)
            stale = refresh is not None and now - self.refreshed.get(park_id, now) >= refresh
            if version == self.versions.get(park_id) and not stale:
                continue
            self.versions[park_id] = version
            self.refreshed[park_id] = now
            for group in [g for g in self.groups.values() if g.park.pk == park_id]:
                group.last = await _db(self._build, group, version)
                for queue in list(group.queues):
                    _offer(queue, group.last)
        for park_id in parks:
            self.refreshed.setdefault(park_id, now)

    def _build(self, group: Group, version: str) -> bytes:
        return encode("figures", self.feed.figures(group.user, group.park, version))


def _offer(queue: asyncio.Queue, message: bytes) -> None:
    """Latest wins: a slow client skips to the newest figures instead of queueing old ones."""
    with contextlib.suppress(asyncio.QueueEmpty):
        if queue.full():
            queue.get_nowait()
    queue.put_nowait(message)


async def _db(fn, *args):
    def run():
        close_old_connections()
        return fn(*args)

    return await sync_to_async(run, thread_sensitive=True)()


_broadcasters: dict[tuple[int, str], Broadcaster] = {}


def broadcaster(feed: Feed = COCKPIT) -> Broadcaster:
    """One per event loop and feed, i.e. per server process (tests may run several loops)."""
    key = (id(asyncio.get_running_loop()), feed.name)
    b = _broadcasters.get(key)
    if b is None:
        b = _broadcasters[key] = Broadcaster(feed)
    return b


async def events(request_user, park, feed: Feed = COCKPIT):
    """The SSE body: the current figures at once, new figures when they change, and a
    heartbeat (the server's clock) so the page can tell a quiet stream from a dead one."""
    hub = broadcaster(feed)
    queue = await hub.subscribe(request_user, park)
    try:
        # Each screen retries after its own delay, so a server restart is not followed by every
        # screen reconnecting in the same millisecond.
        yield f"retry: {random.randint(1000, 5000)}\n\n".encode()
        while True:
            try:
                message = await asyncio.wait_for(queue.get(), timeout=HEARTBEAT_SECONDS)
            except TimeoutError:
                message = encode("heartbeat", {"at": time.time()})
            yield message
    finally:
        hub.unsubscribe(queue)
