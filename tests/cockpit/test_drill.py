"""The drill-down (issue 23): each level's figures from readings fed through intake and the
rollup stage, hand-calculated; an enterprise's user opens only its own enterprise (404)."""

import pytest
from django.test import Client

from parkpilot.energy.ingest.core import ingest_items
from parkpilot.energy.models import MeteringPoint, RegisterType
from parkpilot.energy.registry import registry
from parkpilot.energy.rollups import rollup_pending
from parkpilot.tenancy.models import Zone


@pytest.fixture
def metered(park, zone, ent_a, ent_b, personas):
    """2022-03-15 10:00-11:00 local, readings every 15 minutes (cumulative kWh):
    A1 (ent_a, zone): 0, 10, 20, 30, 40 -> 40 kWh, all in hour 10;
    B1 (ent_b, zone): 0, 25, 50, 75, 100 -> 100 kWh;
    P1 (public loads, zone 2): 0, 3, 6, 9, 12 -> 12 kWh.
    Park: 152; zone 140 (ent_b 100, ent_a 40); zone 2: 12."""
    zone2 = Zone.objects.create(park=park, code="south", name="南区")
    points = {}
    for code, owner, where in (("A1", ent_a, zone), ("B1", ent_b, zone), ("P1", None, zone2)):
        points[code] = MeteringPoint.objects.create(
            park=park, code=code, name=f"电表{code}", owner=owner, zone=where,
            kind="grid_import", unit="kWh", register=RegisterType.CUMULATIVE,
            rated_max_per_h=1000, interval_s=900, gateway=personas["gateway"],
        )  # fmt: skip
    registry.invalidate()
    steps = {"A1": 10, "B1": 25, "P1": 3}
    items = [
        {"point": code, "ts": f"2022-03-15T10:{15 * i:02d}:00+08:00" if i < 4
         else "2022-03-15T11:00:00+08:00", "value": step * i}
        for code, step in steps.items() for i in range(5)
    ]  # fmt: skip
    assert not ingest_items(park_id=park.id, items=items, source="direct").rejected
    rollup_pending()
    registry.invalidate()
    return {"zone2": zone2, **points}


def _get(user, url):
    client = Client()
    client.force_login(user)
    return client.get(url)


def _data(response):
    assert response.status_code == 200, response.content[:500]
    return response.context["data"]


def test_park_level_month_by_zone_and_day(personas, metered, zone):
    data = _data(_get(personas["park_staff"], "/cockpit/drill/?period=2022-03"))
    assert data["total"] == 152.0
    assert [(r["name"], r["value"]) for r in data["breakdown"]] == [
        (zone.name, 140.0),
        ("南区", 12.0),
    ]
    assert len(data["trend"]) == 31
    assert data["trend"][14] == {
        "label": "03-15",
        "value": 152.0,
        "period": "2022-03-15",
        "year_ago": 0.0,
    }
    assert sum(t["value"] for t in data["trend"]) == 152.0


def test_zone_level_by_enterprise(personas, metered, zone, ent_a, ent_b):
    data = _data(_get(personas["park_staff"], f"/cockpit/drill/zone/{zone.pk}/?period=2022"))
    assert data["total"] == 140.0
    assert [(r["id"], r["value"]) for r in data["breakdown"]] == [
        (ent_b.pk, 100.0),
        (ent_a.pk, 40.0),
    ]
    assert [t["label"] for t in data["trend"]][:3] == ["2022-01", "2022-02", "2022-03"]
    assert data["trend"][2]["value"] == 140.0 and data["trend"][2]["period"] == "2022-03"
    assert data["crumbs"] == [{"level": "zone", "id": zone.pk, "name": zone.name}]


def test_enterprise_level_day_by_hour_and_point(personas, metered, ent_a):
    url = f"/cockpit/drill/enterprise/{ent_a.pk}/?period=2022-03-15"
    data = _data(_get(personas["park_staff"], url))
    assert data["total"] == 40.0
    assert len(data["trend"]) == 24
    assert data["trend"][10] == {"label": "10:00", "value": 40.0, "period": None, "year_ago": 0.0}
    assert [(r["name"], r["value"]) for r in data["breakdown"]] == [("A1 电表A1", 40.0)]


def test_point_level(personas, metered):
    url = f"/cockpit/drill/point/{metered['B1'].pk}/?period=2022-03-15"
    data = _data(_get(personas["park_staff"], url))
    assert data["total"] == 100.0 and data["trend"][10]["value"] == 100.0
    assert [c["level"] for c in data["crumbs"]] == ["zone", "enterprise", "point"]


def test_enterprise_user_drills_only_its_own(personas, metered, zone, ent_a, ent_b):
    user = personas["ent_b_user"]
    mine = _data(_get(user, f"/cockpit/drill/enterprise/{ent_b.pk}/?period=2022-03"))
    assert mine["total"] == 100.0
    assert [c["level"] for c in mine["crumbs"]] == ["enterprise"]  # no zone it cannot open
    for url in (
        "/cockpit/drill/?period=2022-03",
        f"/cockpit/drill/zone/{zone.pk}/?period=2022-03",
        f"/cockpit/drill/enterprise/{ent_a.pk}/?period=2022-03",
        f"/cockpit/drill/point/{metered['A1'].pk}/?period=2022-03",
        f"/cockpit/drill/point/{metered['P1'].pk}/?period=2022-03",
    ):
        assert _get(user, url).status_code == 404, url


def test_other_park_sees_nothing_of_this_one(personas, metered, ent_a):
    url = f"/cockpit/drill/enterprise/{ent_a.pk}/?period=2022-03"
    assert _get(personas["other_park_admin"], url).status_code == 404


def test_bad_period_names_the_field(personas, metered):
    response = _get(personas["park_staff"], "/cockpit/drill/?period=2022-13")
    assert response.status_code == 422
    assert "2026-11-05" in response.context["error"]
