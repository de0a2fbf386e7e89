"""The home page: the park's headline figures, what each role sees, a pinned query count."""

import pytest
from django.test import Client

from parkpilot.demo.services import demo_load
from parkpilot.tenancy.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    demo_load()


def _client(username):
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_anonymous_is_sent_to_login(demo):
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def _cards(response) -> dict:
    return {c["key"]: c["data"] for c in response.context["cards"]}


def test_home_shows_the_latest_published_figures_as_a_chart(demo):
    response = _client("staff").get("/")
    chart = _cards(response)["economy.chart"]["chart"]
    # The latest period with growth figures in 亿元 is 2022-01/08 (source 000: 规上工业总产值
    # 454.4 亿元 +8.5%, 规上工业增加值 90.8 亿元 +35.3%), not 2020 (source 001); sorted by value.
    assert chart["period"] == "2022-01/08"
    assert chart["values"] == [454.4, 90.8]
    assert chart["growth_pct"] == [8.5, 35.3]
    assert chart["names"] == ["规上工业总产值", "规上工业增加值"]
    assert _cards(response)["tenancy.park"]["enterprise_count"] == 26


def test_the_chart_of_a_given_period_reads_that_period(demo):
    from parkpilot.economy.selectors import economy_chart

    staff = User.objects.get(username="staff")
    chart = economy_chart(user=staff, park_id=staff.park_id, period="2020")
    # 001: 2020 规上工业增加值 85.6 (+17.1%), 高新技术产业增加值 73.6 (+21.3%),
    # 高端装备制造业增加值 48.1 (+33.3%), in 亿元.
    assert chart["values"] == [85.6, 73.6, 48.1]
    assert chart["growth_pct"] == [17.1, 21.3, 33.3]


def test_enterprise_user_home_counts_only_its_enterprise(demo):
    cards = _cards(_client("hangcha-user").get("/"))
    assert cards["tenancy.park"]["enterprise_count"] == 1
    assert cards["tenancy.own_enterprise"]["enterprise"].name == "杭叉集团股份有限公司"
    assert cards["projects.summary"]["summary"]["count"] == 0


def test_a_resident_sees_the_published_figures_but_no_enterprise_or_project_card(demo):
    resident = User.objects.filter(role="resident").first()
    client = Client()
    client.force_login(resident)
    cards = _cards(client.get("/?desktop=1"))  # residents land on /m/ unless they ask
    assert {"economy.headline", "economy.chart"} <= set(cards)
    assert "projects.summary" not in cards and "tenancy.own_enterprise" not in cards


def test_home_query_count_is_pinned(demo, django_assert_num_queries):
    client = _client("staff")
    # session, user, park, headline figures, chart figures, zones (map), zones (park card),
    # enterprise count, projects
    with django_assert_num_queries(9):
        client.get("/")


def test_enterprise_api_query_count_is_pinned(demo, django_assert_num_queries):
    from parkpilot.tenancy.services import api_token_create

    token = api_token_create(actor=None, via="test", user=User.objects.get(username="staff"))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    # token+user, last_used_at update, count, page of enterprises with their zones
    with django_assert_num_queries(4):
        client.get("/api/v1/enterprises?limit=100")


@pytest.mark.parametrize(
    "path",
    [
        "/static/vendor/htmx/htmx.min.js",
        "/static/vendor/echarts/echarts.min.js",
        "/static/vendor/pico/pico.min.css",
        "/static/parkpilot/parkpilot.css",
    ],
)
def test_front_end_assets_are_served_from_npm_install(path):
    response = Client().get(path)
    assert response.status_code == 200, f"{path}: run `make install` (npm ci in frontend/)"


def test_the_home_map_draws_the_park_and_its_zones_marked_as_demo(demo):
    response = _client("staff").get("/")
    geojson = _cards(response)["tenancy.map"]["map"]
    kinds = [f["properties"]["kind"] for f in geojson["features"]]
    assert kinds == ["park"] + ["zone"] * 5  # the five zones of the documents
    assert geojson["demo"] is True  # drawn for the demo (map_demo in the YAML), not surveyed
    ring = geojson["features"][0]["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1]  # a closed GeoJSON ring
    assert "演示绘制" in response.content.decode()
