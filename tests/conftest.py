"""Personas reused by every test: two enterprises of the demo-shaped park, one of another park,
and one person per role."""

import pytest
from django.conf import settings as django_settings
from django.test import Client

from parkpilot.tenancy.credit_code import make_demo_credit_code
from parkpilot.tenancy.models import Enterprise, Park, Role, User, Zone
from parkpilot.tenancy.services import api_token_create


@pytest.fixture(autouse=True, scope="session")
def _huey_in_process():
    """Background tasks run in the test's own process and transaction: real huey, immediate mode."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Hashing strength is not under test; PBKDF2 at full strength costs ~0.5 s per user.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def park(db):
    return Park.objects.create(code="qsh", name="青山湖科技城", region_code="330112")


@pytest.fixture
def other_park(db):
    return Park.objects.create(code="other", name="另一个园区", region_code="330106")


@pytest.fixture
def zone(park):
    return Zone.objects.create(park=park, code="linkpark", name="LinkPark（滨河）零碳智慧产业园")


def _enterprise(park, name, zone=None):
    return Enterprise.objects.create(
        park=park,
        zone=zone,
        name=name,
        credit_code=make_demo_credit_code(name),
        industry_code="C34",
    )


@pytest.fixture
def ent_a(park, zone):
    return _enterprise(park, "杭叉集团股份有限公司", zone)


@pytest.fixture
def ent_b(park, zone):
    return _enterprise(park, "浙江南都电源动力股份有限公司", zone)


@pytest.fixture
def ent_other_park(other_park):
    return _enterprise(other_park, "别的园区企业有限公司")


def _user(username, role, park, enterprise=None, **extra):
    return User.objects.create_user(
        username=username,
        password="pw-" + username,
        role=role,
        park=park,
        enterprise=enterprise,
        **extra,
    )


@pytest.fixture
def personas(park, other_park, ent_a, ent_b, ent_other_park):
    """One user per role in `park`, plus outsiders. Keys are what the tests call them."""
    return {
        "park_admin": _user("admin", Role.PARK_ADMIN, park),
        "park_staff": _user("staff", Role.PARK_STAFF, park),
        "supervisor": _user("supervisor", Role.SUPERVISOR, park),
        "ent_a_admin": _user("a-admin", Role.ENTERPRISE_ADMIN, park, ent_a),
        "ent_a_user": _user("a-user", Role.ENTERPRISE_USER, park, ent_a),
        "ent_b_user": _user("b-user", Role.ENTERPRISE_USER, park, ent_b),
        "resident": _user("resident", Role.RESIDENT, park),
        "gateway": _user("gateway", Role.GATEWAY, park),
        "other_park_admin": _user("other-admin", Role.PARK_ADMIN, other_park),
    }


class ApiClient:
    """Calls the real API with a real bearer token, as a client or gateway would."""

    def __init__(self, user):
        self.user = user
        self.token = api_token_create(actor=None, via="test", user=user, name="test")
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {self.token}")

    def request(self, method: str, path: str, json=None):
        kwargs = {"content_type": "application/json", "data": json} if json is not None else {}
        return getattr(self.client, method.lower())(path, **kwargs)

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, json):
        return self.request("POST", path, json)

    def patch(self, path, json):
        return self.request("PATCH", path, json)


@pytest.fixture
def api_as(personas):
    cache: dict[str, ApiClient] = {}

    def make(name: str) -> ApiClient:
        if name not in cache:
            cache[name] = ApiClient(personas[name])
        return cache[name]

    return make


@pytest.fixture
def anon_api():
    return Client()


def pytest_report_header(config):
    db = django_settings.DATABASES["default"]
    return f"parkpilot database: {db['ENGINE'].rsplit('.', 1)[-1]} ({db.get('HOST') or db['NAME']})"
