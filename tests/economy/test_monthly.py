"""One enterprise-month through the API and the form: who may write which enterprise's figures,
and bad input names the field and writes nothing."""

from decimal import Decimal

import pytest

from parkpilot.economy.models import EnterpriseMonthly
from parkpilot.tenancy.models import AuditLog

pytestmark = pytest.mark.django_db


def _payload(enterprise, **kw):
    return {
        "enterprise_id": enterprise.pk,
        "year": 2022,
        "month": 8,
        "output_value": "1000",
        "value_added": "210.5",
        "employees": 120,
        **kw,
    }


def test_enterprise_admin_reports_its_own_month_and_corrects_it(api_as, ent_a):
    client = api_as("ent_a_admin")
    response = client.post("/api/v1/economy/monthly", _payload(ent_a))
    assert response.status_code == 201
    body = response.json()
    assert (body["value_added"], body["employees"], body["source"]) == ("210.50", 120, "api")
    response = client.post("/api/v1/economy/monthly", _payload(ent_a, value_added="220"))
    assert response.status_code == 200
    row = EnterpriseMonthly.objects.get()
    assert row.value_added == Decimal("220.00")
    update = AuditLog.objects.get(action="economy.monthly.update")
    assert update.before == {"value_added": "210.50"} and update.after == {"value_added": "220.00"}


def test_enterprise_user_may_read_but_not_report(api_as, ent_a):
    response = api_as("ent_a_user").post("/api/v1/economy/monthly", _payload(ent_a))
    assert response.status_code == 403
    assert not EnterpriseMonthly.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"month": 13}, "month"),
        ({"output_value": "-1"}, "output_value"),
        ({"value_added": "2000"}, "value_added"),
        ({"employees": "many"}, "employees"),
    ],
)
def test_bad_input_names_the_field(api_as, ent_a, change, field):
    response = api_as("park_staff").post("/api/v1/economy/monthly", _payload(ent_a, **change))
    assert response.status_code == 422
    assert field in [d["loc"][-1] for d in response.json()["detail"]]
    assert not EnterpriseMonthly.objects.exists()


def test_form_saves_and_shows_errors(client, personas, ent_a):
    client.force_login(personas["park_staff"])
    data = {
        "enterprise_id": ent_a.pk,
        "year": 2022,
        "month": 8,
        "output_value": "100",
        "value_added": "300",
    }
    response = client.post("/economy/monthly/new/", data)
    assert response.status_code == 200
    assert "工业增加值不能大于工业总产值" in response.content.decode()
    assert not EnterpriseMonthly.objects.exists()
    data["value_added"] = "30"
    response = client.post("/economy/monthly/new/", data)
    assert response.status_code == 302
    assert EnterpriseMonthly.objects.get().source == "form"


def test_enterprise_admin_form_offers_only_its_own(client, personas, ent_a, ent_b):
    client.force_login(personas["ent_a_admin"])
    response = client.get("/economy/monthly/new/")
    choices = list(response.context["form"].fields["enterprise_id"].choices)
    assert choices == [(ent_a.pk, ent_a.name)]
    response = client.post(
        "/economy/monthly/new/",
        {"enterprise_id": ent_b.pk, "year": 2022, "month": 8, "output_value": "1"},
    )
    assert response.status_code == 200
    assert not EnterpriseMonthly.objects.exists()


def test_economy_pages_by_role(client, personas):
    for name, status in [
        ("park_staff", 200),
        ("supervisor", 200),
        ("ent_a_user", 403),
        ("resident", 403),
    ]:
        client.force_login(personas[name])
        assert client.get("/economy/").status_code == status, name
        assert client.get("/economy/import/").status_code == status, name
    client.force_login(personas["resident"])
    assert client.get("/economy/monthly/").status_code == 403


def test_park_staff_classify_an_enterprise(api_as, ent_a):
    client = api_as("park_staff").client
    url = f"/api/v1/economy/profiles/{ent_a.pk}"
    body = {"high_tech": True, "high_end_equipment": True}
    response = client.put(url, body, content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {
        "enterprise_id": ent_a.pk,
        "high_tech": True,
        "high_end_equipment": True,
        "is_demo": False,
    }
    client.put(
        url, {"high_tech": True, "high_end_equipment": False}, content_type="application/json"
    )
    change = AuditLog.objects.filter(action="economy.profile.save").order_by("id").last()
    assert change.before == {"high_end_equipment": True}
    assert change.after == {"high_end_equipment": False}
