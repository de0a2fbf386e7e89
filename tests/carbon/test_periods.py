"""Partial periods (issue 14): a running month is labelled partial on pages, API, cockpit and
report; its month-on-month compares the same elapsed hours of the previous month (value added
is monthly, so its intensities are not compared); completeness counts the readings expected so
far (at 04:00 a perfect 15-minute meter has sent 16 of its 96, which is 100%); flagged energy
is kept per kind, never kWh + m³ + t.

Factors (tests/carbon/carbon_helpers.py cites each document): electricity CO2 华东 0.5617
kgCO2/kWh (《关于发布2022年电力二氧化碳排放因子的公告》, 生态环境部 国家统计局 2024-12-20) and
electricity tce 0.1229 kgce/kWh (GB/T 2589-2020). For 2026 the tests enter the same values as
that year's catalogue (test data: the ratios checked below do not depend on the factor).
A reading at ts is booked to the bucket (start, end] that it closes (energy/counters.py), so a
day holds the 96 readings 00:15 … 24:00 of a 15-minute meter."""

from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from carbon_helpers import load_factors
from django.utils import timezone, translation

from parkpilot.carbon import cockpit, reports, selectors
from parkpilot.carbon.periods import period
from parkpilot.energy import cockpit as energy_cockpit
from parkpilot.energy import selectors as energy_selectors
from parkpilot.energy.ingest.core import ingest_items
from parkpilot.energy.models import MeteringPoint, RegisterType
from parkpilot.energy.registry import registry
from parkpilot.energy.rollups import rollup_pending

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def local(*args):
    return datetime(*args, tzinfo=TZ)


def point(park, code, personas, *, owner=None, kind="grid_import", unit="kWh", interval_s=900):
    p = MeteringPoint.objects.create(
        park=park, code=code, owner=owner, kind=kind, unit=unit, interval_s=interval_s,
        register=RegisterType.CUMULATIVE, rated_max_per_h=100000.0, gateway=personas["gateway"],
    )  # fmt: skip
    registry.invalidate()
    return p


def read(park, code, start: datetime, end: datetime, step: timedelta, per_step: float):
    """Cumulative readings from `start` to `end` inclusive, rising `per_step` each step."""
    items, ts, value = [], start, 0.0
    while ts <= end:
        items.append({"point": code, "ts": ts.isoformat(), "value": value})
        ts, value = ts + step, value + per_step
    result = ingest_items(park_id=park.id, items=items, source="direct")
    assert not result.rejected, result.rejected
    rollup_pending()


# --- completeness against the readings expected so far -----------------------------------------


def test_todays_completeness_at_0400_divides_by_the_readings_expected_by_then(
    park, personas, monkeypatch
):
    point(park, "PERFECT", personas)
    point(park, "HALF", personas)
    midnight = local(2026, 11, 2)
    quarter = timedelta(minutes=15)
    read(park, "PERFECT", midnight, midnight + timedelta(hours=4), quarter, 1.0)
    read(park, "HALF", midnight, midnight + timedelta(hours=2), quarter, 1.0)
    now = midnight + timedelta(hours=4, minutes=2)
    # By 04:02 each point owes 4 h 2 min // 15 min = 16 readings (not the day's 96).
    # PERFECT sent 00:15 … 04:00 = 16 → complete; HALF 00:15 … 02:00 = 8.
    [today] = energy_selectors.park_completeness(
        user=personas["park_staff"], park_id=park.pk, days=1, now=now
    )
    assert (today.expected, today.received, today.rate) == (32, 24, 0.75)
    # The cockpit's 今日完整率 tile at 04:02 with only the perfect meter active: 100%, ok (not
    # the 16.7% = 16/96 and red alarm of dividing by the whole day).
    MeteringPoint.objects.filter(code="HALF").update(active=False)
    monkeypatch.setattr(energy_selectors, "timezone", SimpleNamespace(now=lambda: now))
    tile = energy_cockpit.meter_completeness(personas["park_staff"], park)
    assert (tile.value, tile.status) == (100.0, "ok")


def test_a_running_month_after_two_days_counts_two_days_of_readings(park, personas, ent_a):
    point(park, "A-E1", personas, owner=ent_a)
    start = local(2026, 11, 1)
    read(park, "A-E1", start, start + timedelta(days=2), timedelta(minutes=15), 1.0)
    dec = period("1mo", date(2026, 11, 1), park.timezone)
    now = local(2026, 11, 3)
    c = energy_selectors.period_completeness(
        user=personas["park_staff"], park_id=park.pk, start=dec.start, end=dec.end, now=now
    )
    # Expected so far: 2 days × 96 = 192 (the whole month would be 31 × 96 = 2,976).
    assert (c.expected, c.received, c.rate, c.points) == (192, 192, 1.0, [])
    # A day later with nothing new: 192 of 288 = 66.67%, and the point is named.
    c = energy_selectors.period_completeness(
        user=personas["park_staff"], park_id=park.pk, start=dec.start, end=dec.end,
        now=now + timedelta(days=1),
    )  # fmt: skip
    assert (c.expected, c.rate) == (288, 0.6667)
    assert c.points == [{"code": "A-E1", "expected": 288, "received": 192, "rate": 0.6667}]


# --- a running month: labelled partial, month on month like with like ---------------------------


@pytest.fixture
def november_and_december(park, personas, ent_a):
    """A: October 2026 at 100 kWh every hour (the whole month: 743 h × 100 = 74,300 kWh);
    November so far at 110 kWh every hour, through 2 November 08:00 (32 h × 110 = 3,520 kWh).
    (Past months: intake refuses readings from the future.)"""
    load_factors(park, year=2026)
    point(park, "A-OCT", personas, owner=ent_a, interval_s=3600)
    point(park, "A-NOV", personas, owner=ent_a, interval_s=3600)
    hour = timedelta(hours=1)
    read(park, "A-OCT", local(2026, 10, 1), local(2026, 10, 31, 23), hour, 100.0)
    read(park, "A-NOV", local(2026, 11, 1), local(2026, 11, 2, 8), hour, 110.0)
    return park


def test_month_on_month_of_a_running_month_compares_the_same_hours(november_and_december, ent_a):
    park = november_and_december
    nov = period("1mo", date(2026, 11, 1), park.timezone)
    now = local(2026, 11, 2, 4, 30)
    basis = selectors.enterprise_basis(park=park, enterprise=ent_a, per=nov, now=now)
    assert basis["state"]["status"] == "running" and basis["state"]["partial"]
    assert basis["state"]["through_label"] == "2026-11-02 04:30"
    mom = basis["mom"]
    # 1 November 00:00 to 2 November 04:00 is 28 whole hours: 28 × 110 = 3,080 kWh against
    # 1 October 00:00 to 2 October 04:00, 28 × 100 = 2,800 kWh: +10% for tCO2 and tce alike
    # (the same factor). Against the whole of October (74,300 kWh) the 3,520 kWh so far would
    # read −95.3%.
    assert (mom["basis"], mom["hours"]) == ("same_hours", 28)
    assert round(mom["co2_t"], 6) == 0.1 and round(mom["energy_tce"], 6) == 0.1
    # Value added is monthly: intensities of part of a month are not compared.
    assert mom["carbon_intensity"] is None and mom["energy_intensity"] is None
    # A period with more hours run than the other has (31 March against February) cannot be
    # compared like with like: said so, not guessed.
    mar = period("1mo", date(2026, 3, 1), park.timezone)
    late = selectors.enterprise_basis(
        park=park, enterprise=ent_a, per=mar, now=local(2026, 3, 31, 12)
    )
    assert late["mom"]["basis"] == "none" and late["mom"]["co2_t"] is None


def test_the_running_month_is_labelled_partial_everywhere(
    park, personas, ent_a, client, api_as, make_point
):
    now = timezone.localtime()
    today = now.date()
    load_factors(park, year=today.year)
    make_point("A-E1", owner=ent_a)
    # Readings of the last half hour of this month so far (never from the future).
    start = max(now - timedelta(minutes=30), now.replace(day=1, hour=0, minute=0, second=0))
    read(park, "A-E1", start, now, timedelta(minutes=10), 5.0)
    label = f"{today:%Y-%m}"
    # Pages (zh-Hans): the park's and the enterprise's.
    client.force_login(personas["park_staff"])
    page = client.get("/carbon/").content.decode()
    assert 'data-testid="partial-label"' in page and "部分期间" in page
    assert 'data-testid="live-partial"' in page
    client.force_login(personas["ent_a_user"])
    page = client.get("/carbon/mine/").content.decode()
    assert 'data-testid="partial-label"' in page
    # API.
    state = (
        api_as("ent_a_user")
        .get(f"/api/v1/carbon/accounts?scope=enterprise&scope_id={ent_a.pk}&period={label}")
        .json()["state"]
    )
    assert (state["status"], state["partial"]) == ("running", True)
    # Cockpit tile.
    with translation.override("zh-hans"):
        tile = cockpit.emissions_tile(personas["park_staff"], park)
    assert tile.caption.startswith("本月至今（部分期间，截至")
    # The report's figures.
    content = reports.build_content(enterprise=ent_a, year=today.year, month=today.month)
    assert content["state"]["partial"] and content["mom_basis"] in ("same_hours", "none")
    # An ended month is not partial.
    last = period("1mo", today.replace(day=1) - timedelta(days=1), park.timezone)
    assert selectors.period_state(park=park, per=last)["status"] == "open"


# --- flagged energy is never added across units -------------------------------------------------


def test_flagged_energy_is_kept_per_kind(park, zone, ent_a, make_point, factors):
    make_point("A-E1", owner=ent_a, zone=zone)
    make_point("A-GAS", owner=ent_a, zone=zone, kind="natural_gas", unit="m3")
    make_point("B-STM", zone=zone, kind="steam", unit="t", enthalpy=2.76)
    # Two readings an hour apart on 15-minute meters: the interval spans a gap, so its energy
    # is kept and flagged (energy/counters.py): 60 kWh, 20 m³ and 3 t.
    hour = timedelta(hours=1)
    for code, amount in (("A-E1", 60.0), ("A-GAS", 20.0), ("B-STM", 3.0)):
        read(park, code, local(2022, 3, 15, 10), local(2022, 3, 15, 11), hour, amount)
    acc = selectors.live_accounts(
        user=selectors.system_reader(park), park=park,
        per=period("1mo", date(2022, 3, 1), park.timezone),
    )  # fmt: skip
    mine = acc.enterprise(ent_a.pk).figures()["flagged_energy"]
    assert mine == {"grid_import": 60.0, "natural_gas": 20.0}  # not 80 of nothing
    # The park sums per kind: kWh with kWh, m³ with m³, t with t.
    assert acc.park().flagged_energy == {"grid_import": 60.0, "natural_gas": 20.0, "steam": 3.0}
