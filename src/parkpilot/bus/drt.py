"""Demand-responsive service (定制公交): plan pick-ups and drop-offs on the available buses.

A pure function, no database: `plan(requests, buses, params)` takes riders' requests ("from
here to there around this time, this many seats") and the buses (depot, seats, shift) and
returns, per bus, its stops in order with their times and loads, and the requests left out with
the reason. The routing is OR-Tools' vehicle-routing solver (pickup-and-delivery pairs, seats
as a capacity dimension, time windows, a time limit).

The model, in integer seconds since midnight of the service day:
- Travel time between two points is their great-circle (haversine) distance at
  `Parameters.speed_kmh`, rounded up to the second. There is no road network: the speed is an
  effective straight-line speed, so it should absorb the roads' detours (20 km/h straight-line
  is about 26 km/h along roads that are 1.3 times longer).
- Each pick-up and drop-off holds the bus for `Parameters.dwell_s` (boarding, alighting).
- A rider is picked up within ±`Parameters.window_s` of the requested time (clipped at 0).
- The ride, from the bus leaving the pick-up (after its dwell) to its arrival at the
  drop-off, lasts at most `Parameters.max_ride_factor` times the direct travel time.
- The bus never carries more seats than its capacity, leaves its depot no earlier than its
  shift's start and is back no later than its shift's end.
The solver works in two passes. First the routes: the seconds driven, with a large penalty for
each request left out, searched (guided local search) until `time_limit_s`. Then, on those
routes, the times: the seconds between each rider's requested and planned pick-up, as few as
the routes allow (a schedule of the routes found, within half a second). Timing inside the
search left it no time to improve the routes: 31 h of driving against 25 h on the instance of
benchmarks/bench_drt.py, for about the same minutes off time.
A stop's time is when the bus is there and its dwell starts (a bus may wait at a stop, for a
window to open or to keep to the requested time)."""

import math
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from parkpilot.tenancy.errors import Code, FieldError, ValidationFailed

EARTH_RADIUS_M = 6_371_008.8  # the IUGG mean radius
DAY_S = 24 * 3600
# What leaving one request out costs the solver against seconds of driving: more than any
# route can save, so the solver drops a request only when it cannot fit it.
DROP_PENALTY = 10_000_000

# The second pass's cost of a second between the requested and the planned pick-up.
OFF_TIME_COST = 1
SCHEDULE_LIMIT_MS = 500  # for timing the found routes

Point = tuple[float, float]  # (lat, lon), WGS84 degrees


@dataclass(frozen=True)
class Request:
    id: str
    pickup: Point
    dropoff: Point
    time_s: int  # the requested pick-up time, seconds since midnight
    seats: int = 1


@dataclass(frozen=True)
class Bus:
    id: str
    depot: Point
    capacity: int
    shift_start_s: int
    shift_end_s: int


@dataclass(frozen=True)
class Parameters:
    window_s: int = 15 * 60  # pick-up within ± this of the requested time
    max_ride_factor: float = 2.0  # ride time at most this times the direct time
    speed_kmh: float = 20.0  # along the great circle (see the module's docstring)
    dwell_s: int = 30  # at each pick-up and drop-off
    time_limit_s: float = 3.0  # the solver's search, after its first solution
    improve: bool = True  # guided local search until the time limit; False: first local optimum


class Kind(models.TextChoices):
    PICKUP = "pickup", gettext_lazy("Pick-up")
    DROPOFF = "dropoff", gettext_lazy("Drop-off")


class Reason(models.TextChoices):
    TOO_MANY_SEATS = "too_many_seats", gettext_lazy("More seats than any bus has")
    NO_BUS_IN_TIME = (
        "no_bus_in_time",
        gettext_lazy("No bus can reach the pick-up in its window and be back within its shift"),
    )
    NOT_FITTED = (
        "not_fitted",
        gettext_lazy("The buses are full or busy at that time: the planner found no room"),
    )


@dataclass(frozen=True)
class Stop:
    request_id: str
    kind: Kind
    point: Point
    at_s: int  # the bus is there and its dwell starts
    load: int  # seats taken when the bus leaves


@dataclass(frozen=True)
class Route:
    bus_id: str
    stops: tuple[Stop, ...]
    leaves_s: int  # from the depot, just in time for the first stop
    returns_s: int  # to the depot


@dataclass(frozen=True)
class Unserved:
    request_id: str
    reason: Reason


@dataclass(frozen=True)
class Plan:
    routes: tuple[Route, ...]  # one per bus, in the buses' order (a bus may have no stops)
    unserved: tuple[Unserved, ...]
    solver_status: str = ""

    @property
    def served(self) -> set[str]:
        return {s.request_id for r in self.routes for s in r.stops if s.kind == Kind.PICKUP}


def distance_m(a: Point, b: Point) -> float:
    """Great-circle distance (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def travel_s(a: Point, b: Point, speed_kmh: float) -> int:
    return math.ceil(distance_m(a, b) / (speed_kmh / 3.6))


def max_ride_s(request: Request, params: Parameters) -> int:
    """The longest ride allowed: the factor times the direct travel time, in whole seconds."""
    direct = travel_s(request.pickup, request.dropoff, params.speed_kmh)
    return math.floor(params.max_ride_factor * direct)


def pickup_window(request: Request, params: Parameters) -> tuple[int, int]:
    return max(0, request.time_s - params.window_s), request.time_s + params.window_s


def plan(requests: list[Request], buses: list[Bus], params: Parameters | None = None) -> Plan:
    """Plan the requests on the buses (see the module's docstring for the model)."""
    params = params or Parameters()
    _validate(requests, buses, params)
    unserved, candidates = [], []
    for request in requests:
        reason = _refusal(request, buses, params)
        if reason:
            unserved.append(Unserved(request.id, reason))
        else:
            candidates.append(request)
    if not candidates:
        return Plan(tuple(Route(b.id, (), b.shift_start_s, b.shift_start_s) for b in buses),
                    tuple(unserved), "nothing to plan")  # fmt: skip
    routes, left_out, status = _solve(candidates, buses, params)
    unserved += [Unserved(r.id, Reason.NOT_FITTED) for r in left_out]
    order = {r.id: n for n, r in enumerate(requests)}
    return Plan(tuple(routes), tuple(sorted(unserved, key=lambda u: order[u.request_id])), status)


def _refusal(request: Request, buses: list[Bus], params: Parameters) -> Reason | None:
    """Why no bus could serve this request even if it had nothing else to do, or None."""
    fitting = [b for b in buses if b.capacity >= request.seats]
    if not fitting:
        return Reason.TOO_MANY_SEATS
    opens, closes = pickup_window(request, params)
    direct = travel_s(request.pickup, request.dropoff, params.speed_kmh)
    for bus in fitting:
        at = max(opens, bus.shift_start_s + travel_s(bus.depot, request.pickup, params.speed_kmh))
        back = (at + params.dwell_s + direct + params.dwell_s
                + travel_s(request.dropoff, bus.depot, params.speed_kmh))  # fmt: skip
        if at <= closes and back <= bus.shift_end_s:
            return None
    return Reason.NO_BUS_IN_TIME


@dataclass
class _Model:
    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    time: pywrapcp.RoutingDimension
    seats: pywrapcp.RoutingDimension


def _model(requests, buses, params, points, demand, transit, *, on_time: bool) -> _Model:
    """The routing model; with `on_time`, a pick-up off the requested time costs too."""
    depots = list(range(len(buses)))
    manager = pywrapcp.RoutingIndexManager(len(points), len(buses), depots, depots)
    routing = pywrapcp.RoutingModel(manager)
    time_cb = routing.RegisterTransitMatrix(transit)
    routing.SetArcCostEvaluatorOfAllVehicles(time_cb)
    horizon = max(b.shift_end_s for b in buses)
    routing.AddDimension(time_cb, horizon, horizon, False, "time")
    time = routing.GetDimensionOrDie("time")
    seats_cb = routing.RegisterUnaryTransitVector(demand)
    routing.AddDimensionWithVehicleCapacity(seats_cb, 0, [b.capacity for b in buses], True, "seats")
    seats = routing.GetDimensionOrDie("seats")
    for v, bus in enumerate(buses):
        time.CumulVar(routing.Start(v)).SetRange(bus.shift_start_s, bus.shift_end_s)
        time.CumulVar(routing.End(v)).SetRange(bus.shift_start_s, bus.shift_end_s)
    solver = routing.solver()
    for k, request in enumerate(requests):
        pickup = manager.NodeToIndex(len(buses) + 2 * k)
        dropoff = manager.NodeToIndex(len(buses) + 2 * k + 1)
        routing.AddPickupAndDelivery(pickup, dropoff)
        solver.Add(routing.VehicleVar(pickup) == routing.VehicleVar(dropoff))
        solver.Add(time.CumulVar(pickup) <= time.CumulVar(dropoff))
        solver.Add(
            time.CumulVar(dropoff) - time.CumulVar(pickup)
            <= params.dwell_s + max_ride_s(request, params)
        )
        time.CumulVar(pickup).SetRange(*pickup_window(request, params))
        if on_time:
            time.SetCumulVarSoftLowerBound(pickup, request.time_s, OFF_TIME_COST)
            time.SetCumulVarSoftUpperBound(pickup, request.time_s, OFF_TIME_COST)
        routing.AddDisjunction([pickup], DROP_PENALTY)
        routing.AddDisjunction([dropoff], DROP_PENALTY)
    return _Model(manager, routing, time, seats)


def _solve(requests: list[Request], buses: list[Bus], params: Parameters):
    # Nodes: one depot per bus, then each request's pick-up (2k + B) and drop-off (2k + B + 1).
    points = [b.depot for b in buses]
    demand = [0] * len(buses)
    dwell = [0] * len(buses)
    for request in requests:
        points += [request.pickup, request.dropoff]
        demand += [request.seats, -request.seats]
        dwell += [params.dwell_s, params.dwell_s]
    n = len(points)
    transit = [
        [0 if i == j else dwell[i] + travel_s(points[i], points[j], params.speed_kmh)
         for j in range(n)]
        for i in range(n)
    ]  # fmt: skip

    # First the routes, on driving alone: the search moves fast without a schedule to optimise
    # at every step.
    first = _model(requests, buses, params, points, demand, transit, on_time=False)
    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    )
    if params.improve:
        search.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        )
    search.time_limit.FromMilliseconds(int(params.time_limit_s * 1000))
    solution = first.routing.SolveWithParameters(search)
    status = _STATUS.get(first.routing.status(), str(first.routing.status()))
    if solution is None:
        empty = [Route(b.id, (), b.shift_start_s, b.shift_start_s) for b in buses]
        return empty, list(requests), status
    order = []
    for v in range(len(buses)):
        index, nodes = solution.Value(first.routing.NextVar(first.routing.Start(v))), []
        while not first.routing.IsEnd(index):
            nodes.append(first.manager.IndexToNode(index))
            index = solution.Value(first.routing.NextVar(index))
        order.append(nodes)

    # Then, on those routes, the times: as near the requested ones as the routes allow.
    timed = _model(requests, buses, params, points, demand, transit, on_time=True)
    timing = pywrapcp.DefaultRoutingSearchParameters()
    timing.time_limit.FromMilliseconds(SCHEDULE_LIMIT_MS)
    timed.routing.CloseModelWithParameters(timing)
    kept = timed.routing.ReadAssignmentFromRoutes(
        [[timed.manager.NodeToIndex(node) for node in nodes] for nodes in order], True
    )
    model = timed if kept is not None else first  # the routes stand; only their times differ
    schedule = kept if kept is not None else solution

    routes, served = [], set()
    for v, bus in enumerate(buses):
        stops = []
        for node in order[v]:
            index = model.manager.NodeToIndex(node)
            k, is_dropoff = divmod(node - len(buses), 2)
            request = requests[k]
            load = schedule.Value(model.seats.CumulVar(index)) + demand[node]
            stops.append(Stop(
                request.id, Kind.DROPOFF if is_dropoff else Kind.PICKUP,
                points[node], schedule.Min(model.time.CumulVar(index)), load,
            ))  # fmt: skip
            served.add(k)
        if stops:
            leaves = stops[0].at_s - travel_s(bus.depot, stops[0].point, params.speed_kmh)
            returns = schedule.Min(model.time.CumulVar(model.routing.End(v)))
        else:
            leaves = returns = bus.shift_start_s
        routes.append(Route(bus.id, tuple(stops), leaves, returns))
    left_out = [r for k, r in enumerate(requests) if k not in served]
    return routes, left_out, status


_STATUS = {
    pywrapcp.RoutingModel.ROUTING_NOT_SOLVED: "not solved",
    pywrapcp.RoutingModel.ROUTING_SUCCESS: "success",
    pywrapcp.RoutingModel.ROUTING_PARTIAL_SUCCESS_LOCAL_OPTIMUM_NOT_REACHED: "time limit",
    pywrapcp.RoutingModel.ROUTING_FAIL: "no solution",
    pywrapcp.RoutingModel.ROUTING_FAIL_TIMEOUT: "time limit, no solution",
    pywrapcp.RoutingModel.ROUTING_INVALID: "invalid model",
    pywrapcp.RoutingModel.ROUTING_INFEASIBLE: "infeasible",
    pywrapcp.RoutingModel.ROUTING_OPTIMAL: "optimal",
}


def _validate(requests: list[Request], buses: list[Bus], params: Parameters) -> None:
    errors = []

    def need(ok: bool, name: str, reason: str, code: str = Code.OUT_OF_RANGE) -> None:
        if not ok:
            errors.append(FieldError(field=name, reason=reason, code=code))

    def point(value, name: str) -> None:
        lat, lon = value
        need(-90 <= lat <= 90, f"{name}.lat", _("The latitude must be a number from -90 to 90."))
        need(
            -180 <= lon <= 180, f"{name}.lon", _("The longitude must be a number from -180 to 180.")
        )

    if not buses:
        need(False, "buses", _("Give at least one bus."), Code.REQUIRED)
    for name, ids in (("requests", [r.id for r in requests]), ("buses", [b.id for b in buses])):
        seen = set()
        for n, id_ in enumerate(ids):
            need(id_ not in seen, f"{name}[{n}].id", _("This id is given twice."), Code.DUPLICATE)
            seen.add(id_)
    for n, r in enumerate(requests):
        point(r.pickup, f"requests[{n}].pickup")
        point(r.dropoff, f"requests[{n}].dropoff")
        need(0 <= r.time_s < 2 * DAY_S, f"requests[{n}].time_s",
             _("A time is seconds since midnight, under 48 hours."))  # fmt: skip
        need(r.seats >= 1, f"requests[{n}].seats", _("Ask for at least one seat."))
    for n, b in enumerate(buses):
        point(b.depot, f"buses[{n}].depot")
        need(b.capacity >= 1, f"buses[{n}].capacity", _("A bus has at least one seat."))
        need(0 <= b.shift_start_s < b.shift_end_s <= 2 * DAY_S, f"buses[{n}].shift_end_s",
             _("A shift ends after it starts, within 48 hours of midnight."))  # fmt: skip
    need(params.window_s >= 0, "window_s", _("The window cannot be negative."))
    need(params.max_ride_factor >= 1, "max_ride_factor",
         _("A ride cannot be shorter than the direct trip: use 1 or more."))  # fmt: skip
    need(params.speed_kmh > 0, "speed_kmh", _("The speed must be above zero."))
    need(params.dwell_s >= 0, "dwell_s", _("The dwell time cannot be negative."))
    need(0 < params.time_limit_s <= 600, "time_limit_s",
         _("The time limit is above zero and at most 600 seconds."))  # fmt: skip
    if errors:
        raise ValidationFailed(errors)
