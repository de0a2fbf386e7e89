"""A hand-computed 亩均效益 evaluation of three enterprises for 2022.

Figures (all invented for the test):
- Land. Parcel P1, 20,000 m² = 30 亩 (1 亩 = 10,000/15 m²), held by A. Parcel P2 (工创园),
  10,000 m², building of 4 floors × 5,000 m² = 20,000 m²; B leases 5,000 m² and C 10,000 m²,
  so B's land is 5,000/20,000 × 10,000 = 2,500 m² = 3.75 亩 and C's 5,000 m² = 7.5 亩 (工业上楼).
- Economy, December 2022 (万元): A value added 3,000, tax 600, revenue 12,000, R&D 360, 300
  staff; B 750, 225, 2,500, 125, 50; C 600, 60, 3,000, 30, 120.
- Energy: meters read 100,000, 20,000 and 40,000 kWh; the carbon accounts make that
  × 0.1229 kgce/kWh (GB/T 2589-2020 当量值) = 12.29, 2.458 and 4.916 tce.
- Emissions (环境统计, t; COD + NH3-N + SO2 + NOx): A 2 + 0.2 + 1.3 + 2.5 = 6, B 0.5, C 3.

Indicators: 亩均增加值 A 3,000/30 = 100, B 750/3.75 = 200, C 600/7.5 = 80; 亩均税收 20, 60, 8;
单位排放增加值 500, 1,500, 200; R&D 3 %, 5 %, 1 %; 劳动生产率 10, 15, 5 万元/人.
Benchmarks are the park's ratios of sums: 4,350/41.25 亩 = 105.4545; 885/41.25 = 21.4545;
4,350/19.664 tce = 221.216; 4,350/9.5 t = 457.895; 515/17,500 = 2.942857 %; 4,350/470 = 9.2553.

Weights of the test's scheme (points): 亩均税收 40, 亩均增加值 20, 单位能耗增加值 15, 单位排放
增加值 10, R&D 10, 劳动生产率 5 (the shape of 浙江 county schemes under 浙政发〔2018〕5号,
亩均税收 weighted most); a score is min(value/benchmark, 2) × weight.
A: 100/105.4545×20 = 18.966 + 20/21.4545×40 = 37.288 + (3,000/12.29)/(4,350/19.664)×15 =
   1.103448×15 = 16.552 + 500/457.895×10 = 10.920 + 3/2.942857×10 = 10.194 + 10/9.2553×5 =
   5.402 → 99.32
B: 1.896552×20 = 37.931 + min(2.7966, 2)×40 = 80 + 1.37931×15 = 20.690 + min(3.2759, 2)×10
   = 20 + 1.699029×10 = 16.990 + 1.62069×5 = 8.103 → 183.71
C: 0.758621×20 = 15.172 + 0.372881×40 = 14.915 + 0.551724×15 = 8.276 + 0.436782×10 = 4.368
   + 0.339806×10 = 3.398 + 0.540230×5 = 2.701 → 48.83
Cut-offs {"A": 40, "B": 70, "C": 95} (percent of ranks): B rank 1 (33.3 %) → A, A rank 2
(66.7 %) → B, C rank 3 (100 %) → D."""

from datetime import date
from decimal import Decimal

import pytest

from parkpilot.carbon import services as carbon_services
from parkpilot.economy.models import EnterpriseMonthly
from parkpilot.energy.ingest.core import ingest_items
from parkpilot.energy.models import MeteringPoint, RegisterType
from parkpilot.energy.registry import registry
from parkpilot.energy.rollups import rollup_pending
from parkpilot.space import selectors, services
from parkpilot.space.models import Emissions, MujunScheme
from parkpilot.tenancy.actors import system_actor
from parkpilot.tenancy.credit_code import make_demo_credit_code
from parkpilot.tenancy.errors import NotFound
from parkpilot.tenancy.models import Enterprise

WEIGHTS = {"tax_per_mu": 40, "va_per_mu": 20, "va_per_tce": 15, "va_per_pollutant_t": 10,
           "rnd_pct": 10, "va_per_employee": 5}  # fmt: skip
FACTORS = [  # carbon_helpers.FACTORS_2022, the two this test needs
    ("electricity", "co2", "east_china", "0.5617", "kgCO2/kWh",
     "《关于发布2022年电力二氧化碳排放因子的公告》生态环境部 国家统计局 2024-12-20"),
    ("electricity", "tce", "national", "0.1229", "kgce/kWh",
     "GB/T 2589-2020《综合能耗计算通则》电力当量值"),
]  # fmt: skip


def _meter(park, personas, code, owner, kwh):
    MeteringPoint.objects.create(
        park=park, code=code, owner=owner, kind="grid_import", unit="kWh",
        register=RegisterType.CUMULATIVE, rated_max_per_h=10_000_000, interval_s=900,
        gateway=personas["gateway"],
    )  # fmt: skip
    registry.invalidate()
    items = [{"point": code, "ts": f"2022-12-15T10:{15 * i:02d}:00+08:00", "value": kwh * i / 3}
             for i in range(4)]  # fmt: skip
    assert not ingest_items(park_id=park.id, items=items, source="direct").rejected


@pytest.fixture
def evaluated(park, zone, personas, ent_a, ent_b):
    keeper = system_actor(park, "space.test")
    ent_c = Enterprise.objects.create(
        park=park, zone=zone, name="杭州丙科技有限公司", credit_code=make_demo_credit_code("丙"),
        industry_code="C39",
    )  # fmt: skip
    for carrier, quantity, region, value, unit, document in FACTORS:
        carbon_services.factor_create(
            actor=keeper, via="test", park=park, carrier=carrier, quantity=quantity,
            region=region, year=2022, value=value, unit=unit, document=document,
            effective_from=date(2024, 12, 20),
        )  # fmt: skip
    carbon_services.settings_upsert(actor=keeper, via="test", park=park, year=2022)
    make = services.parcel_create
    make(actor=keeper, via="test", park=park, code="330112001002GB00001", name="P1",
         kind="supply", use="industrial", area_m2="20000", enterprise=ent_a)  # fmt: skip
    p2 = make(actor=keeper, via="test", park=park, code="330112001002GB00002", name="工创园",
              kind="supply", use="industrial", area_m2="10000", planned_far="2.00")  # fmt: skip
    building = services.building_create(actor=keeper, via="test", parcel=p2, name="1号楼",
                                        floors=[(n, "5000") for n in (1, 2, 3, 4)])  # fmt: skip
    floors = list(building.floors.order_by("number"))
    for floor, ent in ((floors[0], ent_b), (floors[1], ent_c), (floors[2], ent_c)):
        unit = services.unit_create(actor=keeper, via="test", floor=floor, code="整层",
                                    area_m2="5000")  # fmt: skip
        services.lease_create(actor=keeper, via="test", unit=unit, enterprise=ent,
                              start="2021-01-01")  # fmt: skip
    for ent, va, tax, revenue, rnd, staff in (
        (ent_a, "3000", "600", "12000", "360", 300),
        (ent_b, "750", "225", "2500", "125", 50),
        (ent_c, "600", "60", "3000", "30", 120),
    ):
        EnterpriseMonthly.objects.create(
            park=park, enterprise=ent, year=2022, month=12, value_added=Decimal(va),
            tax=Decimal(tax), revenue=Decimal(revenue), rnd_spending=Decimal(rnd),
            employees=staff,
        )  # fmt: skip
    for code, ent, kwh in (("A1", ent_a, 100000), ("B1", ent_b, 20000), ("C1", ent_c, 40000)):
        _meter(park, personas, code, ent, kwh)
    rollup_pending()
    for ent, t in ((ent_a, ("2", "0.2", "1.3", "2.5")), (ent_b, ("0.2", "0.05", "0.1", "0.15")),
                   (ent_c, ("1", "0.1", "0.9", "1.0"))):  # fmt: skip
        Emissions.objects.create(park=park, enterprise=ent, year=2022, cod_t=t[0], nh3n_t=t[1],
                                 so2_t=t[2], nox_t=t[3], source="2022年环境统计")  # fmt: skip
    MujunScheme.objects.create(park=park, year=2022, document="测试方案", weights=WEIGHTS,
                               cutoffs={"A": 40, "B": 70, "C": 95}, cap=2)  # fmt: skip
    return {"a": ent_a, "b": ent_b, "c": ent_c}


def test_space_mujun_hand_computed(park, personas, evaluated):
    rows = selectors.mujun_year(user=personas["park_staff"], park=park, year=2022)
    got = {r["enterprise_id"]: r for r in rows}
    a, b, c = (got[evaluated[k].pk] for k in "abc")
    assert [(r["name"], r["rank"], r["class"], r["score"]) for r in rows] == [
        (b["name"], 1, "A", Decimal("183.71")),
        (a["name"], 2, "B", Decimal("99.32")),
        (c["name"], 3, "D", Decimal("48.83")),
    ]
    assert a["values"]["va_per_mu"] == Decimal(100)
    assert b["values"]["va_per_mu"] == Decimal(200) and b["values"]["tax_per_mu"] == 60
    assert c["values"]["va_per_pollutant_t"] == 200 and c["values"]["rnd_pct"] == 1
    assert a["values"]["va_per_tce"].quantize(Decimal("0.01")) == Decimal("244.10")  # 3000/12.29
    # 100,000 kWh × 0.5617 kg = 56.17 tCO2: 3,000/56.17 = 53.41 万元/tCO2, shown, not scored.
    assert a["values"]["va_per_tco2"].quantize(Decimal("0.01")) == Decimal("53.41")


def test_space_mujun_enterprise_sees_only_its_own(park, personas, evaluated):
    mine = selectors.mujun_year(user=personas["ent_a_user"], park=park, year=2022)
    assert [(r["enterprise_id"], r["rank"], r["of"]) for r in mine] == [(evaluated["a"].pk, 2, 3)]
    with pytest.raises(NotFound):
        selectors.mujun_for(user=personas["ent_a_user"], park=park, year=2022,
                            enterprise_id=evaluated["b"].pk)  # fmt: skip
    assert selectors.mujun_year(user=personas["other_park_admin"], park=park, year=2022) == []
    assert selectors.mujun_year(user=personas["resident"], park=park, year=2022) == []


def test_space_mujun_page_and_xlsx(client, park, personas, evaluated):
    from io import BytesIO

    from openpyxl import load_workbook

    client.force_login(personas["ent_a_user"])
    page = client.get("/space/mujun/?year=2022")
    assert page.status_code == 200 and evaluated["a"].name in page.content.decode()
    assert evaluated["b"].name not in page.content.decode()
    # a hand-edited year that is not one opens the latest evaluated year (parkpilot.inputs)
    fallback = client.get("/space/mujun/?year=abc")
    assert fallback.status_code == 200 and evaluated["a"].name in fallback.content.decode()
    client.force_login(personas["park_staff"])
    sheet = load_workbook(BytesIO(client.get("/space/mujun/xlsx/?year=2022").content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[2], r[3]) for r in rows] == [
        (1, "A", 183.71),
        (2, "B", 99.32),
        (3, "D", 48.83),
    ]
    # What moves each up, as on the page (test_space_mujun_what_moves_an_enterprise_up).
    assert [r[-1] for r in rows] == [
        None,  # class A: nothing above
        "升至A类需得分 183.71： 单项指标均无法单独达到",
        "升至C类需得分 99.33： 亩均税收（万元/亩）从 8.00 到 35.08",
    ]


def test_space_mujun_what_moves_an_enterprise_up(park, personas, evaluated):
    """Each indicator alone, others as they are (the module docstring's figures):
    - B is class A: nothing above it.
    - A (class B, 99.32) needs class A: rank ≤ ⌊40 % × 3⌋ = 1, i.e. B's 183.71 (A's lower id
      wins the tie): 183.705 − 99.32 = 84.38 points more, above what any one indicator can add
      (亩均税收 at most 2 × 40 = 80 against its 37.29 now): none alone.
    - C (class D, 48.8306 unrounded) needs class C: rank ≤ ⌊95 % × 3⌋ = 2, i.e. A's 99.32 plus
      a cent (the tie goes to A's lower id) = 99.33, so 99.325 − 48.8306 = 50.4944 points more.
      亩均税收: 14.9153 + 50.4944 = 65.4097 ≤ 80, so 65.4097 / 40 × 21.4545 = 35.08 万元/亩
      (from 8, i.e. tax 263.1 万元 on 7.5 亩 instead of 60). 亩均增加值 would need 15.17 +
      50.49 = 65.67 points of at most 40, and the others less still: none."""
    rows = {r["enterprise_id"]: r for r in
            selectors.mujun_year(user=personas["park_staff"], park=park, year=2022)}  # fmt: skip
    a, b, c = (rows[evaluated[k].pk]["moves_up"] for k in "abc")
    assert b == {"target": None, "needed": None, "indicators": {}}
    assert (a["target"], a["needed"]) == ("A", Decimal("183.71"))
    assert set(a["indicators"].values()) == {None}
    assert (c["target"], c["needed"]) == ("C", Decimal("99.33"))
    needed = {
        k: v if v is None else v.quantize(Decimal("0.01")) for k, v in c["indicators"].items()
    }
    assert needed == {"tax_per_mu": Decimal("35.08"), "va_per_mu": None, "va_per_tce": None,
                      "va_per_pollutant_t": None, "rnd_pct": None,
                      "va_per_employee": None}  # fmt: skip


def test_space_mujun_moves_up_is_shown_to_the_enterprise(client, personas, evaluated):
    client.force_login(personas["park_staff"])
    html = client.get("/space/mujun/?year=2022").content.decode()
    assert "从 8.00 到 35.08" in html  # C's 亩均税收
    assert html.count("单项指标均无法单独达到") == 1  # A's row
    client.force_login(personas["ent_a_user"])
    html = client.get("/space/mujun/?year=2022").content.decode()
    assert "需得分 183.71" in html and "35.08" not in html


def test_space_mujun_sector_rules_lay_weights_over_the_scheme(park, personas, evaluated):
    """A sector rule for C39 (计算机、通信和其他电子设备制造业: C's industry) that drops the
    energy indicator and moves its 15 points to R&D: C's score becomes 48.8306 − 8.2759 (its
    energy points) + 1/2.942857 × 25 = 8.4951 for R&D instead of 3.3981: 40.5548 − 3.3981 +
    8.4951 = 45.65 (rounded); A and B keep the scheme's weights."""
    MujunScheme.objects.filter(park=park, year=2022).update(
        sector_rules={"C39": {"weights": {"va_per_tce": 0, "rnd_pct": 25}}, "C": {"weights": {}}}
    )
    rows = {r["enterprise_id"]: r for r in
            selectors.mujun_year(user=personas["park_staff"], park=park, year=2022)}  # fmt: skip
    c = rows[evaluated["c"].pk]
    assert c["score"] == Decimal("45.65") and "va_per_tce" not in c["weights"]
    assert rows[evaluated["a"].pk]["score"] == Decimal("99.32")


def test_space_map_colours_a_parcel_by_its_holders_class(client, park, personas, evaluated):
    """P1 is held by A, class B in 2022 (test_space_mujun_hand_computed); the map on
    `?colour=class` paints it B's colour and says the year in its legend."""
    from parkpilot.space.models import Parcel
    from parkpilot.space.views import CLASS_FILL

    square = {"type": "Polygon", "coordinates": [[[119.70, 30.23], [119.71, 30.23],
                                                  [119.71, 30.24], [119.70, 30.23]]]}  # fmt: skip
    Parcel.objects.filter(name="P1").update(outline=square)
    client.force_login(personas["park_staff"])
    page = client.get("/space/?colour=class")
    (feature,) = page.context["geojson"]["features"]
    assert feature["properties"]["fill"] == CLASS_FILL["B"]
    assert ("B (2022)", CLASS_FILL["B"]) in page.context["legend"]
