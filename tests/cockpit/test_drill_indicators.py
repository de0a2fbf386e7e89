"""The drill-down's carbon indicators, the same period last year, the industry filter, the JSON
API and the query count of one request per level (issue 23). Readings go through intake and the
rollup stage; every golden figure is worked out by hand below.

Data: 2022-03-15 10:00-11:00 local, cumulative kWh every 15 minutes:
  A1 (ent_a, zone): 40 kWh;  B1 (ent_b, zone): 100 kWh;  P1 (public loads, zone 南区): 12 kWh;
  A0 (ent_a, zone), a year before, 2021-03-15 10:00-11:00: 20 kWh.
Factors (both years): electricity 0.1229 kgce/kWh (GB/T 2589-2020), 0.5617 kgCO2/kWh (华东
2022); value added (万元): ent_a 2022-03 7.0, 2021-03 5.0; ent_b none."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from parkpilot.carbon import selectors as carbon_selectors
from parkpilot.carbon import services
from parkpilot.carbon.periods import period
from parkpilot.economy.models import EnterpriseMonthly
from parkpilot.energy.ingest.core import ingest_items
from parkpilot.energy.models import MeteringPoint, RegisterType
from parkpilot.energy.registry import registry
from parkpilot.energy.rollups import rollup_pending
from parkpilot.tenancy.actors import system_actor
from parkpilot.tenancy.models import Zone

TCE, CO2 = 0.1229 / 1000, 0.5617 / 1000  # per kWh: tce and tCO2


def _factors(park, year):
    for quantity, region, value, unit in (
        ("tce", "national", "0.1229", "kgce/kWh"),
        ("co2", "east_china", "0.5617", "kgCO2/kWh"),
        ("co2", "national", "0.5366", "kgCO2/kWh"),
    ):
        services.factor_create(
            actor=system_actor(park), via="test", park=park, carrier="electricity",
            quantity=quantity, region=region, year=year, value=value, unit=unit,
            document="test", effective_from=date(2021, 1, 1),
        )  # fmt: skip


@pytest.fixture
def carbon_park(park, zone, ent_a, ent_b, personas):
    zone2 = Zone.objects.create(park=park, code="south", name="南区")
    points = {}
    for code, owner, where in (
        ("A0", ent_a, zone), ("A1", ent_a, zone), ("B1", ent_b, zone), ("P1", None, zone2),
    ):  # fmt: skip
        points[code] = MeteringPoint.objects.create(
            park=park, code=code, name=f"电表{code}", owner=owner, zone=where,
            kind="grid_import", unit="kWh", register=RegisterType.CUMULATIVE,
            rated_max_per_h=1000, interval_s=900, gateway=personas["gateway"],
        )  # fmt: skip
    registry.invalidate()
    steps = {("A0", "2021"): 5, ("A1", "2022"): 10, ("B1", "2022"): 25, ("P1", "2022"): 3}
    items = [
        {"point": code, "ts": f"{year}-03-15T10:{15 * i:02d}:00+08:00" if i < 4
         else f"{year}-03-15T11:00:00+08:00", "value": step * i}
        for (code, year), step in steps.items() for i in range(5)
    ]  # fmt: skip
    assert not ingest_items(park_id=park.id, items=items, source="direct").rejected
    rollup_pending()
    registry.invalidate()
    for year in (2021, 2022):
        _factors(park, year)
        services.settings_upsert(actor=system_actor(park), via="test", park=park, year=year)
        services.industry_average_upsert(
            actor=system_actor(park), via="test", park=park, industry_code="C34", year=year,
            intensity="0.004",
        )  # fmt: skip
    for year, va in ((2022, "7.0"), (2021, "5.0")):
        EnterpriseMonthly.objects.create(
            park=park, enterprise=ent_a, year=year, month=3, value_added=Decimal(va)
        )
    return {"zone2": zone2, **points}


def _get(user, url):
    client = Client()
    client.force_login(user)
    return client.get(url)


def _data(response):
    assert response.status_code == 200, response.content[:500]
    return response.context["data"]


def test_enterprise_month_indicators_by_hand_and_as_the_carbon_page(
    personas, carbon_park, park, ent_a
):
    url = f"/cockpit/drill/enterprise/{ent_a.pk}/?period=2022-03"
    data = _data(_get(personas["park_staff"], url))
    ind, before = data["indicators"], data["indicators_year_ago"]
    # 40 kWh: 40 x 0.1229 / 1000 = 0.004916 tce; 40 x 0.5617 / 1000 = 0.022468 tCO2;
    # per 7.0 万元: 0.000702286 tce and 0.00320971 tCO2 per 10,000 CNY.
    assert ind["energy_tce"] == 0.004916 and ind["co2_t"] == 0.022468
    assert ind["energy_intensity"] == round(0.004916 / 7, 6) == 0.000702
    assert ind["carbon_intensity"] == round(0.022468 / 7, 6) == 0.00321
    # A year before: 20 kWh (A0): 0.002458 tce, 0.011234 t, per 5.0 万元: 0.0022468 -> 0.002247.
    assert (before["energy_tce"], before["co2_t"]) == (0.002458, 0.011234)
    assert before["carbon_intensity"] == 0.002247
    assert data["changes"]["co2_t"] == 1.0  # doubled
    assert data["changes"]["carbon_intensity"] == round(
        (0.022468 / 7 - 0.011234 / 5) / (0.011234 / 5), 4
    )
    # The same enterprise and month as its carbon page (enterprise_grade, the page's read).
    per = period("1mo", date(2022, 3, 1), park.timezone)
    page = carbon_selectors.enterprise_grade(
        user=personas["ent_a_user"], park=park, enterprise=ent_a, per=per
    )
    for key in ("energy_tce", "co2_t", "energy_intensity", "carbon_intensity"):
        assert ind[key] == round(page["indicators"][key], 6), key
    # L = 0.00320971, K = L / 0.004 = 0.802 -> grade 3 (0.8 < K <= 1.2); ent_b has no value
    # added, so ent_a ranks 1 of 1 in C34.
    assert data["grade"]["grade"] == page["grade"]["grade"] == 3
    assert (data["grade"]["rank"], data["grade"]["rank_of"]) == (1, 1)
    mine = _get(personas["ent_a_user"], "/carbon/mine/?period=2022-03")
    assert mine.context["grade"]["indicators"]["co2_t"] == pytest.approx(0.022468)
    # Its carbon page links to this drill level, which its own people may open.
    assert f'href="{url}" data-testid="mine-drill"' in mine.content.decode()
    assert _get(personas["ent_a_user"], url).status_code == 200
    # The trend's second series: the same hour a year before.
    day = _data(_get(personas["park_staff"], url.replace("2022-03", "2022-03-15")))
    assert (day["trend"][10]["value"], day["trend"][10]["year_ago"]) == (40.0, 20.0)
    assert day["total_year_ago"] == 20.0 and day["year_ago_period"] == "2021-03-15"
    assert day["grade"] is None  # value added is monthly: no grade for a day


def test_park_and_zone_indicators_agree_with_the_carbon_park_page(personas, carbon_park, zone):
    data = _data(_get(personas["park_staff"], "/cockpit/drill/?period=2022-03"))
    # 152 kWh: 0.0186808 tce, 0.0853784 tCO2 (public loads included, as the carbon page).
    assert (data["indicators"]["energy_tce"], data["indicators"]["co2_t"]) == (
        0.018681, 0.085378,
    )  # fmt: skip
    page = _get(personas["park_staff"], "/carbon/?period=2022-03").context
    assert data["indicators"]["co2_t"] == round(page["total"].co2_t, 6)
    assert data["indicators"]["energy_tce"] == round(page["total"].tce, 6)
    # Intensity: only ent_a has value added: 0.022468 / 7.0.
    assert data["indicators"]["carbon_intensity"] == 0.00321
    assert (data["indicators"]["with_value_added"], data["indicators"]["enterprises"]) == (1, 2)
    assert data["indicators_year_ago"]["co2_t"] == 0.011234
    assert [(r["name"], r["value"], r["year_ago"]) for r in data["breakdown"]] == [
        (zone.name, 140.0, 20.0),
        ("南区", 12.0, 0.0),
    ]
    z = _data(_get(personas["park_staff"], f"/cockpit/drill/zone/{zone.pk}/?period=2022-03"))
    # 140 kWh: 0.017206 tce, 0.078638 t; the carbon page's zone row says the same.
    assert (z["indicators"]["energy_tce"], z["indicators"]["co2_t"]) == (0.017206, 0.078638)
    row = next(r for r in page["zones"] if r["id"] == zone.pk)
    assert z["indicators"]["co2_t"] == round(row["co2_t"], 6)


def test_point_level_tce_and_co2(personas, carbon_park):
    url = f"/cockpit/drill/point/{carbon_park['B1'].pk}/?period=2022-03"
    data = _data(_get(personas["park_staff"], url))
    # 100 kWh: 0.01229 tce, 0.05617 t; intensities are an enterprise's.
    assert (data["indicators"]["energy_tce"], data["indicators"]["co2_t"]) == (0.01229, 0.05617)
    assert data["indicators"]["carbon_intensity"] is None
    assert data["indicators_year_ago"]["co2_t"] == 0.0


def test_industry_filter_every_level(personas, carbon_park, zone, ent_a, ent_b):
    ent_b.industry_code = "C38"
    ent_b.save()
    staff = personas["park_staff"]
    park34 = _data(_get(staff, "/cockpit/drill/?period=2022-03&industry=C34"))
    # C34 is ent_a alone: 40 kWh, no public loads; the zone holds it, 南区 has none.
    assert park34["total"] == 40.0 and park34["total_year_ago"] == 20.0
    assert [(r["name"], r["value"]) for r in park34["breakdown"]] == [(zone.name, 40.0)]
    assert park34["indicators"]["co2_t"] == 0.022468
    assert "industry=C34" in park34["query"]
    zone38 = _data(_get(staff, f"/cockpit/drill/zone/{zone.pk}/?period=2022-03&industry=C38"))
    assert [(r["id"], r["value"]) for r in zone38["breakdown"]] == [(ent_b.pk, 100.0)]
    assert zone38["indicators"]["co2_t"] == 0.05617
    assert zone38["indicators"]["carbon_intensity"] is None  # ent_b reports no value added
    mine = _get(staff, f"/cockpit/drill/enterprise/{ent_a.pk}/?period=2022-03&industry=C34")
    assert _data(mine)["total"] == 40.0
    page = mine.content.decode()
    assert f'href="/cockpit/drill/point/{carbon_park["A1"].pk}/?period=2022-03' in page
    assert "industry=C34" in page.split("drill-breakdown")[1]  # the links keep the filter
    # Not this enterprise's industry, not an industry of the park: refused, naming the field.
    for url in (
        f"/cockpit/drill/enterprise/{ent_b.pk}/?period=2022-03&industry=C34",
        f"/cockpit/drill/point/{carbon_park['P1'].pk}/?period=2022-03&industry=C34",
        "/cockpit/drill/?period=2022-03&industry=X99",
    ):
        response = _get(staff, url)
        assert response.status_code == 422, url
        assert "行业" in response.context["error"] or "ndustry" in response.context["error"]
    api = _get(staff, "/api/v1/cockpit/drill?period=2022-03&industry=X99")
    assert api.status_code == 422
    assert api.json()["detail"][0]["loc"] == ["body", "industry"]


def test_api_as_the_page_with_tenancy(personas, carbon_park, zone, ent_a, ent_b):
    staff = personas["park_staff"]
    url = f"/cockpit/drill/enterprise/{ent_a.pk}/?period=2022-03"
    page = _data(_get(staff, url))
    api = _get(staff, f"/api/v1/cockpit/drill/enterprise/{ent_a.pk}?period=2022-03")
    assert api.status_code == 200
    body = api.json()
    assert body["total"] == page["total"] == 40.0
    assert body["indicators"]["co2_t"] == page["indicators"]["co2_t"] == 0.022468
    assert body["grade"]["grade"] == 3
    assert body["trend"][2]["value"] == 0.0 and len(body["trend"]) == 31
    park = _get(staff, "/api/v1/cockpit/drill?period=2022-03").json()
    assert park["total"] == 152.0
    user = personas["ent_b_user"]
    own = _get(user, f"/api/v1/cockpit/drill/enterprise/{ent_b.pk}?period=2022-03")
    assert own.status_code == 200 and own.json()["total"] == 100.0
    for path in (
        "/api/v1/cockpit/drill?period=2022-03",
        f"/api/v1/cockpit/drill/zone/{zone.pk}?period=2022-03",
        f"/api/v1/cockpit/drill/enterprise/{ent_a.pk}?period=2022-03",
        f"/api/v1/cockpit/drill/point/{carbon_park['A1'].pk}?period=2022-03",
        f"/api/v1/cockpit/drill/point/{carbon_park['P1'].pk}?period=2022-03",
    ):
        assert _get(user, path).status_code == 404, path
    other = _get(personas["other_park_admin"], f"/api/v1/cockpit/drill/enterprise/{ent_a.pk}")
    assert other.status_code == 404
    bad = _get(staff, "/api/v1/cockpit/drill?period=2022-13")
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "period"]


# One request's statements per level, pinned: each whole-park carbon read is made once per
# period, this one and a year before (carbon.shared_reads.shared()). An enterprise over a year,
# 28: session, user, park (3); the industry list, the enterprise, its zone (3); the energy of
# both periods (2); per period 8: its closing, the factor catalogue's stamp, the enterprises,
# the accounts, value added, the stamp again, the park's time zone, the monthly energy (the
# year's intensity basis); grading settings and industry averages (2); the meters' names (1);
# the industry picker (1). A month has no monthly read and no time zone (6 per period); a day
# no value added either; a meter reads no carbon accounts, only the factors' stamp.
QUERIES = {
    "/cockpit/drill/?period=2022": 24,
    "/cockpit/drill/?period=2022-03": 18,
    "/cockpit/drill/?period=2022-03-15": 16,
    "/cockpit/drill/zone/{zone}/?period=2022": 25,
    "/cockpit/drill/enterprise/{ent}/?period=2022": 28,
    "/cockpit/drill/enterprise/{ent}/?period=2022-03": 22,
    "/cockpit/drill/point/{point}/?period=2022": 12,
}


def test_query_count_per_level(personas, carbon_park, zone, ent_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(personas["park_staff"])
    counts = {}
    for template in QUERIES:
        url = template.format(zone=zone.pk, ent=ent_a.pk, point=carbon_park["A1"].pk)
        assert client.get(url).status_code == 200  # warm: the session and the factor cache
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts[template] = len(queries.captured_queries)
    assert counts == QUERIES


def test_links_from_the_cockpit_tiles_and_the_carbon_page(personas, carbon_park, park, zone):
    from django.utils import timezone

    staff = personas["park_staff"]
    cockpit = _get(staff, "/cockpit/").content.decode()
    today = timezone.localdate().strftime("%Y-%m-%d")
    # Electricity today opens the park over today (the tile computes without factors).
    assert f'href="/cockpit/drill/?period={today}" class="tile-line" data-testid="tile-drill"' in (
        cockpit
    )
    assert _get(staff, f"/cockpit/drill/?period={today}").status_code == 200
    carbon = _get(staff, "/carbon/?period=2022-03").content.decode()
    assert f'href="/cockpit/drill/zone/{zone.pk}/?period=2022-03"' in carbon


def test_a_closed_month_reads_its_snapshot(personas, carbon_park, park, zone, ent_a):
    per = period("1mo", date(2022, 3, 1), park.timezone)
    services.account_close(
        actor=personas["park_staff"], via="test", park=park, per=per, reason="测试结账"
    )
    staff = personas["park_staff"]
    ent = _data(_get(staff, f"/cockpit/drill/enterprise/{ent_a.pk}/?period=2022-03"))
    assert ent["state"]["status"] == "closed"
    # The snapshot's figures are the live ones of the same data: 40 kWh, 0.022468 t, / 7.0.
    assert (ent["indicators"]["co2_t"], ent["indicators"]["carbon_intensity"]) == (
        0.022468, 0.00321,
    )  # fmt: skip
    assert ent["grade"]["grade"] == 3 and (ent["grade"]["rank"], ent["grade"]["rank_of"]) == (1, 1)
    z = _data(_get(staff, f"/cockpit/drill/zone/{zone.pk}/?period=2022-03"))
    assert z["indicators"]["co2_t"] == 0.078638
    south = _data(_get(staff, f"/cockpit/drill/zone/{carbon_park['zone2'].pk}/?period=2022-03"))
    assert south["indicators"]["co2_t"] == round(12 * CO2, 6) == 0.00674
    park_level = _data(_get(staff, "/cockpit/drill/?period=2022-03"))
    assert park_level["indicators"]["co2_t"] == 0.085378
