"""Run with DJANGO_SETTINGS_MODULE=example_settings (tests/test_plugging_in.py does): signs in
to a fresh test database as park staff and prints, as JSON, where the example app shows up."""

import json

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from parkpilot.tenancy.models import Park, Role, User  # noqa: E402
from parkpilot.tenancy.roles import registry  # noqa: E402
from parkpilot.tenancy.services import api_token_create  # noqa: E402


def _confirm_a_request(park) -> list[dict]:
    """An enterprise confirms its resolved service request; the example app hears of it."""
    import datetime

    from example_app.selectors import CONFIRMED

    from parkpilot.services import services
    from parkpilot.tenancy.models import Enterprise

    firm = Enterprise.objects.create(park=park, name="示例企业", credit_code="91330185MA2H0XXX0X")
    boss = User.objects.create_user("ex-admin", park=park, role=Role.ENTERPRISE_ADMIN,
                                    enterprise=firm)  # fmt: skip
    data = {"title": "用电增容", "category": "energy", "description": "需增容"}
    request = services.request_create(actor=boss, via="test", park=park, data=data)
    staff = User.objects.get(username="ex-staff")
    services.request_assign(actor=staff, via="test", request=request, contact_id=staff.pk)
    services.request_plan(actor=staff, via="test", request=request, plan="增容",
                          promised_on=datetime.date(2099, 1, 1))  # fmt: skip
    services.request_resolve(actor=staff, via="test", request=request, resolution="已增容")
    services.request_confirm(actor=boss, via="test", request=request, rating=5)
    return [p | {"request_id": p["request_id"] == request.pk} for p in CONFIRMED]


def _report_pdf_text(park) -> str:
    """A 碳体检报告 issued for an enterprise of the park: the example's section is in it."""
    import datetime
    import io

    from pypdf import PdfReader

    from parkpilot.carbon import services as carbon
    from parkpilot.tenancy.actors import system_actor
    from parkpilot.tenancy.models import Enterprise

    system = system_actor(park)
    # The two factors a report on electricity uses (tests/carbon/carbon_helpers.py cites them).
    for quantity, region, value, unit in (("co2", "east_china", "0.5617", "kgCO2/kWh"),
                                          ("tce", "national", "0.1229", "kgce/kWh")):  # fmt: skip
        carbon.factor_create(
            actor=system, via="test", park=park, carrier="electricity", quantity=quantity,
            region=region, year=2022, value=value, unit=unit, document="example",
            effective_from=datetime.date(2024, 12, 20),
        )  # fmt: skip
    firm = Enterprise.objects.create(park=park, name="报告企业", credit_code="91330185MA2H0YYY0Y")
    report = carbon.report_issue(
        actor=system, via="test", enterprise_id=firm.pk, year=2022, month=3
    )
    pages = PdfReader(io.BytesIO(bytes(report.pdf))).pages
    return "".join(p.extract_text() for p in pages).replace("\n", "")


setup_test_environment()
connection.creation.create_test_db(verbosity=0)
try:
    park = Park.objects.create(code="ex", name="示例园区", region_code="330112")
    # The example's page is for its own role, held beside the primary one.
    staff = User.objects.create_user(
        "ex-staff", park=park, role=Role.PARK_STAFF, granted_roles=["example_helper"]
    )
    other = User.objects.create_user("ex-other", park=park, role=Role.PARK_STAFF)
    without = Client()
    without.force_login(other)
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
        "event_handled": _confirm_a_request(park),
        "role_declared": "example_helper" in registry(),
        "carbon_page_has_section": "example section of ex for"
        in browser.get("/carbon/").content.decode(),
        "report_pdf_text": _report_pdf_text(park),
        "without_role_page_status": without.get("/example/").status_code,
        "without_role_nav_has_link": 'href="/example/"' in without.get("/").content.decode(),
        "without_role_tile_keys": [t.key for t in without.get("/cockpit/").context["tiles"]],
    }
finally:
    connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
print(json.dumps(found, ensure_ascii=False))
