"""Earning, lots, two-phase redemption, refunds and expiry, with hand-worked figures."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parkpilot import events
from parkpilot.ledger import selectors as ledger
from parkpilot.points import services
from parkpilot.points.errors import PointsCode
from parkpilot.points.models import Award, EarningRule, Good, Lot, Member, MemberKind
from parkpilot.tenancy.errors import Forbidden, ValidationFailed
from parkpilot.tenancy.models import AuditLog

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(
        datetime.date.fromisoformat(day), datetime.time(hour), tzinfo=TZ
    )


def _balance(member):
    member.account.refresh_from_db()
    return member.account.balance


def _award(member, rule, source, day="2026-03-02"):
    return services.award(
        via="ui", actor=None, member=member, rule=rule, source=source, now=at(day)
    )


def test_an_award_books_a_lot_that_expires_at_the_end_of_next_year(member, rule):
    made = _award(member, rule, "volunteer:1")
    assert made.points == 100 and _balance(member) == 100
    assert (made.lot.remaining, made.lot.expires_on) == (100, datetime.date(2027, 12, 31))
    assert ledger.drift(park_id=member.park_id) == []


def test_the_same_source_awards_once(member, rule):
    first = _award(member, rule, "volunteer:1")
    again = _award(member, rule, "volunteer:1")
    assert again.pk == first.pk and _balance(member) == 100 and Lot.objects.count() == 1


def test_the_daily_cap_refuses_the_third_award_of_a_day(member, rule):
    _award(member, rule, "v:1")
    _award(member, rule, "v:2")  # 200 = the cap
    with pytest.raises(ValidationFailed) as refused:
        _award(member, rule, "v:3")
    assert refused.value.errors[0].code == PointsCode.CAP_REACHED
    _award(member, rule, "v:3", day="2026-03-03")  # a new day
    assert _balance(member) == 300


def test_monthly_and_yearly_caps(member, park):
    rule = EarningRule.objects.create(
        park=park, kind="party_activity", name="党群活动", points=50, cap_month=100, cap_year=150
    )
    _award(member, rule, "a:1", "2026-01-05")
    _award(member, rule, "a:2", "2026-01-20")
    with pytest.raises(ValidationFailed):
        _award(member, rule, "a:3", "2026-01-25")  # 150 > 100 in January
    _award(member, rule, "a:3", "2026-02-01")  # 150 in the year = the cap
    with pytest.raises(ValidationFailed):
        _award(member, rule, "a:4", "2026-03-01")
    assert _balance(member) == 150


def test_redemption_spends_the_soonest_to_expire_lot_first(member, rule, good):
    old = _award(member, rule, "v:1", "2025-06-01").lot  # expires 2026-12-31
    new = _award(member, rule, "v:2", "2026-06-01").lot  # expires 2027-12-31
    redemption = services.redemption_reserve(
        via="ui", actor=None, member=member, good=good, now=at("2026-07-01")
    )
    old.refresh_from_db(), new.refresh_from_db()
    # 150 points: all 100 of the old lot, 50 of the new one.
    assert (old.remaining, new.remaining, _balance(member)) == (0, 50, 50)
    good.refresh_from_db()
    assert good.stock == 4 and redemption.points == 150


def test_a_void_gives_points_back_to_their_lots_and_releases_the_stock(member, rule, good):
    old = _award(member, rule, "v:1", "2025-06-01").lot
    new = _award(member, rule, "v:2", "2026-06-01").lot
    redemption = services.redemption_reserve(via="ui", actor=None, member=member, good=good)
    services.redemption_void(via="ui", actor=None, redemption=redemption)
    old.refresh_from_db(), new.refresh_from_db(), good.refresh_from_db()
    assert (old.remaining, new.remaining, _balance(member), good.stock) == (100, 100, 200, 5)
    with pytest.raises(ValidationFailed):
        services.redemption_void(via="ui", actor=None, redemption=redemption)  # once
    assert _balance(member) == 200


def test_hand_over_spends_and_a_refund_returns_to_the_original_lot(personas, member, rule, good):
    lot = _award(member, rule, "v:1").lot
    _award(member, rule, "v:2")
    redemption = services.redemption_reserve(via="ui", actor=None, member=member, good=good)
    with pytest.raises(Forbidden):
        services.redemption_hand_over(via="ui", actor=personas["ent_a_user"], redemption=redemption)
    services.redemption_hand_over(via="ui", actor=personas["park_staff"], redemption=redemption)
    with pytest.raises(ValidationFailed):
        services.redemption_hand_over(via="ui", actor=personas["park_staff"], redemption=redemption)
    assert _balance(member) == 50
    services.redemption_refund(via="ui", actor=personas["park_staff"], redemption=redemption)
    lot.refresh_from_db()
    assert lot.remaining == 100 and _balance(member) == 200
    assert Good.objects.get(pk=good.pk).stock == 5
    assert ledger.drift(park_id=member.park_id) == []


def test_reservations_not_picked_up_in_time_are_voided(member, rule, good):
    _award(member, rule, "v:1"), _award(member, rule, "v:2")
    services.redemption_reserve(
        via="ui", actor=None, member=member, good=good, now=at("2026-03-02")
    )
    assert services.reservations_expire(via="task", park=member.park, now=at("2026-03-04")) == 0
    assert services.reservations_expire(via="task", park=member.park, now=at("2026-03-06")) == 1
    assert _balance(member) == 200


def test_refusals_limit_stock_and_balance(personas, member, rule, park):
    for i in range(4):
        _award(member, rule, f"v:{i}", f"2026-03-0{i + 1}")
    scarce = services.good_create(
        via="ui",
        actor=personas["park_staff"],
        park=park,
        name="台灯",
        price=10,
        stock=1,
        per_member_limit=1,
    )
    services.redemption_reserve(via="ui", actor=None, member=member, good=scarce)
    with pytest.raises(ValidationFailed) as limit:
        services.redemption_reserve(via="ui", actor=None, member=member, good=scarce)
    assert limit.value.errors[0].code == PointsCode.LIMIT_REACHED
    dear = services.good_create(
        via="ui", actor=personas["park_staff"], park=park, name="电饭煲", price=500, stock=3
    )
    with pytest.raises(ValidationFailed) as poor:
        services.redemption_reserve(via="ui", actor=None, member=member, good=dear)
    assert poor.value.errors[0].code == "insufficient_balance"
    assert Good.objects.get(pk=dear.pk).stock == 3 and _balance(member) == 390


def test_lots_expire_as_a_booked_entry(member, rule):
    _award(member, rule, "v:1", "2025-06-01")
    _award(member, rule, "v:2", "2026-06-01")
    assert services.lots_expire(park=member.park, today=datetime.date(2026, 12, 31)) == 0
    assert services.lots_expire(park=member.park, today=datetime.date(2027, 1, 1)) == 1
    assert services.lots_expire(park=member.park, today=datetime.date(2027, 1, 1)) == 0
    assert _balance(member) == 100 and ledger.drift(park_id=member.park_id) == []


def test_staff_only_configure_goods_and_stock(personas, park, good):
    with pytest.raises(Forbidden):
        services.good_create(
            via="ui", actor=personas["resident"], park=park, name="x", price=1, stock=1
        )
    services.stock_move(via="ui", actor=personas["park_staff"], good=good, change=-5, reason="盘点")
    with pytest.raises(ValidationFailed):
        services.stock_move(
            via="ui", actor=personas["park_staff"], good=good, change=-1, reason="盘点"
        )
    assert Good.objects.get(pk=good.pk).stock == 0


def test_a_confirmed_service_request_awards_the_enterprise(personas, ent_a, park):
    EarningRule.objects.create(park=park, kind="enterprise", name="企业参与", points=20)
    payload = dict(
        request_id=7, park_id=park.pk, enterprise_id=ent_a.pk, confirmed_by_id=1, rating=5
    )
    assert events.dispatch("services.request_confirmed", payload) >= 1
    events.dispatch("services.request_confirmed", payload)  # delivered twice: awarded once
    member = Member.objects.get(kind=MemberKind.ENTERPRISE, enterprise=ent_a)
    assert _balance(member) == 20
    assert Award.objects.get(member=member).source == "services.request:7"


def _statements_of_one_award(member, rule) -> list[str]:
    _award(member, rule, "v:0")  # the park's issued account is opened by its first award
    with CaptureQueriesContext(connection) as queries:
        _award(member, rule, "v:1")
    return [q["sql"].split("(")[0].split(" WHERE")[0][:60] for q in queries.captured_queries]


def test_an_award_by_a_rule_without_caps_takes_ten_statements(member, park):
    """Pinned, so a statement creeping back shows (was 20, then 14, then 12):
    1 SAVEPOINT (the award's transaction.atomic, inside the test's transaction; outside one it
      is BEGIN ... COMMIT, the same count)
    2 SELECT the member's account and the park's issued account (locks the member on PostgreSQL)
    3 INSERT the ledger entry ... ON CONFLICT (park_id, key) DO NOTHING RETURNING id
    4 INSERT both postings, in one statement
    5 UPDATE the member's balance;  6 UPDATE the issued account's (one each, in id order)
    7 INSERT the lot;  8 INSERT the award;  9 INSERT its audit row
    10 RELEASE SAVEPOINT
    No "awarded already?" read: the ledger key's ON CONFLICT answers it."""
    rule = EarningRule.objects.create(park=park, kind="volunteering", name="志愿", points=10)
    statements = _statements_of_one_award(member, rule)
    assert len(statements) == 10, statements
    assert sum(s.startswith("INSERT") for s in statements) == 5, statements
    assert sum(s.startswith("UPDATE") for s in statements) == 2, statements


def test_an_award_by_a_rule_with_caps_takes_eleven_statements(member, rule):
    """The ten above and, after the lock, one SELECT of the member's awards by this rule in
    the year (the caps' sums and "awarded already?" in one read)."""
    statements = _statements_of_one_award(member, rule)
    assert len(statements) == 11, statements
    assert [s.startswith("SELECT") for s in statements[1:3]] == [True, True], statements


def test_a_retried_award_writes_nothing(member, park):
    rule = EarningRule.objects.create(park=park, kind="volunteering", name="志愿", points=10)
    first = _award(member, rule, "v:1")
    rows = (Lot.objects.count(), Award.objects.count(), AuditLog.objects.count())
    again = _award(member, rule, "v:1")
    assert again.pk == first.pk and again.lot_id == first.lot_id
    assert (Lot.objects.count(), Award.objects.count(), AuditLog.objects.count()) == rows
    assert _balance(member) == 10 and ledger.drift(park_id=park.pk) == []


def test_the_caller_says_how_a_write_came_in(personas, member, rule, good):
    _award(member, rule, "v:1")
    services.award(
        via="task", actor=None, member=member, rule=rule, source="v:2", now=at("2026-03-02")
    )
    services.redemption_reserve(via="api", actor=None, member=member, good=good)
    vias = list(
        AuditLog.objects.filter(action__startswith="points.")
        .order_by("pk")
        .values_list("action", "via")
    )
    assert vias[-3:] == [
        ("points.award", "ui"),
        ("points.award", "task"),
        ("points.redemption.reserve", "api"),
    ]
    with pytest.raises(ValueError):
        services.award(via="web", actor=None, member=member, rule=rule, source="v:3")


def _bulk(members, rule, sources, day="2026-03-02"):
    requests = [services.AwardRequest(m.pk, rule, s) for m, s in zip(members, sources, strict=True)]
    return services.awards_bulk(
        via="ui", actor=None, park=rule.park, requests=requests, now=at(day), chunk_size=3
    )


def test_bulk_awards_follow_the_rules_of_single_awards(park, member, rule, other_park):
    second = services.member_enrol(via="ui", actor=None, park=park, kind="employee", name="李")
    foreign = services.member_enrol(
        via="ui", actor=None, park=other_park, kind="employee", name="外"
    )
    _award(member, rule, "v:1")  # 100 of the day's 200 already
    outcomes = _bulk(
        [member, member, second, second, second, member, foreign],
        rule,
        ["v:1", "v:2", "w:1", "w:1", "w:2", "v:3", "x:1"],
    )
    codes = [(o.replayed, o.error.code if o.error else None, bool(o.award)) for o in outcomes]
    assert codes == [
        (True, None, True),  # v:1 awarded before: replayed
        (False, None, True),  # 100 + 100 = 200, the daily cap
        (False, None, True),
        (True, None, True),  # the same source twice in one file: once
        (False, None, True),  # second: 100 + 100 = 200
        (False, PointsCode.CAP_REACHED, False),  # member: 200 + 100 > 200
        (False, PointsCode.NOT_A_MEMBER, False),  # another park's member
    ]
    assert outcomes[2].award.pk == outcomes[3].award.pk
    assert (_balance(member), _balance(second), _balance(foreign)) == (200, 200, 0)
    assert Award.objects.count() == 4 and Lot.objects.count() == 4
    assert AuditLog.objects.filter(action="points.award", via="ui").count() == 4
    assert ledger.drift(park_id=park.pk) == []
    # Rerunning the same file awards nothing more.
    again = _bulk([member, second], rule, ["v:2", "w:2"])
    assert [o.replayed for o in again] == [True, True] and _balance(member) == 200


def test_bulk_awards_take_statements_per_chunk_not_per_row(park, rule):
    """500 awards in one chunk: lock, two reads, then multi-row INSERTs (SQLite splits them
    at 999 parameters) and one executemany UPDATE of the balances: about 40 statements, where 500
    single awards take 7,000."""
    members = [
        services.member_enrol(via="ui", actor=None, park=park, kind="employee", name=f"m{i}")
        for i in range(500)
    ]
    requests = [services.AwardRequest(m.pk, rule, "day-1") for m in members]
    with CaptureQueriesContext(connection) as queries:
        outcomes = services.awards_bulk(via="ui", actor=None, park=park, requests=requests)
    assert all(o.award and not o.replayed for o in outcomes)
    assert len(queries.captured_queries) <= 60, len(queries.captured_queries)
    assert ledger.drift(park_id=park.pk) == []
