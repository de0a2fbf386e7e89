"""The live stream's fan-out: one poller per process; a data change is computed once per
(park, role) group and the same event goes to every subscriber, however many there are."""

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

from parkpilot.cockpit import stream


def _user(role):
    return SimpleNamespace(
        role=role,
        roles=frozenset({role}),
        is_superuser=False,
        is_authenticated=True,
        is_active=True,
        pk=1,
    )


def test_one_compute_per_change_for_all_subscribers(monkeypatch):
    park = SimpleNamespace(pk=7, name="园区")
    version = {"n": 1}
    version_calls, builds = [], []

    def data_version(p):
        version_calls.append(p.pk)
        return str(version["n"])

    def figures(user, p, v):
        builds.append((user.role, v))
        return {"version": v, "role": user.role}

    feed = stream.Feed("test", data_version, figures, stream.COCKPIT.group_key)

    async def no_poller(self):  # the test ticks by hand
        return None

    monkeypatch.setattr(stream.Broadcaster, "_run", no_poller)

    async def scenario():
        hub = stream.Broadcaster(feed)
        staff = [await hub.subscribe(_user("park_staff"), park) for _ in range(50)]
        supervisors = [await hub.subscribe(_user("supervisor"), park) for _ in range(3)]
        # Subscribing: one compute per group, not per screen.
        assert builds == [("park_staff", "1"), ("supervisor", "1")]
        for q in staff + supervisors:
            q.get_nowait()
        await hub.tick()  # nothing changed: nothing computed, nothing sent
        assert len(builds) == 2
        assert all(q.empty() for q in staff + supervisors)
        version["n"] = 2
        await hub.tick()
        assert builds[2:] == [("park_staff", "2"), ("supervisor", "2")]
        events = [q.get_nowait() for q in staff]
        assert len(set(events)) == 1
        data = json.loads(events[0].decode().split("data: ", 1)[1])
        assert data == {"version": "2", "role": "park_staff"}
        # One version check per tick for the park, not one per subscriber.
        assert version_calls.count(7) == 4  # two subscribe-time checks and two ticks
        for q in staff + supervisors:
            hub.unsubscribe(q)
        assert hub.groups == {}

    _run(scenario())


def test_carbon_feed_shares_figures_only_among_viewers_who_see_the_same():
    from parkpilot.carbon.cockpit import LIVE

    park = SimpleNamespace(pk=7)

    def viewer(role, enterprise_id=None):
        return SimpleNamespace(role=role, is_superuser=False, enterprise_id=enterprise_id)

    staff, supervisor = viewer("park_staff"), viewer("supervisor")
    a1, a2 = viewer("enterprise_user", 1), viewer("enterprise_admin", 1)
    b = viewer("enterprise_user", 2)
    # Park readers all see the park's totals: one group. Each enterprise: a group of its own.
    assert LIVE.group_key(staff, park) == LIVE.group_key(supervisor, park)
    assert LIVE.group_key(a1, park) == LIVE.group_key(a2, park)
    assert len({LIVE.group_key(u, park) for u in (staff, a1, b)}) == 3


def _run(coro):
    # In a thread of its own: Playwright's sync API may have left a loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coro).result()


def test_a_slow_client_gets_the_newest_figures_not_a_backlog():
    q = asyncio.Queue(maxsize=1)
    stream._offer(q, b"old")
    stream._offer(q, b"new")
    assert q.get_nowait() == b"new"
    assert q.empty()
