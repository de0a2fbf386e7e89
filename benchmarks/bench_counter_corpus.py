"""Field-pattern corpus (issue 13): counted ÷ true energy per field pattern, ParkPilot beside
MyEMS's published rule, in the same run on the same readings.

Each pattern of benchmarks/field_patterns.py (a one-minute counter at 10 kWh/h on a meter rated
50 kW, 6 h or 12 h, glitched the way field gateways glitch) gets its own metering point. Every
delivery goes, in the order the gateways send them (deliveries of all patterns sent at the same
instant share one request, as one gateway reading many meters would), through the real HTTP door
(POST /api/v1/energy/readings with a gateway token: parse, validate, idempotent write, the work
item) and the real rollup stage (energy.rollups.rollup_pending, run on commit as in production
and drained after each request). The counted energy is then read back from the point's
15-minute rollups in the window; "true readings refused" are the pattern's genuine readings
not stored as sent (refused at intake, moved to the dead letters by the rollup stage, or kept
as a conflict). The same deliveries go through benchmarks/myems_rule.py in simulated time.

Figures (benchmarks/results/counter_corpus_<database>.json): counter_corpus_worst_ratio (the
ratio farthest from 1, over-counts included; goal ≥ 0.995), counter_corpus_good_refused (goal
0), counter_corpus_ratio_<pattern>,
counter_corpus_good_refused_<pattern>, counter_corpus_worst_hour_error_kwh (the largest
|counted − true| of any one hour: where the energy lands, e.g. an outage lumped into the hour
after it); baseline: myems_rule_ratio_<pattern>, myems_rule_worst_ratio,
myems_rule_worst_hour_error_kwh. PARKPILOT_BENCH_QUICK=1: gateways send every 5 minutes
instead of every minute (fewer requests, same readings)."""

import json
import os
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from benchmarks import field_patterns, myems_rule
from benchmarks.field_patterns import HOUR, MINUTE
from benchmarks.harness import setup_django, write_result

GATEWAY = "corpus-gw"


def run(database_url: str | None = None) -> dict:
    # The HTTP door runs the rollup task on commit; in-process here, as the worker would.
    os.environ.setdefault("PARKPILOT_HUEY_IMMEDIATE", "1")
    setup_django(database_url)
    import logging

    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    logging.getLogger("huey").setLevel(logging.WARNING)  # one line per rollup task otherwise
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        return _measure()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


@dataclass
class Outcome:
    counted: float  # kWh in the window's 15-minute rollups
    true: float
    good_refused: int  # genuine readings not stored as sent
    refused: int  # every dead letter of the point

    worst_hour_error: float = 0.0  # kWh: the largest |counted − true| of one hour bucket

    @property
    def ratio(self) -> float:
        return self.counted / self.true


def code_of(pattern: field_patterns.Pattern) -> str:
    return f"FP-{pattern.name}"[:64]


def make_point(park, gateway, pattern: field_patterns.Pattern, code: str | None = None):
    from parkpilot.energy.models import MeteringPoint
    from parkpilot.energy.registry import registry

    point = MeteringPoint.objects.create(
        park=park,
        code=code or code_of(pattern),
        kind="grid_import",
        unit="kWh",
        register="cumulative",
        rollover=pattern.meter.rollover,
        rated_max_per_h=pattern.meter.rated_kw,
        interval_s=pattern.meter.interval_s,
        gateway=gateway,
    )
    registry.invalidate()
    return point


def send_through_core(park, gateway):
    """The intake core as every door calls it (the tests' door: no HTTP round trip)."""
    from parkpilot.energy.ingest.core import ingest_items

    def send(items: list[dict]) -> None:
        ingest_items(park_id=park.id, items=items, source="direct", gateway_id=gateway.id)

    return send


def send_through_http(gateway):
    """POST /api/v1/energy/readings with the gateway's token (Django's client, in-process)."""
    import orjson
    from django.test import Client

    from parkpilot.tenancy.services import api_token_create

    token = api_token_create(actor=None, via="bench", user=gateway)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def send(items: list[dict]) -> None:
        response = client.post(
            "/api/v1/energy/readings", orjson.dumps(items), content_type="application/json"
        )
        assert response.status_code == 200, (response.status_code, response.content[:300])

    return send


def replay(patterns: dict[str, field_patterns.Pattern], send) -> None:
    """Every delivery of every pattern (keyed by point code), in the order they are sent;
    those sent at the same instant in one request. The rollup stage is drained after each."""
    from parkpilot.energy.rollups import rollup_pending

    by_instant: dict[float, list[dict]] = defaultdict(list)
    for code, pattern in patterns.items():
        for delivery in pattern.deliveries:
            by_instant[delivery.sent_at] += [
                {"point": code, "ts": _iso(r.ts), "value": r.value} for r in delivery.readings
            ]
    for instant in sorted(by_instant):
        send(by_instant[instant])
        while rollup_pending().batches:
            pass


def outcome(code: str, pattern: field_patterns.Pattern) -> Outcome:
    from django.db.models import Sum

    from parkpilot.energy.models import DeadLetter, MeteringPoint, PointRollup, Reading

    point = MeteringPoint.objects.get(code=code)
    counted = PointRollup.objects.filter(
        point=point, level="15m", bucket__gte=_aware(pattern.start), bucket__lt=_aware(pattern.end)
    ).aggregate(total=Sum("energy"))["total"]
    stored = {(ts.timestamp(), value) for ts, value in
              Reading.objects.filter(point_id=point.id).values_list("ts", "value")}  # fmt: skip
    letters = [_key(raw) for raw in DeadLetter.objects.filter(point_code=code).values_list(
        "raw", flat=True)]  # fmt: skip
    true = pattern.true_readings()
    refused = (true - stored) | (true & (set(letters) | _decided_refused(point.id)))
    hours = dict(
        PointRollup.objects.filter(point=point, level="1h").values_list("bucket", "energy")
    )
    hour_error = max(
        abs(hours.get(_aware(h), 0.0) - pattern.energy_between(h, h + HOUR))
        for h in range(int(pattern.start), int(pattern.end), HOUR)
    )
    return Outcome(counted or 0.0, pattern.true_energy(), len(refused), len(letters), hour_error)


def _decided_refused(point_id: int) -> set[tuple[float, float]]:
    """Readings kept in the table but refused by a counter cleaner that records its decisions
    (a `SuspectDecision` model, when the code under test has one)."""
    from django.apps import apps

    try:
        model = apps.get_model("energy", "SuspectDecision")
    except LookupError:
        return set()
    rows = model.objects.filter(point_id=point_id, decision="refused").values_list("ts", "value")
    return {(ts.timestamp(), value) for ts, value in rows}


def worst(ratios) -> float:
    """The ratio farthest from 1: energy counted twice is as wrong as energy lost."""
    return max(ratios, key=lambda r: abs(r - 1))


def _key(raw: str) -> tuple[float, float] | None:
    try:
        item = json.loads(raw)
        return datetime.fromisoformat(item["ts"]).timestamp(), float(item["value"])
    except (ValueError, KeyError, TypeError):
        return None


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def _aware(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _measure() -> dict:
    from django.db import connection

    from parkpilot.tenancy.models import Park, Role, User

    vendor = connection.vendor
    quick = os.environ.get("PARKPILOT_BENCH_QUICK") == "1"
    corpus = field_patterns.corpus(batch=5 if quick else 1)
    park = Park.objects.create(code="corpus", name="字段模式园区")
    gateway = User.objects.create(username=GATEWAY, role=Role.GATEWAY, park=park)
    patterns = {code_of(p): p for p in corpus}
    for pattern in corpus:
        make_point(park, gateway, pattern)
    began = time.perf_counter()
    replay(patterns, send_through_http(gateway))
    elapsed = time.perf_counter() - began

    metrics: dict[str, float] = {}
    baseline: dict[str, float] = {}
    outcomes = {p.name: outcome(code, p) for code, p in patterns.items()}
    myems = {p.name: myems_rule.counted_energy(p) / p.true_energy_hour_slots() for p in corpus}
    myems_hour_error = max(_myems_worst_hour_error(p) for p in corpus)
    metrics["counter_corpus_worst_ratio"] = round(worst(o.ratio for o in outcomes.values()), 4)
    metrics["counter_corpus_good_refused"] = sum(o.good_refused for o in outcomes.values())
    for name, o in outcomes.items():
        metrics[f"counter_corpus_ratio_{name}"] = round(o.ratio, 4)
    for name, o in outcomes.items():
        metrics[f"counter_corpus_good_refused_{name}"] = o.good_refused
    # Where the energy lands, not only how much: an outage lumped into one hour shows here.
    metrics["counter_corpus_worst_hour_error_kwh"] = round(
        max(o.worst_hour_error for o in outcomes.values()), 3
    )
    baseline["myems_rule_worst_ratio"] = round(worst(myems.values()), 4)
    baseline["myems_rule_worst_hour_error_kwh"] = round(myems_hour_error, 3)
    for name, ratio in myems.items():
        baseline[f"myems_rule_ratio_{name}"] = round(ratio, 4)
    baseline["database"] = vendor
    write_result(
        f"counter_corpus_{vendor}",
        metrics=metrics,
        baseline=baseline,
        notes=f"{len(corpus)} patterns, {sum(len(p.readings()) for p in corpus):,} readings, "
        f"gateways sending every {5 if quick else 1} min, through the HTTP door and the rollup "
        f"stage in {elapsed:.0f} s; MyEMS's rule (benchmarks/myems_rule.py) in simulated time "
        "on the same deliveries; true energy 10 kWh/h × 6 h = 60 kWh (12 h: 120 kWh)",
    )
    _print_table(outcomes, myems)
    return metrics


def _myems_worst_hour_error(pattern: field_patterns.Pattern) -> float:
    hourly = myems_rule.replay(pattern).hourly
    return max(
        abs(hourly.get(h, 0.0) - pattern.energy_between(h - MINUTE, h + HOUR - MINUTE))
        for h in range(int(pattern.start), int(pattern.end), HOUR)
    )


def _print_table(outcomes: dict[str, Outcome], myems: dict[str, float]) -> None:
    print(f"{'pattern':20} {'true':>7} {'counted':>8} {'ratio':>7} {'refused':>7} "
          f"{'good refused':>12} {'hour err':>8} {'MyEMS':>7}")  # fmt: skip
    for name, o in outcomes.items():
        print(f"{name:20} {o.true:7.2f} {o.counted:8.2f} {o.ratio:7.4f} {o.refused:7d} "
              f"{o.good_refused:12d} {o.worst_hour_error:8.2f} {myems[name]:7.4f}")  # fmt: skip
