"""The points supermarket's figures (issue 积分超市), on SQLite and PostgreSQL.

- points_race_overdraft: 50 concurrent redemptions (threads, own connections) of 100 points
  against a 1,000-point balance: goal exactly 10 posted, 40 refused with the reason, balance 0,
  journal equal to the balance change, 0 "database is locked".
- points_stock_oversold: 100 concurrent orders for the last 10 items: goal 0.
- points_post_p95_ms, points_post_ratio_to_raw_insert: AWARDS single awards through the
  service (lock the member, caps, lot, ledger entry and postings, award row, audit row; one
  transaction each) against a raw INSERT of the same ledger rows (an entry and two postings per
  award; one transaction each) in the same run, as postings per second; goal >= 0.3.
- points_bulk_ratio_to_raw_insert: AWARDS awards through services.awards_bulk (what staff's
  XLSX upload uses; one transaction per 500) against the same raw baseline (one transaction per
  award); points_bulk_ratio_to_raw_bulk_insert against raw multi-row INSERTs of the same
  ledger rows, one transaction per 500 (like for like: the ORM's cost per row shows).
- points_reconcile_s: re-deriving every balance from the journal (ledger.selectors.drift) over
  RECONCILE_MEMBERS accounts and RECONCILE_POSTINGS postings (goal < 10 s at 100,000 and
  2,000,000). PARKPILOT_BENCH_QUICK=1 runs it all at a tenth of the scale."""

import os
import threading
import time

from benchmarks.harness import percentile, setup_django, write_result

QUICK = os.environ.get("PARKPILOT_BENCH_QUICK") == "1"
AWARDS = 1_000 if QUICK else 10_000
RECONCILE_MEMBERS = 10_000 if QUICK else 100_000
RECONCILE_POSTINGS = 200_000 if QUICK else 2_000_000


def run(database_url: str | None = None) -> dict:
    setup_django(database_url)
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        return _measure(connection)
    finally:
        from django.db import connections

        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _at_once(count, work) -> list[str]:
    from django.db import OperationalError, connections

    from parkpilot.tenancy.errors import ValidationFailed

    barrier = threading.Barrier(count)
    outcomes = [""] * count

    def run_one(i):
        barrier.wait()
        try:
            work(i)
            outcomes[i] = "posted"
        except ValidationFailed as exc:
            outcomes[i] = exc.errors[0].code
        except OperationalError as exc:
            outcomes[i] = "locked" if "locked" in str(exc) else f"error: {exc}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run_one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    return outcomes


def _measure(connection) -> dict:
    from parkpilot.points import services
    from parkpilot.points.models import EarningRule
    from parkpilot.tenancy.models import Park, Role, User

    park = Park.objects.create(code="bench", name="基准园区", region_code="330112")
    staff = User.objects.create_user(username="staff", role=Role.PARK_STAFF, park=park)
    rule = EarningRule.objects.create(park=park, kind="volunteering", name="志愿", points=1000)
    metrics = {}
    metrics |= _race_overdraft(park, staff, rule, services)
    metrics |= _stock_oversold(park, staff, services)
    post, baseline = _post_rate(connection, park, services)
    metrics |= post
    metrics |= _reconcile(connection, park)
    name = f"points_{connection.vendor}" + ("_quick" if QUICK else "")
    path = write_result(
        name,
        metrics=metrics,
        baseline=baseline,
        notes=(
            f"{connection.vendor}; {AWARDS} awards; reconcile over {RECONCILE_MEMBERS} accounts "
            f"and {RECONCILE_POSTINGS} postings; races in threads with their own connections"
        ),
    )
    print(path.read_text())
    return metrics


def _race_overdraft(park, staff, rule, services) -> dict:
    from parkpilot.ledger.models import Account, Posting

    member = services.member_enrol(via="ui", actor=None, park=park, kind="employee", name="race")
    services.award(via="ui", actor=None, member=member, rule=rule, source="seed")  # 1,000 points
    good = services.good_create(via="ui", actor=staff, park=park, name="米", price=100, stock=1000)
    outcomes = _at_once(
        50, lambda i: services.redemption_reserve(via="ui", actor=None, member=member, good=good)
    )
    balance = Account.objects.get(pk=member.account_id).balance
    journal = sum(
        Posting.objects.filter(account_id=member.account_id).values_list("amount", flat=True)
    )
    return {
        "points_race_overdraft": outcomes.count("posted") - 10,
        "points_race_posted": outcomes.count("posted"),
        "points_race_refused_insufficient": outcomes.count("insufficient_balance"),
        "points_race_locked_errors": outcomes.count("locked"),
        "points_race_balance": balance,
        "points_race_journal_equals_balance": journal == balance,
    }


def _stock_oversold(park, staff, services) -> dict:
    from parkpilot.points.models import EarningRule, Good, Redemption

    rule = EarningRule.objects.create(park=park, kind="volunteering", name="志愿2", points=100)
    members = []
    for i in range(100):
        member = services.member_enrol(
            via="ui", actor=None, park=park, kind="employee", name=f"s{i}"
        )
        services.award(via="ui", actor=None, member=member, rule=rule, source="seed")
        members.append(member)
    good = services.good_create(via="ui", actor=staff, park=park, name="伞", price=50, stock=10)
    outcomes = _at_once(
        100,
        lambda i: services.redemption_reserve(via="ui", actor=None, member=members[i], good=good),
    )
    sold = Redemption.objects.filter(good=good).count()
    return {
        "points_stock_oversold": max(0, sold - 10),
        "points_stock_sold": sold,
        "points_stock_left": Good.objects.get(pk=good.pk).stock,
        "points_stock_locked_errors": outcomes.count("locked"),
    }


BLOCK = 500  # service and raw timed in alternating blocks: the load on a shared box moves


def _post_rate(connection, park, services) -> tuple[dict, dict]:
    """Single awards (`services.award`, one transaction each, as a check-in or a confirmed
    request makes them) against raw INSERTs of the same ledger rows, one transaction each;
    then bulk awards (`services.awards_bulk`, one transaction per chunk of 500, as an XLSX
    upload makes them) against raw multi-row INSERTs of the same rows, one transaction per
    chunk. Each pair timed in alternating blocks of 500 awards."""
    from parkpilot.ledger.services import account_open
    from parkpilot.points.models import EarningRule

    rule = EarningRule.objects.create(park=park, kind="volunteering", name="志愿3", points=5)
    members = [
        services.member_enrol(via="ui", actor=None, park=park, kind="employee", name=f"p{i}")
        for i in range(1000)
    ]
    # Accounts of their own: the raw rows bypass the stored balances (set once at the end).
    raw_from = account_open(park=park, unit="points", owner="raw.from", guarded=False)
    raw_to = account_open(park=park, unit="points", owner="raw.to", guarded=False)
    latencies, single_s, raw_single_s = [], 0.0, 0.0
    for block in range(0, AWARDS, BLOCK):
        start = time.perf_counter()
        for i in range(block, block + BLOCK):
            t0 = time.perf_counter()
            services.award(via="ui", actor=None, member=members[i % 200], rule=rule, source=f"b{i}")
            latencies.append((time.perf_counter() - t0) * 1000)
        single_s += time.perf_counter() - start
        start = time.perf_counter()
        for i in range(block, block + BLOCK):
            _raw_rows(connection, park, [f"raw{i}"], raw_from, raw_to)
        raw_single_s += time.perf_counter() - start
    bulk_rule = EarningRule.objects.create(
        park=park, kind="volunteering", name="志愿4", points=5, cap_day=1000
    )
    bulk_s, raw_bulk_s, made = 0.0, 0.0, 0
    for block in range(0, AWARDS, BLOCK):
        requests = [
            services.AwardRequest(members[i % 1000].pk, bulk_rule, f"x{i}")
            for i in range(block, block + BLOCK)
        ]
        start = time.perf_counter()
        outcomes = services.awards_bulk(via="ui", actor=None, park=park, requests=requests)
        bulk_s += time.perf_counter() - start
        made += sum(1 for o in outcomes if o.award and not o.replayed)
        keys = [f"rawbulk{i}" for i in range(block, block + BLOCK)]
        start = time.perf_counter()
        _raw_rows(connection, park, keys, raw_from, raw_to)
        raw_bulk_s += time.perf_counter() - start
    with connection.cursor() as cursor:
        table = raw_from._meta.db_table
        cursor.execute(
            f"UPDATE {table} SET balance = %s WHERE id = %s", [-10 * AWARDS, raw_from.pk]
        )
        cursor.execute(f"UPDATE {table} SET balance = %s WHERE id = %s", [10 * AWARDS, raw_to.pk])
    rate = {
        "single": 2 * AWARDS / single_s,
        "raw_single": 2 * AWARDS / raw_single_s,
        "bulk": 2 * made / bulk_s,
        "raw_bulk": 2 * AWARDS / raw_bulk_s,
    }
    metrics = {
        "points_post_p95_ms": round(percentile(latencies, 95), 2),
        "points_post_p50_ms": round(percentile(latencies, 50), 2),
        "points_postings_per_s": round(rate["single"]),
        "points_post_ratio_to_raw_insert": round(rate["single"] / rate["raw_single"], 3),
        "points_bulk_awards_made": made,
        "points_bulk_postings_per_s": round(rate["bulk"]),
        # Against the baseline (raw INSERTs, one transaction per award) ...
        "points_bulk_ratio_to_raw_insert": round(rate["bulk"] / rate["raw_single"], 3),
        # ... and like for like (raw multi-row INSERTs, one transaction per 500).
        "points_bulk_ratio_to_raw_bulk_insert": round(rate["bulk"] / rate["raw_bulk"], 3),
    }
    baseline = {
        "raw_insert_postings_per_s": round(rate["raw_single"]),
        "raw_bulk_insert_postings_per_s": round(rate["raw_bulk"]),
    }
    return metrics, baseline


def _raw_rows(connection, park, keys: list[str], raw_from, raw_to) -> None:
    """An entry and its two postings per key, by hand-written multi-row INSERTs in one
    transaction: what the database does at the least for the ledger's rows."""
    from django.db import transaction
    from django.utils import timezone

    from parkpilot.ledger.models import Entry, Posting

    at = connection.ops.adapt_datetimefield_value(timezone.now())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Entry._meta.db_table} (park_id, key, kind, memo, at, actor_label) "
            "VALUES "
            + ", ".join(["(%s, %s, 'raw', '', %s, 'bench')"] * len(keys))
            + " RETURNING id",
            [value for key in keys for value in (park.pk, key, at)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            f"INSERT INTO {Posting._meta.db_table} (entry_id, account_id, amount) VALUES "
            + ", ".join(["(%s, %s, -5), (%s, %s, 5)"] * len(ids)),
            [value for i in ids for value in (i, raw_from.pk, i, raw_to.pk)],
        )


def _reconcile(connection, park) -> dict:
    """Accounts and postings written in bulk (the journal's shape, not the service's speed),
    then one full re-derivation timed."""
    from django.utils import timezone

    from parkpilot.ledger import selectors
    from parkpilot.ledger.models import Account, Entry, Posting

    Account.objects.bulk_create(
        [Account(park=park, unit="points", owner=f"rc:{i}") for i in range(RECONCILE_MEMBERS)],
        batch_size=5000,
    )
    ids = list(Account.objects.filter(owner__startswith="rc:").values_list("pk", flat=True))
    entry = Entry.objects.create(
        park=park, key="reconcile", kind="bench", at=timezone.now(), actor_label="bench"
    )
    per = RECONCILE_POSTINGS // len(ids)
    batch = []
    for account_id in ids:
        for _ in range(per):
            batch.append(Posting(entry=entry, account_id=account_id, amount=1))
        if len(batch) >= 50_000:
            Posting.objects.bulk_create(batch, batch_size=10_000)
            batch = []
    Posting.objects.bulk_create(batch, batch_size=10_000)
    # Stored balances as the service would have kept them (the bulk rows bypassed it).
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Account._meta.db_table} SET balance = %s WHERE owner LIKE 'rc:%%'", [per]
        )
    start = time.perf_counter()
    drifted = selectors.drift()
    seconds = time.perf_counter() - start
    return {
        "points_reconcile_s": round(seconds, 3),
        "points_reconcile_accounts": len(ids),
        "points_reconcile_postings": per * len(ids),
        "points_reconcile_drift_found": len(drifted),
    }
