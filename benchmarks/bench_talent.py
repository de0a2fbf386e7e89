"""The talent-finance risk pool's figures (issue 21). No database: the pool's core is a pure
function of its event log (parkpilot.talent.pool).

- risk_pool_replay_s: replaying LOANS loans' logs, about 30 events each (apply, recommend,
  approve, draw, 24 monthly repayments, the last closing it; one loan in ten goes overdue after
  12 payments, defaults, is compensated and recovers a third), 100 loans open at a time (each
  ¥100,000 to ¥1,500,000: at most ¥1.5亿 drawn, inside the 2亿 scale), into balances
  and shares (goal < 5 s; median of RUNS). The baseline is a loop over the same events doing
  nothing but read each one's amount.
- risk_pool_fen_unaccounted: what the bearers' net shares (fund, parties, uncovered) miss of
  the losses less the recoveries, in fen (must be 0)."""

import os
import random
import statistics
import time

from benchmarks.harness import write_result

DATABASES = ("sqlite",)  # one run: nothing here touches a database
QUICK = os.environ.get("PARKPILOT_BENCH_QUICK") == "1"
LOANS = 1_000 if QUICK else 10_000
RUNS = 5
BATCH = 100  # loans open at once


def _loan_log(loan: int, rng: random.Random):
    from parkpilot.talent.pool import Event, Kind

    principal = rng.randrange(100_000, 1_500_001) * 100  # in fen
    monthly = principal // 24
    events = [
        Event(loan, Kind.APPLY, principal),
        Event(loan, Kind.RECOMMEND),
        Event(loan, Kind.APPROVE, principal),
        Event(loan, Kind.DRAW, principal),
    ]
    if loan % 10 == 0:  # defaults after a year
        events += [Event(loan, Kind.REPAY, monthly) for _ in range(12)]
        events += [
            Event(loan, Kind.OVERDUE),
            Event(loan, Kind.DEFAULT),
            Event(loan, Kind.COMPENSATE),
        ]
        events.append(Event(loan, Kind.RECOVER, (principal - 12 * monthly) // 3))
        return events
    events += [Event(loan, Kind.REPAY, monthly) for _ in range(23)]
    events.append(Event(loan, Kind.REPAY, principal - 23 * monthly))  # closes it
    return events


def _interleaved(logs: list[list]) -> list:
    """Round-robin within each batch of BATCH loans, as months pass for loans open together."""
    events = []
    for start in range(0, len(logs), BATCH):
        batch = logs[start : start + BATCH]
        for step in range(max(len(log) for log in batch)):
            events += [log[step] for log in batch if step < len(log)]
    return events


def _agreement():
    from parkpilot.talent.pool import Agreement, Party, to_fen

    # A 2亿 scale (seed-facts); the fund, the 40/40/20 shares and the caps are illustrative.
    return Agreement(
        credit_scale=to_fen("200000000"),
        fund=to_fen("20000000"),
        parties=(
            Party("park", "园区", 40, to_fen("30000000")),
            Party("htic", "杭州市高科技投资有限公司", 40, to_fen("30000000")),
            Party("bank", "杭州银行", 20, None),
        ),
    )


def _median_s(fn) -> float:
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def run(database_url: str | None = None) -> dict:
    from benchmarks.harness import setup_django

    setup_django(database_url)  # settings only, for the package's imports
    from parkpilot.talent.pool import replay

    rng = random.Random(21)
    logs = [_loan_log(n, rng) for n in range(LOANS)]
    events = _interleaved(logs)
    agreement = _agreement()
    replay_s = _median_s(lambda: replay(agreement, events))
    read_s = _median_s(lambda: sum(event.amount for event in events))

    state = replay(agreement, events)
    net_loss = sum(loan.loss - loan.recovered for loan in state.loans.values())
    unaccounted = abs(net_loss - sum(state.bearers.values()))
    metrics = {
        "risk_pool_replay_s": round(replay_s, 3),
        "risk_pool_replay_ratio_to_reading_the_log": round(replay_s / read_s, 1),
        "risk_pool_events": len(events),
        "risk_pool_fen_unaccounted": unaccounted,
        "risk_pool_compensated_loans": sum(1 for x in state.loans.values() if x.loss),
    }
    baseline = {"read_the_log_s": round(read_s, 4), "loans": LOANS}
    path = write_result(
        "talent" + ("_quick" if QUICK else ""),
        metrics=metrics,
        baseline=baseline,
        notes=f"{LOANS} loans, {len(events)} events, median of {RUNS}; "
        f"load {os.getloadavg()[0]:.2f}",
    )
    print(path.read_text())
    return metrics
