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


def test_home_shows_the_published_figures_and_chart_data(demo):
    response = _client("staff").get("/")
    chart = response.context["economy_chart"]
    # 001: 2020 规上工业增加值 85.6 (+17.1%), 高新技术产业增加值 73.6 (+21.3%),
    # 高端装备制造业增加值 48.1 (+33.3%), in 亿元; sorted by value for the chart.
    assert chart["values"] == [85.6, 73.6, 48.1]
    assert chart["growth_pct"] == [17.1, 21.3, 33.3]
    assert chart["names"] == ["规上工业增加值", "高新技术产业增加值", "高端装备制造业增加值"]
    assert response.context["enterprise_count"] == 26


def test_enterprise_user_home_counts_only_its_enterprise(demo):
    response = _client("hangcha-user").get("/")
    assert response.context["enterprise_count"] == 1
    assert response.context["own_enterprise"].name == "杭叉集团股份有限公司"
    assert response.context["project_summary"]["count"] == 0


def test_home_query_count_is_pinned(demo, django_assert_num_queries):
    client = _client("staff")
    # session, user, park, headline figures, chart figures, zones, enterprise count, projects
    with django_assert_num_queries(8):
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
