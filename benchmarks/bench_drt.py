"""The demand-responsive planner's figures (issue 17.4). No database: bus/drt.py is a pure function.

The instance: REQUESTS riders spread uniformly over a 10 × 10 km square centred on the park's
demo outline (map_demo in the demo YAML, centre about 30.263 N, 119.835 E), each from one random
point to another, asking for a pick-up between 07:00 and 09:00 (the morning peak), one or two
seats; BUSES buses (the seeds' 14) of the demo's 30 seats, all from the bus hub
(青山湖科技城公交中心站, the demo's position), on shift 06:30–10:30. The planner's defaults: pick-up
within ±15 min, rides at most 2.0 × the direct time, 20 km/h along the great circle, 30 s per
stop, a 3 s search.

- drt_plan_s: one call of drt.plan, model building included (goal < 5 s);
- drt_served_share (goal ≥ 0.95), drt_max_wait_min (the largest gap between a rider's
  requested and planned pick-up, goal ≤ 15), drt_max_detour_ratio (the largest ride over its
  direct time, goal ≤ 2.0), drt_max_load_share (seats taken over capacity, at most 1),
  drt_driving_h and drt_mean_off_time_min (what the solver trades: a second off the requested
  time weighs as a second of driving); each recomputed here from the stops and coordinates.
The baseline, on the same instance in the same run: a greedy insertion heuristic in plain
Python (riders in order of requested time, each put where it adds the least driving, on the
earliest schedule, keeping every constraint), its served share, hours of driving and time; and
the solver without its guided local search (descent to the first local optimum, within the
same time limit)."""

import itertools
import os
import random
import time

from benchmarks.harness import write_result

DATABASES = ("sqlite",)  # one run: nothing here touches a database
REQUESTS = 100
BUSES = 14  # the seeds' figure
SEED = 17
CENTRE = (30.263, 119.835)
HALF_LAT = 0.04497  # 5 km of latitude
HALF_LON = 0.05206  # 5 km of longitude at 30.26 N


def instance():
    from parkpilot.bus import demo, drt
    from parkpilot.bus.geo import to_wgs84

    rng = random.Random(SEED)

    def point():
        return (
            round(CENTRE[0] + rng.uniform(-HALF_LAT, HALF_LAT), 6),
            round(CENTRE[1] + rng.uniform(-HALF_LON, HALF_LON), 6),
        )

    requests = [
        drt.Request(f"r{n:03d}", point(), point(), 7 * 3600 + rng.randrange(2 * 3600),
                    rng.choice((1, 1, 1, 2)))
        for n in range(REQUESTS)
    ]  # fmt: skip
    hub = tuple(float(x) for x in to_wgs84(*demo.HUB_GCJ, datum="gcj02"))
    buses = [
        drt.Bus(f"bus{n:02d}", hub, demo.SEATS, 6 * 3600 + 30 * 60, 10 * 3600 + 30 * 60)
        for n in range(BUSES)
    ]
    return requests, buses


def figures(plan, requests, buses, params) -> dict:
    from parkpilot.bus import drt

    by_id = {r.id: r for r in requests}
    capacity = {b.id: b.capacity for b in buses}
    waits, detours, loads = [], [0.0], [0.0]
    for route in plan.routes:
        picked = {}
        for stop in route.stops:
            request = by_id[stop.request_id]
            loads.append(stop.load / capacity[route.bus_id])
            if stop.kind == drt.Kind.PICKUP:
                picked[request.id] = stop.at_s
                waits.append(abs(stop.at_s - request.time_s) / 60)
            else:
                ride = stop.at_s - (picked[request.id] + params.dwell_s)
                direct = drt.travel_s(request.pickup, request.dropoff, params.speed_kmh)
                detours.append(ride / direct if direct else 1.0)
    return {
        "served_share": round(len(plan.served) / len(requests), 3),
        "max_wait_min": round(max(waits, default=0), 2),
        "mean_off_time_min": round(sum(waits) / max(1, len(waits)), 2),
        "max_detour_ratio": round(max(detours), 3),
        "max_load_share": round(max(loads), 3),
        "buses_used": sum(1 for r in plan.routes if r.stops),
        "driving_h": round(
            sum(driving_s(b, r.stops, params) for b, r in zip(buses, plan.routes, strict=True))
            / 3600,
            2,
        ),
    }


def driving_s(bus, stops, params) -> int:
    """Seconds on the road from the depot through the stops and back (waits and dwells out)."""
    from parkpilot.bus import drt

    points = [bus.depot, *(s.point for s in stops), bus.depot] if stops else []
    return sum(drt.travel_s(a, b, params.speed_kmh) for a, b in itertools.pairwise(points))


def greedy(requests, buses, params):
    """The baseline: cheapest feasible insertion, one rider at a time, never revisited."""
    from parkpilot.bus import drt

    speed = params.speed_kmh
    routes = {b.id: [] for b in buses}  # [(request, is_dropoff)]

    def schedule(bus, stops):
        """The earliest times of these stops, or None if a constraint breaks."""
        t, here, load, picked, times = bus.shift_start_s, bus.depot, 0, {}, []
        for request, is_dropoff in stops:
            point = request.dropoff if is_dropoff else request.pickup
            t += drt.travel_s(here, point, speed)
            if is_dropoff:
                ride = t - (picked[request.id] + params.dwell_s)
                if ride > drt.max_ride_s(request, params):
                    return None
                load -= request.seats
            else:
                opens, closes = drt.pickup_window(request, params)
                t = max(t, opens)
                if t > closes:
                    return None
                picked[request.id] = t
                load += request.seats
                if load > bus.capacity:
                    return None
            times.append(t)
            t += params.dwell_s
            here = point
        if t + drt.travel_s(here, bus.depot, speed) > bus.shift_end_s:
            return None
        return times

    def driving(bus, stops):
        points = [bus.depot, *(r.dropoff if d else r.pickup for r, d in stops), bus.depot]
        return sum(drt.travel_s(a, b, speed) for a, b in itertools.pairwise(points))

    served = 0
    for request in sorted(requests, key=lambda r: r.time_s):
        best = None
        for bus in buses:
            stops = routes[bus.id]
            base = driving(bus, stops)
            for i in range(len(stops) + 1):
                for j in range(i, len(stops) + 1):
                    trial = [*stops[:i], (request, False), *stops[i:j], (request, True),
                             *stops[j:]]  # fmt: skip
                    if schedule(bus, trial) is None:
                        continue
                    cost = driving(bus, trial) - base
                    if best is None or cost < best[0]:
                        best = (cost, bus.id, trial)
        if best:
            routes[best[1]] = best[2]
            served += 1
    off = []
    for bus in buses:
        stops = routes[bus.id]
        for (request, is_dropoff), at in zip(stops, schedule(bus, stops) or [], strict=True):
            if not is_dropoff:
                off.append(abs(at - request.time_s) / 60)
    driven = sum(driving(b, routes[b.id]) for b in buses if routes[b.id])
    return served, driven, sum(off) / max(1, len(off))


def run(database_url: str | None = None) -> dict:
    from benchmarks.harness import setup_django

    setup_django(database_url)  # settings only, for the package's imports
    from parkpilot.bus import drt

    requests, buses = instance()
    params = drt.Parameters()

    started = time.perf_counter()
    plan = drt.plan(requests, buses, params)
    plan_s = time.perf_counter() - started
    got = figures(plan, requests, buses, params)

    started = time.perf_counter()
    descent = drt.plan(requests, buses, drt.Parameters(improve=False))
    first_s = time.perf_counter() - started
    got_first = figures(descent, requests, buses, params)

    started = time.perf_counter()
    greedy_served, greedy_driving_s, greedy_off_min = greedy(requests, buses, params)
    greedy_s = time.perf_counter() - started

    metrics = {
        "drt_plan_s": round(plan_s, 3),
        "drt_served_share": got["served_share"],
        "drt_max_wait_min": got["max_wait_min"],
        "drt_max_detour_ratio": got["max_detour_ratio"],
        "drt_max_load_share": got["max_load_share"],
        "drt_buses_used": got["buses_used"],
        "drt_unserved": {u.request_id: str(u.reason) for u in plan.unserved},
        "drt_solver_status": plan.solver_status,
        "drt_driving_h": got["driving_h"],
        "drt_mean_off_time_min": got["mean_off_time_min"],
        "drt_served_over_greedy": round(got["served_share"] * REQUESTS / max(1, greedy_served), 3),
        "drt_driving_over_greedy": round(got["driving_h"] * 3600 / greedy_driving_s, 3),
    }
    baseline = {
        "greedy_insertion_s": round(greedy_s, 3),
        "greedy_insertion_served_share": round(greedy_served / REQUESTS, 3),
        "greedy_insertion_driving_h": round(greedy_driving_s / 3600, 2),
        "greedy_insertion_mean_off_time_min": round(greedy_off_min, 2),
        "descent_s": round(first_s, 3),
        "descent_served_share": got_first["served_share"],
        "descent_driving_h": got_first["driving_h"],
        "descent_mean_off_time_min": got_first["mean_off_time_min"],
    }
    path = write_result(
        "drt",
        metrics=metrics,
        baseline=baseline,
        notes=f"{REQUESTS} requests 07:00-09:00 over 10 x 10 km, {BUSES} buses of 30 seats, "
        f"seed {SEED}, time limit {params.time_limit_s} s; load {os.getloadavg()[0]:.2f}",
    )
    print(path.read_text())
    return metrics
