"""Run with DJANGO_SETTINGS_MODULE=example_settings (tests/test_plugging_in.py does): signs in
to a fresh test database as park staff and prints, as JSON, where the example app shows up."""

import json

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from parkpilot.tenancy.models import Park, Role, User  # noqa: E402
from parkpilot.tenancy.services import api_token_create  # noqa: E402

setup_test_environment()
connection.creation.create_test_db(verbosity=0)
try:
    park = Park.objects.create(code="ex", name="示例园区", region_code="330112")
    staff = User.objects.create_user("ex-staff", park=park, role=Role.PARK_STAFF)
    browser = Client()
    browser.force_login(staff)
    token = api_token_create(actor=None, via="test", user=staff)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    home = browser.get("/").content.decode()
    cockpit = browser.get("/cockpit/")
    found = {
        "page": browser.get("/example/").content.decode(),
        "api": api.get("/api/v1/example/hello").json(),
        "openapi_has_path": "/api/v1/example/hello" in api.get("/api/openapi.json").json()["paths"],
        "nav_has_link": 'href="/example/"' in home,
        "home_has_card": "example card of ex" in home,
        "cockpit_tile_keys": [t.key for t in cockpit.context["tiles"]],
    }
finally:
    connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
print(json.dumps(found, ensure_ascii=False))
