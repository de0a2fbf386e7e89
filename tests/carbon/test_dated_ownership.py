"""Dated ownership (issue 14, "a moved meter's past months unchanged"): a meter moved from
enterprise A to enterprise B at 00:00 on 15 April 2022 (park time). Before the move every month
went to today's owner; now each hour goes where the meter then belonged.

The meter counts 10 kWh every hour, read on the hour, from 1 March to 1 June 2022 (local):
  March   31 d × 24 h × 10 kWh = 7,440 kWh  → A
  April    1-14: 14 × 24 × 10 = 3,360 kWh  → A;   15-30: 16 × 24 × 10 = 3,840 kWh → B
  May     31 × 24 × 10         = 7,440 kWh  → B
(an interval ending on the hour is booked to the hour before it: the reading at 1 April 00:00
closes March's last hour).

Factors (tests/carbon/carbon_helpers.py cites each document):
  electricity CO2, 华东 2022  0.5617 kgCO2/kWh  《关于发布2022年电力二氧化碳排放因子的公告》
                                                 (生态环境部 国家统计局 2024-12-20)
  electricity tce (当量值)    0.1229 kgce/kWh   GB/T 2589-2020《综合能耗计算通则》
The park (330112) is in Zhejiang; no Zhejiang factor is entered, so the East China factor
applies. So March for A: 7,440 × 0.5617 / 1000 = 4.179048 tCO2 and 7,440 × 0.1229 / 1000 =
0.914376 tce; April for A 3,360 × 0.5617 / 1000 = 1.887312 t, for B 3,840 × 0.5617 / 1000 =
2.156928 t."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from parkpilot.carbon import cockpit, selectors, services
from parkpilot.carbon.models import CarbonAccount
from parkpilot.carbon.periods import period
from parkpilot.energy import selectors_carbon
from parkpilot.energy import services as energy_services
from parkpilot.energy.ingest.core import ingest_items
from parkpilot.energy.models import MeteringPoint, RegisterType
from parkpilot.energy.registry import registry
from parkpilot.energy.rollups import rollup_pending
from parkpilot.tenancy.models import Zone

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
MOVE_AT = datetime(2022, 4, 15, tzinfo=TZ)
CO2 = 0.5617 / 1000  # t per kWh, 华东 2022
TCE = 0.1229 / 1000  # tce per kWh, GB/T 2589-2020


def month(park, m):
    return period("1mo", date(2022, m, 1), park.timezone)


def hourly(park, code, start: datetime, end: datetime, kwh_per_hour=10.0):
    """A counter rising `kwh_per_hour` every hour, read on the hour from start to end."""
    hours = int((end - start).total_seconds() // 3600)
    items = [
        {"point": code, "ts": (start + timedelta(hours=i)).isoformat(), "value": i * kwh_per_hour}
        for i in range(hours + 1)
    ]
    result = ingest_items(park_id=park.id, items=items, source="direct")
    assert not result.rejected, result.rejected[:3]
    rollup_pending()


@pytest.fixture
def meter(park, zone, ent_a, personas, factors):
    point = energy_services.point_create(
        actor=personas["park_staff"], via="test", park=park,
        data={"code": "M-MOVE", "owner_id": ent_a.pk, "zone_id": zone.pk, "kind": "grid_import",
              "unit": "kWh", "register": RegisterType.CUMULATIVE, "rated_max_per_h": 1000.0,
              "interval_s": 3600, "gateway_id": personas["gateway"].pk},
    )  # fmt: skip
    registry.invalidate()
    hourly(park, "M-MOVE", datetime(2022, 3, 1, tzinfo=TZ), datetime(2022, 6, 1, tzinfo=TZ))
    return point


def move(personas, point, to, zone, at=MOVE_AT):
    return energy_services.point_move(
        actor=personas["park_staff"], via="test", point=point, enterprise_id=to.pk,
        zone_id=zone.pk, effective_at=at, reason="车间整体转租 / workshop sublet",
    )  # fmt: skip


def kwh(park, per, user=None):
    """{enterprise id: grid kWh} of the live accounts, and the park's total."""
    acc = selectors.live_accounts(user=user or selectors.system_reader(park), park=park, per=per)
    return {eid: a.used_kwh for eid, a in acc.enterprises.items()}, acc.park().used_kwh


def test_the_move_leaves_earlier_months_where_they_were(park, personas, meter, ent_a, ent_b, zone):
    a, b = ent_a.pk, ent_b.pk
    # Before the move: everything is A's.
    assert kwh(park, month(park, 3)) == ({a: 7440.0, b: 0.0}, 7440.0)
    assert kwh(park, month(park, 4)) == ({a: 7200.0, b: 0.0}, 7200.0)
    assert kwh(park, month(park, 5)) == ({a: 7440.0, b: 0.0}, 7440.0)

    version = cockpit.data_version(park)
    moved = move(personas, meter, ent_b, zone)
    assert moved.closed_periods == []
    assert cockpit.data_version(park) != version  # live pages recompute after a move

    # March: unchanged by the move. April: split at 15 April 00:00. May: wholly B's.
    assert kwh(park, month(park, 3)) == ({a: 7440.0, b: 0.0}, 7440.0)
    assert kwh(park, month(park, 4)) == ({a: 3360.0, b: 3840.0}, 7200.0)
    assert kwh(park, month(park, 5)) == ({a: 0.0, b: 7440.0}, 7440.0)
    april = selectors.live_accounts(user=selectors.system_reader(park), park=park,
                                    per=month(park, 4))  # fmt: skip
    assert april.enterprise(a).co2_t == pytest.approx(3360 * CO2)  # 1.887312 t
    assert april.enterprise(b).co2_t == pytest.approx(3840 * CO2)  # 2.156928 t
    march = selectors.live_accounts(user=selectors.system_reader(park), park=park,
                                    per=month(park, 3))  # fmt: skip
    assert march.enterprise(a).co2_t == pytest.approx(7440 * CO2)  # 4.179048 t
    assert march.enterprise(a).tce == pytest.approx(7440 * TCE)  # 0.914376 tce
    # The year, and the days either side of the move (day rollups straddle nothing).
    year = period("1y", date(2022, 1, 1), park.timezone)
    assert kwh(park, year) == ({a: 10800.0, b: 11280.0}, 22080.0)
    assert kwh(park, period("1d", date(2022, 4, 14), park.timezone))[0] == {a: 240.0, b: 0.0}
    assert kwh(park, period("1d", date(2022, 4, 15), park.timezone))[0] == {a: 0.0, b: 240.0}


def test_every_read_of_a_figure_uses_the_same_split(park, personas, meter, ent_a, ent_b, zone):
    move(personas, meter, ent_b, zone)
    april, system = month(park, 4), selectors.system_reader(park)
    # Month by month over the year (what a year's intensity basis reads).
    year = period("1y", date(2022, 1, 1), park.timezone)
    rows = selectors_carbon.monthly_accounting_rows(
        user=system, park_id=park.pk, start=year.start, end=year.end
    )
    by_month = {
        (row.owner_id, bucket.astimezone(TZ).month): row.energy["grid_import"]
        for bucket, row in rows
        if row.energy  # February holds only the 1 March 00:00 reading that opens the series
    }
    assert by_month == {(ent_a.pk, 3): 7440.0, (ent_a.pk, 4): 3360.0,
                        (ent_b.pk, 4): 3840.0, (ent_b.pk, 5): 7440.0}  # fmt: skip
    # The drill-down lists the meter under each with its own share.
    for ent, expected in ((ent_a, 3360.0), (ent_b, 3840.0)):
        (row,) = selectors_carbon.point_rows(
            user=system, park_id=park.pk, level=april.rollup_level, start=april.start,
            end=april.end, owner_id=ent.pk,
        )  # fmt: skip
        assert (row["point_code"], row["energy"]) == ("M-MOVE", expected)
    # The load profile: B's hours start at the move.
    profile = selectors_carbon.hourly_profile(
        user=system, park_id=park.pk, owner_id=ent_b.pk, start=april.start, end=april.end,
        kinds=("grid_import",),
    )  # fmt: skip
    assert profile[0][0] == MOVE_AT and len(profile) == 16 * 24
    assert sum(e for _, e in profile) == 3840.0
    # Each enterprise's own users see their own share: A keeps its past energy of the meter.
    assert kwh(park, april, personas["ent_a_user"])[0] == {ent_a.pk: 3360.0}
    assert kwh(park, april, personas["ent_b_user"])[0] == {ent_b.pk: 3840.0}
    assert kwh(park, month(park, 3), personas["ent_b_user"])[0] == {ent_b.pk: 0.0}


def test_a_closed_month_keeps_its_snapshot_and_shows_the_move_as_arrived(
    park, personas, meter, ent_a, ent_b, zone
):
    staff, april = personas["park_staff"], month(park, 4)
    closing = services.account_close(actor=staff, via="test", park=park, per=april,
                                      reason="测试")  # fmt: skip
    stored = {
        row.scope_id: row.figures["energy"]
        for row in CarbonAccount.objects.filter(closing=closing, scope="enterprise")
    }
    assert stored[ent_a.pk] == {"grid_import": 7200.0}

    moved = move(personas, meter, ent_b, zone)
    assert moved.closed_periods == ["2022-04"]  # named, so staff can recompute

    after = {
        row.scope_id: row.figures["energy"]
        for row in CarbonAccount.objects.filter(closing=closing, scope="enterprise")
    }
    assert after == stored  # the snapshot is untouched
    view_a = selectors.account_view(user=staff, park=park, scope="enterprise",
                                    scope_id=ent_a.pk, per=april)  # fmt: skip
    view_b = selectors.account_view(user=staff, park=park, scope="enterprise",
                                    scope_id=ent_b.pk, per=april)  # fmt: skip
    assert view_a["stored"] and view_a["figures"]["energy"] == {"grid_import": 7200.0}
    assert view_a["since_closing"]["energy"] == {"grid_import": -3840.0}
    assert view_b["since_closing"]["energy"] == {"grid_import": 3840.0}
    assert view_a["since_closing"]["changed"] and view_b["since_closing"]["changed"]
    # The park as a whole did not change: nothing arrived for it.
    park_view = selectors.account_view(user=staff, park=park, scope="park", scope_id=park.pk,
                                       per=april)  # fmt: skip
    assert not park_view["since_closing"]["changed"]


def test_a_public_load_moved_between_zones_splits_by_zone(park, personas, zone, factors):
    east = Zone.objects.create(park=park, code="east", name="东区")
    point = energy_services.point_create(
        actor=personas["park_staff"], via="test", park=park,
        data={"code": "LIGHT-1", "owner_id": None, "zone_id": zone.pk, "kind": "grid_import",
              "unit": "kWh", "register": RegisterType.CUMULATIVE, "rated_max_per_h": 1000.0,
              "interval_s": 3600, "gateway_id": personas["gateway"].pk},
    )  # fmt: skip
    registry.invalidate()
    hourly(park, "LIGHT-1", datetime(2022, 4, 1, tzinfo=TZ), datetime(2022, 5, 1, tzinfo=TZ))
    energy_services.point_move(
        actor=personas["park_staff"], via="test", point=point, enterprise_id=None,
        zone_id=east.pk, effective_at=MOVE_AT, reason="路灯划归东区",
    )  # fmt: skip
    acc = selectors.live_accounts(user=selectors.system_reader(park), park=park,
                                  per=month(park, 4))  # fmt: skip
    assert acc.public[zone.pk].used_kwh == 3360.0
    assert acc.public[east.pk].used_kwh == 3840.0
    assert MeteringPoint.objects.get(pk=point.pk).zone_id == east.pk
