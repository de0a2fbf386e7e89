"""The cockpit page: who gets it, what a failing tile looks like, exports, pinned query count."""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from parkpilot.cockpit import tiles as tiles_module
from parkpilot.cockpit.tiles import Tile, TileData, registered_tiles
from parkpilot.economy.models import EconomyProfile, EnterpriseMonthly
from parkpilot.tenancy.access import Rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def figures(ent_a, ent_b):
    for e in (ent_a, ent_b):
        e.above_scale = True
        e.save()
    EconomyProfile.objects.create(enterprise=ent_a, high_tech=True, high_end_equipment=True)
    rows = [
        (ent_a, 2021, 1, "40000", "8000"),
        (ent_b, 2021, 1, "20000", "4000"),
        (ent_a, 2022, 1, "50000", "11000"),
        (ent_b, 2022, 1, "22000", "4400"),
    ]
    for e, y, m, out, va in rows:
        EnterpriseMonthly.objects.create(
            park=e.park,
            enterprise=e,
            year=y,
            month=m,
            output_value=Decimal(out),
            value_added=Decimal(va),
        )


@pytest.fixture
def economy_only(monkeypatch):
    """Only the economy's tiles: other apps' tiles grow as those apps land, and each of them
    pins its own queries; this file pins the cockpit's own cost."""
    mine = [t for t in registered_tiles() if t.key.startswith("economy.")]
    monkeypatch.setattr(tiles_module, "registered_tiles", lambda: mine)
    return mine


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("park_admin", 200),
        ("park_staff", 200),
        ("supervisor", 200),
        # The cockpit is a page, not an object: a refusal hides nothing, so 403 not 404.
        ("ent_a_admin", 403),
        ("ent_a_user", 403),
        ("resident", 403),
    ],
)
def test_who_gets_the_cockpit(persona, status, client, personas, figures):
    client.force_login(personas[persona])
    for url in ("/cockpit/", "/cockpit/screen", "/cockpit/export.xlsx"):
        assert client.get(url).status_code == status, url


def test_gateways_have_no_ui_session(client, personas):
    # Gateways authenticate with tokens only (the API answers them 403, see isolation.py).
    client.force_login(personas["gateway"])
    assert client.get("/cockpit/").status_code == 302


def test_nav_shows_the_cockpit_to_park_roles_only(client, personas):
    client.force_login(personas["park_staff"])
    assert "/cockpit/" in [i["url"] for i in client.get("/").context["nav"]]
    client.force_login(personas["ent_a_admin"])
    assert "/cockpit/" not in [i["url"] for i in client.get("/").context["nav"]]


def test_economy_tiles_show_the_indicators(client, personas, figures, economy_only):
    client.force_login(personas["park_staff"])
    response = client.get("/cockpit/")
    tiles = {t.key: t for t in response.context["tiles"]}
    out = tiles["economy.output"].data
    # 50000 + 22000 = 72000 万元 = 7.2 亿元; vs 60000: +20.0%.
    assert (out.value, out.unit) == (Decimal("7.2"), "亿元")
    assert out.caption == "2022年1月 · 同比 +20.0%（同口径）"
    assert out.link == "/economy/?year=2022&month=1"
    va = tiles["economy.value_added"].data
    # 11000 + 4400 = 15400 = 1.54 -> 1.5 亿元; vs 12000: +28.3%.
    assert va.value == Decimal("1.5")
    assert va.extra["growth_pct"] == Decimal("28.3")
    assert va.demo is True and va.as_of == "2022-01"
    html = response.content.decode()
    assert 'data-tile-key="economy.output"' in html
    assert "演示数据" in html


def test_a_failing_tile_shows_its_error_and_the_rest_renders(
    client, personas, figures, monkeypatch, economy_only
):
    extra = [
        Tile("test.broken", "坏的磁贴", "cockpit_fixtures.broken_tile", order=1),
        Tile("test.missing", "不存在", "cockpit_fixtures.no_such_function", order=2),
    ]
    monkeypatch.setattr(tiles_module, "registered_tiles", lambda: extra + economy_only)
    client.force_login(personas["park_staff"])
    response = client.get("/cockpit/")
    assert response.status_code == 200
    tiles = {t.key: t for t in response.context["tiles"]}
    assert tiles["test.broken"].error == "RuntimeError"
    assert tiles["test.missing"].error == "ImportError"
    assert tiles["economy.output"].data.value == Decimal("7.2")
    html = response.content.decode()
    assert html.count('data-testid="tile-error"') == 2
    # The feed lists the failing tiles.
    assert [a["tile"] for a in response.context["alerts"]][:2] == ["test.broken", "test.missing"]


def test_tiles_limited_to_roles(personas, monkeypatch, park):
    from parkpilot.cockpit import selectors

    only_supervisors = Tile(
        "test.sup", "监督", "cockpit_fixtures.fine_tile", rule=Rule(roles=frozenset({"supervisor"}))
    )
    monkeypatch.setattr(tiles_module, "registered_tiles", lambda: [only_supervisors])
    assert [t.key for t in selectors.cockpit_tiles(user=personas["supervisor"], park=park)] == [
        "test.sup"
    ]
    assert selectors.cockpit_tiles(user=personas["park_staff"], park=park) == []


def test_cockpit_query_count_is_pinned(
    client, personas, figures, economy_only, django_assert_num_queries
):
    client.force_login(personas["park_staff"])
    client.get("/cockpit/")  # warm the session
    # session, user, park (cached on the user for the shell); economy.output: latest month,
    # indicators; economy.value_added: latest month, indicators, trend; economy.zones: latest
    # month, zones.
    with django_assert_num_queries(10):
        client.get("/cockpit/")


def test_export_one_table_and_all(client, personas, figures, economy_only):
    client.force_login(personas["park_staff"])
    response = client.get("/cockpit/export/economy.zones.xlsx")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0][0] == "按片区的增加值"
    assert rows[2] == ["片区", "增加值（亿元）", "产值（亿元）", "企业数"]
    # Both enterprises are in the LinkPark zone: 1.54 亿元 value added, 7.2 output.
    assert rows[3] == ["LinkPark（滨河）零碳智慧产业园", 1.54, 7.2, 2]
    # Full values for sums, shown rounded with separators (they once showed every digit).
    assert [c.number_format for c in ws[4][1:]] == ["#,##0.00", "#,##0.00", "#,##0"]
    response = client.get("/cockpit/export.xlsx")
    names = load_workbook(io.BytesIO(response.content)).sheetnames
    assert names == ["规上工业总产值", "按片区的增加值"]
    assert client.get("/cockpit/export/no.such.xlsx").status_code == 404
    # A tile without a table has nothing to export.
    assert client.get("/cockpit/export/economy.value_added.xlsx").status_code == 404


def test_api_payload(api_as, figures, economy_only):
    body = api_as("supervisor").get("/api/v1/cockpit").json()
    assert [t["key"] for t in body["tiles"]] == [
        "economy.output",
        "economy.value_added",
        "economy.zones",
    ]
    assert body["tiles"][0]["value"] == 7.2
    assert body["tiles"][0]["demo"] is True


def test_tiledata_keeps_its_original_fields():
    """Other apps build TileData positionally and by keyword; new fields only append."""
    t = TileData(1, "个", "caption", "/x/", "warn", {"series": []}, {"k": 1})
    assert (t.value, t.unit, t.caption, t.link, t.status) == (1, "个", "caption", "/x/", "warn")
    assert (t.table, t.demo, t.as_of) == (None, False, "")


def test_whole_cockpit_query_count_is_pinned_on_the_demo_park(client, django_assert_num_queries):
    from parkpilot.demo.services import demo_load
    from parkpilot.tenancy.models import User

    demo_load()
    client.force_login(User.objects.get(username="staff"))
    client.get("/cockpit/")  # warm the session
    # Every app's tiles on the demo park (economy, projects, services, energy, carbon, points,
    # bus): the figure benchmarks/bench_cockpit.py reports as cockpit_queries, kept from growing.
    # Carbon's grade and budget tiles each look up whether their month is closed (one query
    # each: a closed month's figures come from its snapshot). Points' two tiles cost 7, the
    # bus's two 5, the grid's one 1 (43 before them), the sink registry's one 4, the talent
    # risk pool's two 16 (each reads the pool's whole overview: 8), the bus's metro
    # connections 3 (the trains, the day's delays, the buses leaving the metro stop; the same
    # on a day without trains), the incubation ladder's one 4 (its spaces, the target, the
    # operators and the platforms counted).
    with django_assert_num_queries(83):
        response = client.get("/cockpit/")
    assert response.status_code == 200
    assert len(response.context["tiles"]) >= 12
