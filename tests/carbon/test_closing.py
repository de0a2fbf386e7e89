"""Closing months (issue 14): a month closes by itself once it has ended and its data
completeness reaches the threshold (default 95%), or 5 days after its end, whichever comes
first, catching up missed months; staff close earlier only with a stated reason; a month that
has not ended cannot be closed. A closed month is a snapshot: every figure of it (totals,
intensity, grade, K, rank, month-on-month, budgets), on every page, API, tile and report,
equals the snapshot's after a factor change, until a recompute makes version 2 (version 1 kept).

Factors (tests/carbon/carbon_helpers.py cites each document):
  electricity CO2, 华东 2022  0.5617 kgCO2/kWh  《关于发布2022年电力二氧化碳排放因子的公告》
                                                 (生态环境部 国家统计局 2024-12-20)
  electricity tce (当量值)    0.1229 kgce/kWh   GB/T 2589-2020《综合能耗计算通则》
The park (330112) is in Zhejiang; no Zhejiang factor is entered, so the East China grid factor
applies (carbon-reference.md: provincial, else regional, else national).
Grade rule (DB33/T 1347-2023, carbon-reference.md): L = tCO2 ÷ value added (万元);
K = L ÷ industry average; grade 3 for 0.8 < K ≤ 1.2, grade 4 for 1.2 < K ≤ 2.0."""

import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from carbon_helpers import feed, ramp
from pypdf import PdfReader

from parkpilot.carbon import cockpit, reports, selectors, services
from parkpilot.carbon.models import CarbonAccount, CloseRule, PeriodClose
from parkpilot.carbon.periods import period
from parkpilot.economy.models import EnterpriseMonthly
from parkpilot.energy.ingest.core import ingest_items
from parkpilot.energy.models import MeteringPoint, RegisterType
from parkpilot.energy.registry import registry
from parkpilot.energy.rollups import rollup_pending
from parkpilot.tenancy.actors import system_actor
from parkpilot.tenancy.errors import ValidationFailed
from parkpilot.tenancy.models import AuditLog

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def month(park, year, m):
    return period("1mo", date(year, m, 1), park.timezone)


def local(*args):
    return datetime(*args, tzinfo=TZ)


def r6(x):
    return round(x, 6)


# --- a month that has not ended cannot be closed -----------------------------------------------


def test_close_refused_for_a_running_or_future_month(park, personas, factors):
    staff = personas["park_staff"]
    # "December after 2 days": on 3 December 2026 December has not ended.
    with pytest.raises(ValidationFailed) as err:
        services.account_close(
            actor=staff, via="test", park=park, per=month(park, 2026, 12),
            reason="年底提前结账", now=local(2026, 12, 3, 9),
        )  # fmt: skip
    (e,) = err.value.errors
    assert (e.field, e.code) == ("period", "period_not_ended")
    assert "2026-12" in e.reason and "2027-01-01 00:00" in e.reason
    # "June 2027 with zeros": a month that has not begun.
    with pytest.raises(ValidationFailed) as err:
        services.account_close(
            actor=staff, via="test", park=park, per=month(park, 2027, 6), reason="x",
            now=local(2026, 12, 3, 9),
        )  # fmt: skip
    assert err.value.errors[0].field == "period"
    # Hours and days are not closed at all.
    with pytest.raises(ValidationFailed) as err:
        services.account_close(
            actor=staff, via="test", park=park, per=period("1d", date(2022, 3, 1), park.timezone)
        )
    assert err.value.errors[0].field == "level"
    assert not PeriodClose.objects.exists() and not CarbonAccount.objects.exists()


def test_the_api_refuses_closing_the_running_month_naming_the_field(api_as, park, factors):
    from django.utils import timezone

    today = timezone.localdate()
    response = api_as("park_staff").post(
        "/api/v1/carbon/accounts/close", {"period": f"{today:%Y-%m}", "reason": "test"}
    )
    assert response.status_code == 422
    (detail,) = response.json()["detail"]
    assert detail["loc"][-1] == "period"
    assert not PeriodClose.objects.exists()


# --- closing by the rule: completeness or days, catching up -------------------------------------


@pytest.fixture
def daily_meter(park, zone, ent_a, personas):
    """One meter that reads once a day at 12:00 (interval 1 day), so a month expects as many
    readings as it has days."""
    point = MeteringPoint.objects.create(
        park=park, code="A-DAY", owner=ent_a, zone=zone, kind="grid_import", unit="kWh",
        register=RegisterType.CUMULATIVE, rated_max_per_h=100000.0, interval_s=86400,
        gateway=personas["gateway"],
    )  # fmt: skip
    registry.invalidate()
    return point


def read_days(park, days: list[date], kwh_per_day=100.0):
    items = [
        {"point": "A-DAY", "ts": f"{d.isoformat()}T12:00:00+08:00", "value": i * kwh_per_day}
        for i, d in enumerate(days)
    ]
    result = ingest_items(park_id=park.id, items=items, source="direct")
    assert not result.rejected, result.rejected
    rollup_pending()


def days_of(start: date, end: date, skip=range(0)) -> list[date]:
    """Every day in [start, end) except the day numbers in `skip`."""
    out, d = [], start
    while d < end:
        if d.day not in skip:
            out.append(d)
        d += timedelta(days=1)
    return out


def test_auto_close_by_threshold_and_by_days_catching_up_two_missed_months(
    park, daily_meter, factors
):
    # January 2022 misses its days 1-10 (21 of 31 readings: 67.7% < 95%): it can close only by
    # days. February is complete (28 of 28). March misses day 31 (30 of 31: 96.8% ≥ 95%)...
    # until a late reading arrives; here it is left at 29 of 31 (days 30, 31 missing: 93.5%).
    read_days(park, days_of(date(2022, 1, 11), date(2022, 3, 30)))
    jan, feb, mar = (month(park, 2022, m) for m in (1, 2, 3))
    # Nothing was closed on the 1st (no scheduler ran): on 2 April both missed months close in
    # order. January by days (5 days after 1 February passed long ago), February by
    # completeness. March ended 1 April 00:00: 93.5% and only 1 day after its end: not due.
    closed = services.close_due(park=park, now=local(2022, 4, 2, 10))
    assert [(c.period_start, c.rule) for c in closed] == [
        (date(2022, 1, 1), CloseRule.DAYS),
        (date(2022, 2, 1), CloseRule.COMPLETENESS),
    ]
    jan_close = selectors.current_closing(park=park, per=jan)
    assert jan_close.completeness["expected"] == 31
    assert jan_close.completeness["received"] == 21
    assert jan_close.completeness["rate"] == round(21 / 31, 4)  # 0.6774
    # The closing record names the incomplete point.
    assert jan_close.incomplete_points == [
        {"code": "A-DAY", "expected": 31, "received": 21, "rate": 0.6774}
    ]
    assert jan_close.quarantined_points == []  # energy's quarantine hook: none on this branch
    feb_close = selectors.current_closing(park=park, per=feb)
    assert (feb_close.completeness["rate"], feb_close.incomplete_points) == (1.0, [])
    assert selectors.current_closing(park=park, per=mar) is None
    # Run again the same day: nothing more (closed months are not closed twice).
    assert services.close_due(park=park, now=local(2022, 4, 2, 11)) == []
    # 6 April 00:00 is 5 days after March's end: March closes by days, incomplete as it is.
    (late,) = services.close_due(park=park, now=local(2022, 4, 6, 0, 0))
    assert (late.period_start, late.rule) == (date(2022, 3, 1), CloseRule.DAYS)
    assert late.completeness["received"] == 29
    # Every close is audited by the system.
    assert AuditLog.objects.filter(action="carbon.account.close", via="system").count() == 3


def test_a_complete_month_closes_as_soon_as_it_ends(park, daily_meter, factors, settings):
    read_days(park, days_of(date(2022, 3, 1), date(2022, 4, 1)))
    # 31 of 31 readings: due at 00:00 on 1 April, not before.
    assert services.close_due(park=park, now=local(2022, 3, 31, 23, 59)) == []
    (closed,) = services.close_due(park=park, now=local(2022, 4, 1, 0, 30))
    assert closed.rule == CloseRule.COMPLETENESS
    # The threshold is configuration: at 100% a month missing one reading waits for the days.
    settings.PARKPILOT_CLOSE_COMPLETENESS = 100
    read_days(park, days_of(date(2022, 4, 1), date(2022, 4, 30)))  # 29 of 30 (no 30 April)
    assert services.close_due(park=park, now=local(2022, 5, 2)) == []
    settings.PARKPILOT_CLOSE_AFTER_DAYS = 1
    (april,) = services.close_due(park=park, now=local(2022, 5, 2))
    assert april.rule == CloseRule.DAYS


def test_staff_close_early_only_with_a_stated_reason(park, daily_meter, factors, personas):
    read_days(park, days_of(date(2022, 3, 1), date(2022, 3, 20)))  # 19 of 31: 61.3%
    staff, mar = personas["park_staff"], month(park, 2022, 3)
    now = local(2022, 4, 2, 10)
    with pytest.raises(ValidationFailed) as err:
        services.account_close(actor=staff, via="test", park=park, per=mar, now=now)
    (e,) = err.value.errors
    assert e.field == "reason" and "61.3%" in e.reason
    closing = services.account_close(
        actor=staff, via="test", park=park, per=mar, now=now, reason="电表已拆除，数据不再补录"
    )
    assert (closing.rule, closing.reason, closing.version) == (
        CloseRule.STAFF, "电表已拆除，数据不再补录", 1,
    )  # fmt: skip
    log = AuditLog.objects.get(action="carbon.account.close")
    assert log.actor_id == staff.pk and log.after["reason"] == "电表已拆除，数据不再补录"
    # Closing it again is refused: a recompute makes the next version.
    with pytest.raises(ValidationFailed) as err:
        services.account_close(actor=staff, via="test", park=park, per=mar, reason="again")
    assert err.value.errors[0].code == "already_closed"


def test_staff_close_and_recompute_from_the_park_page(client, park, daily_meter, factors, personas):
    read_days(park, days_of(date(2022, 3, 1), date(2022, 4, 1)))
    client.force_login(personas["park_staff"])
    page = client.get("/carbon/?period=2022-03").content.decode()
    assert 'data-testid="close-form"' in page and "已结束，未结账" in page
    response = client.post("/carbon/?period=2022-03", {"action": "close", "period": "2022-03"})
    assert response.status_code == 302
    page = client.get("/carbon/?period=2022-03").content.decode()
    assert 'data-testid="closed-label"' in page and "快照第 1 版" in page
    client.post("/carbon/?period=2022-03", {"action": "recompute", "period": "2022-03",
                                            "reason": "复核"})  # fmt: skip
    assert "快照第 2 版" in client.get("/carbon/?period=2022-03").content.decode()
    # An enterprise user has no such form, and the supervisor may not close.
    client.force_login(personas["supervisor"])
    assert client.post("/carbon/?period=2022-04", {"action": "close", "period": "2022-04",
                                                   "reason": "x"}).status_code == 403  # fmt: skip
    assert PeriodClose.objects.count() == 2


# --- one basis: every figure of a closed month equals the snapshot's ---------------------------


@pytest.fixture
def graded(park, zone, ent_a, ent_b, make_point, factors, personas):
    """February 2022: A 8,000 kWh. March 2022: A 10,000 kWh, B 2,000 kWh.
    A March: 10,000 × 0.5617 / 1000 = 5.617 tCO2 (1.229 tce); value added 7.0 万元
      → L = 5.617 / 7.0 = 0.802429; industry C34 average 1.0 → K = 0.802429 → grade 3.
    A February: 8,000 × 0.5617 / 1000 = 4.4936 t → March month on month 5.617/4.4936 − 1 = +25%.
    B March: 2,000 × 0.5617 / 1000 = 1.1234 t; park 6.7404 t.
    A's budget 20 t: used 1 January to 31 March = 4.4936 + 5.617 = 10.1106 t."""
    make_point("A-E1", owner=ent_a, zone=zone)
    make_point("B-E1", owner=ent_b, zone=zone)
    feed(park, {"A-E1": ramp(8000)}, day="2022-02-15")
    feed(park, {"A-E1": ramp(10000, start=8000), "B-E1": ramp(2000)}, day="2022-03-15")
    services.settings_upsert(actor=system_actor(park), via="test", park=park, year=2022)
    services.industry_average_upsert(
        actor=system_actor(park),
        via="test",
        park=park,
        industry_code="C34",
        year=2022,
        intensity="1.0",
    )
    EnterpriseMonthly.objects.create(
        park=park, enterprise=ent_a, year=2022, month=3, value_added=Decimal("7.0")
    )
    services.budget_upsert(
        actor=personas["park_staff"], via="test", park=park, year=2022, energy_tce=100,
        co2_t=20, enterprise_id=ent_a.pk,
    )  # fmt: skip
    return park


def change_the_basis(park):
    """After closing: a corrected East China factor (0.6) and a new industry average (0.7).
    Live, A's March would be 10,000 × 0.6 / 1000 = 6.0 t, L = 6.0 / 7.0 = 0.857143,
    K = 0.857143 / 0.7 = 1.224490 → grade 4; February 8,000 × 0.6 = 4.8 t (MoM +25% still,
    the same factor both months) and budget use 10.8 t."""
    services.factor_create(
        actor=system_actor(park), via="test", park=park, carrier="electricity", quantity="co2",
        region="east_china", year=2022, value="0.6", unit="kgCO2/kWh",
        document="测试：更正后的因子", effective_from=date(2025, 1, 1),
    )  # fmt: skip
    services.industry_average_upsert(
        actor=system_actor(park),
        via="test",
        park=park,
        industry_code="C34",
        year=2022,
        intensity="0.7",
    )


def test_one_basis_every_figure_of_a_closed_month_is_the_snapshots(
    graded, ent_a, personas, client, monkeypatch, api_as
):
    park, mar = graded, month(graded, 2022, 3)
    # Open (ended, not closed): live, against the whole of February: 10,000 / 8,000 − 1.
    open_g = selectors.enterprise_grade(user=personas["ent_a_user"], park=park, enterprise=ent_a,
                                        per=mar)  # fmt: skip
    assert open_g["state"]["status"] == "open"
    assert (r6(open_g["month_on_month"]["co2_t"]), open_g["month_on_month"]["basis"]) == (
        0.25, "whole_period",
    )  # fmt: skip
    closing = services.account_close(actor=system_actor(park), via="system", park=park, per=mar)
    assert closing.factor_ids and closing.rule == CloseRule.DAYS  # long ended
    change_the_basis(park)
    # The live figure really moved (so the checks below can fail).
    live = selectors.live_accounts(user=selectors.system_reader(park), park=park, per=mar)
    assert r6(live.enterprise(ent_a.pk).co2_t) == 6.0

    # API / selectors: account, indicators, grade, K, rank, month on month.
    user = personas["ent_a_user"]
    view = selectors.account_view(
        user=user, park=park, scope="enterprise", scope_id=ent_a.pk, per=mar
    )
    assert (view["state"]["status"], view["version"]) == ("closed", 1)
    assert r6(view["figures"]["co2_t"]) == 5.617
    assert r6(view["since_closing"]["live_co2_t"]) == 6.0  # shown beside, not folded in
    g = selectors.enterprise_grade(user=user, park=park, enterprise=ent_a, per=mar)
    assert r6(g["indicators"]["carbon_intensity"]) == 0.802429
    assert (g["grade"]["grade"], r6(g["grade"]["k"]), g["grade"]["industry_average"]) == (
        3, 0.802429, 1.0,
    )  # fmt: skip
    assert (g["grade"]["rank"], g["grade"]["rank_of"]) == (1, 1)
    assert r6(g["month_on_month"]["co2_t"]) == 0.25 and g["month_on_month"]["basis"] == "snapshot"
    api = (
        api_as("ent_a_user")
        .get(f"/api/v1/carbon/indicators?enterprise_id={ent_a.pk}&period=2022-03")
        .json()
    )
    assert api["grade"]["grade"] == 3 and r6(api["grade"]["k"]) == 0.802429
    table = {r["enterprise_id"]: r for r in selectors.grade_table(
        user=personas["park_staff"], park=park, per=mar)}  # fmt: skip
    assert (table[ent_a.pk]["grade"], r6(table[ent_a.pk]["co2_t"])) == (3, 5.617)

    # Budgets: use to date from the snapshot (10.1106 t), not live (10.8 t).
    (budget,) = selectors.budget_status(user=user, park=park, year=2022, month=3)
    assert r6(budget["co2"]["used"]) == 10.1106 and budget["snapshot"] == 1

    # The report's figures.
    content = reports.build_content(enterprise=ent_a, year=2022, month=3)
    assert content["stored"] and content["state"]["status"] == "closed"
    assert r6(content["co2_t"]) == 5.617
    ind = {i["key"]: i for i in content["indicators"]}
    assert r6(ind["carbon_intensity"]["value"]) == 0.802429
    assert r6(ind["co2_t"]["mom"]) == 0.25
    assert (content["grade"]["grade"], r6(content["grade"]["k"])) == (3, 0.802429)
    assert r6(content["budget"]["co2"]["used"]) == 10.1106

    # The park page and the cockpit's grade tile (April's tile grades March).
    client.force_login(personas["park_staff"])
    response = client.get("/carbon/?period=2022-03")
    assert r6(response.context["total"].co2_t) == 6.7404  # 5.617 + 1.1234
    assert response.context["since_closing"]["changed"]
    monkeypatch.setattr(cockpit, "this_month", lambda _p: month(park, 2022, 4))
    tile = cockpit.grades_tile(personas["park_staff"], park)
    assert tile.chart["series"][0]["data"] == [0, 0, 1, 0, 0]  # grade 3, not the live 4

    # An explicit recompute makes version 2 (grade 4 now) and keeps version 1 as it was.
    result = services.account_recompute(
        actor=personas["park_staff"], via="test", park=park, per=mar, reason="因子更正"
    )
    assert result["grades"] == [{"enterprise_id": ent_a.pk, "before": 3, "after": 4,
                                 "k_before": pytest.approx(0.802429, abs=1e-6),
                                 "k_after": pytest.approx(1.224490, abs=1e-6)}]  # fmt: skip
    v1, v2 = PeriodClose.objects.filter(park=park).order_by("version")
    assert (v1.version, v1.current, v2.version, v2.current) == (1, False, 2, True)
    assert v1.grades[str(ent_a.pk)]["grade"] == 3
    assert (
        r6(CarbonAccount.objects.get(closing=v1, scope="enterprise", scope_id=ent_a.pk).co2_t)
        == 5.617
    )
    g = selectors.enterprise_grade(user=user, park=park, enterprise=ent_a, per=mar)
    assert (g["grade"]["grade"], g["state"]["closed"]["version"]) == (4, 2)
    assert (
        r6(selectors.budget_status(user=user, park=park, year=2022, month=3)[0]["co2"]["used"])
        == 10.8
    )
    # Both versions listed, newest first, with the difference on version 2.
    closings = api_as("park_staff").get("/api/v1/carbon/accounts/closings?period=2022-03").json()
    assert [c["version"] for c in closings] == [2, 1]
    park_diff = next(d for d in closings[0]["difference"]["scopes"] if d["scope"] == "park")
    assert r6(park_diff["co2_t_diff"]) == 0.4596  # 12,000 kWh × (0.6 − 0.5617) kg


def test_the_hourly_task_catches_up_and_reports_the_newest_month(
    park, zone, ent_a, make_point, factors, caplog, django_capture_on_commit_callbacks
):
    """Metered since March 2022 and never closed. January 2023 has steam from a meter with
    no enthalpy configured (its mass cannot be turned into heat; a year without its own
    factor no longer stops a close: the 2022 factors carry forward), so the task closes March
    to December 2022 (each long ended: by days), stops at January 2023 (logged, tried again
    next hour), and makes the alerts and reports of December only."""
    from parkpilot.carbon import tasks
    from parkpilot.carbon.models import ReportBatch

    make_point("A-E1", owner=ent_a, zone=zone)
    make_point("A-S1", owner=ent_a, zone=zone, kind="steam", unit="t")
    feed(park, {"A-E1": ramp(1000)}, day="2022-03-15")
    feed(park, {"A-E1": ramp(1000, start=1000), "A-S1": ramp(10)}, day="2023-01-15")
    with django_capture_on_commit_callbacks(execute=True):
        tasks.close_due_months.call_local()
    months = list(
        PeriodClose.objects.filter(park=park)
        .order_by("period_start")
        .values_list("period_start", flat=True)
    )
    assert months == [date(2022, m, 1) for m in range(3, 13)]
    assert "2023-01 not closed" in caplog.text and "蒸汽计量点未配置焓值" in caplog.text
    (batch,) = ReportBatch.objects.filter(park=park)
    assert (batch.year, batch.month, batch.status, batch.failed) == (2022, 12, "done", 0)


def test_a_reason_too_long_is_refused_naming_the_field(api_as, park, factors):
    response = api_as("park_staff").post(
        "/api/v1/carbon/accounts/close", {"period": "2022-03", "reason": "长" * 501}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "reason"
    assert not PeriodClose.objects.exists()


def test_a_gap_across_the_month_end_is_split_between_the_months(park, ent_a, make_point, factors):
    make_point("A-E1", owner=ent_a)
    items = [{"point": "A-E1", "ts": "2022-03-31T23:00:00+08:00", "value": 0.0},
             {"point": "A-E1", "ts": "2022-04-01T01:00:00+08:00", "value": 80.0}]  # fmt: skip
    assert not ingest_items(park_id=park.id, items=items, source="direct").rejected
    rollup_pending()
    system = selectors.system_reader(park)

    def kwh(m):
        acc = selectors.live_accounts(user=system, park=park, per=month(park, 2022, m))
        return acc.enterprise(ent_a.pk).energy.get("grid_import", 0.0)

    # 80 kWh over 2 hours, 1 hour on each side of midnight: 40 kWh to March, 40 to April.
    assert (kwh(3), kwh(4)) == (40.0, 40.0)


def test_green_power_entered_after_closing_waits_for_a_recompute(graded, ent_a, personas):
    """A's March 2022: 10,000 grid kWh × 0.5617 kgCO2/kWh (2022 华东, 《关于发布2022年电力二氧化碳
    排放因子的公告》) = 5.617 t location-based. 2 MWh of green power for March entered after
    closing: the closed month's market-based figure stays 5.617 t (the snapshot had none) and
    shows 2,000 kWh arrived; the recompute deducts it: (10,000 − 2,000) × 0.5617 / 1000 =
    4.4936 t."""
    from parkpilot.carbon import selectors_green, services_green

    park, mar = graded, month(graded, 2022, 3)
    services.account_close(actor=system_actor(park), via="system", park=park, per=mar)
    services_green.purchase_create(
        actor=system_actor(park), via="test", park=park, enterprise_id=ent_a.pk, kind="green_trade",
        quantity_mwh="2", period_start="2022-03-01", period_end="2022-03-31", seller="某风电场",
    )  # fmt: skip
    user = personas["ent_a_user"]
    closed = selectors_green.enterprise_scope2(user=user, park=park, enterprise=ent_a, per=mar)
    assert r6(closed["location_scope2_co2_t"]) == r6(closed["market_scope2_co2_t"]) == 5.617
    assert (closed["green_kwh_applied"], r6(closed["green_kwh_since_closing"])) == (0.0, 2000.0)
    content = reports.build_content(enterprise=ent_a, year=2022, month=3)
    assert r6(content["basis"]["scope2"]["market_scope2_co2_t"]) == 5.617
    pdf = PdfReader(io.BytesIO(reports.render_pdf(content)))
    text = "".join(page.extract_text() for page in pdf.pages).replace("\n", "").replace(" ", "")
    assert "结账后登记的绿电2000kWh未计入本期快照" in text
    services.account_recompute(
        actor=personas["park_staff"], via="test", park=park, per=mar, reason="绿电补录"
    )
    again = selectors_green.enterprise_scope2(user=user, park=park, enterprise=ent_a, per=mar)
    assert r6(again["market_scope2_co2_t"]) == 4.4936
    assert (again["green_kwh_applied"], again["green_kwh_since_closing"]) == (2000.0, 0.0)
