"""API tokens have a name, a scope, an expiry and a last-used time; their owner (and the park's
admin) list and revoke them through the API, the page and `parkpilot token`; a gateway's MQTT
login goes with its last token. Through the real API with real bearer tokens."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from parkpilot.energy.gateways import gateway_mqtt_credentials_issue
from parkpilot.energy.models_ops import GatewayMqttCredential
from parkpilot.tenancy.models import ApiToken, AuditLog
from parkpilot.tenancy.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db


def _bearer(secret: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def _session(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _new(client: Client, **payload):
    return client.post("/api/v1/tokens", payload, content_type="application/json")


def test_a_person_makes_a_token_and_sees_its_secret_once(personas):
    response = _new(_session(personas["ent_a_admin"]), name="统计上报", expires_in_days=30)
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["scope"], body["username"]) == ("统计上报", "write", "a-admin")
    token = ApiToken.objects.get(pk=body["id"])
    assert body["secret"] not in (token.digest, token.prefix) and token.digest != body["secret"]
    days = (token.expires_at - timezone.now()).total_seconds() / 86400
    assert 29.9 < days <= 30
    listed = _bearer(body["secret"]).get("/api/v1/tokens").json()["items"]
    assert [t["id"] for t in listed] == [token.pk] and "secret" not in listed[0]
    assert listed[0]["last_used_at"] is not None  # marked by that very call


def test_defaults_people_90_days_gateways_never(personas):
    person = ApiToken.objects.get(
        prefix=api_token_create(actor=None, via="test", user=personas["resident"])[:9]
    )
    gateway = ApiToken.objects.get(
        prefix=api_token_create(actor=None, via="test", user=personas["gateway"])[:9]
    )
    days = (person.expires_at - timezone.now()).total_seconds() / 86400
    assert person.scope == "write" and 89.9 < days <= 90
    assert gateway.scope == "gateway" and gateway.expires_at is None


def test_a_read_token_reads_but_never_writes(personas, ent_a):
    secret = api_token_create(actor=None, via="test", user=personas["park_staff"], scope="read")
    client = _bearer(secret)
    assert client.get(f"/api/v1/enterprises/{ent_a.pk}").status_code == 200
    response = client.patch(
        f"/api/v1/enterprises/{ent_a.pk}", {"employees": 5}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "只读令牌" in response.json()["detail"]
    ent_a.refresh_from_db()
    assert ent_a.employees is None


def test_an_expired_token_is_refused(personas):
    secret = api_token_create(actor=None, via="test", user=personas["resident"], expires_in_days=1)
    ApiToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert _bearer(secret).get("/api/v1/me").status_code == 401


def test_a_revoked_token_is_refused_at_once_and_the_revocation_audited(personas):
    secret = api_token_create(actor=None, via="test", user=personas["resident"])
    client = _bearer(secret)
    token = ApiToken.objects.get()
    assert client.post(f"/api/v1/tokens/{token.pk}/revoke", {}).status_code == 200
    assert client.get("/api/v1/me").status_code == 401
    entry = AuditLog.objects.get(action="api_token.revoke")
    assert entry.object_id == str(token.pk) and entry.actor == personas["resident"]
    again = api_token_revoke(actor=None, via="test", token=token)  # idempotent
    assert again.revoked_at == ApiToken.objects.get().revoked_at
    assert AuditLog.objects.filter(action="api_token.revoke").count() == 1


def test_a_park_admin_revokes_any_token_of_the_park(personas):
    api_token_create(actor=None, via="test", user=personas["ent_b_user"])
    token = ApiToken.objects.get()
    response = _session(personas["park_admin"]).post(f"/api/v1/tokens/{token.pk}/revoke")
    assert response.status_code == 200 and response.json()["revoked_at"] is not None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"scope": "gateway"}, "scope"),  # a person cannot hold a gateway token
        ({"expires_in_days": 0}, "expires_in_days"),
        ({"expires_in_days": 731}, "expires_in_days"),
        ({"name": "x" * 101}, "name"),
        ({"name": "bad\x00name"}, "name"),
    ],
)
def test_bad_token_input_names_the_field(personas, payload, field):
    response = _new(_session(personas["resident"]), **payload)
    assert response.status_code == 422
    assert field in [d["loc"][-1] for d in response.json()["detail"]]
    assert not ApiToken.objects.exists()


def test_revoking_a_gateways_last_token_revokes_its_mqtt_login(
    personas, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setenv("PARKPILOT_MQTT_PASSWORD_FILE", str(tmp_path / "passwd"))
    monkeypatch.setenv("PARKPILOT_MQTT_ACL_FILE", str(tmp_path / "acl"))
    gateway, admin = personas["gateway"], personas["park_admin"]
    with django_capture_on_commit_callbacks(execute=True):
        gateway_mqtt_credentials_issue(actor=admin, via="test", gateway=gateway)
    first = ApiToken.objects.get(prefix=api_token_create(actor=None, via="t", user=gateway)[:9])
    second = ApiToken.objects.get(prefix=api_token_create(actor=None, via="t", user=gateway)[:9])
    assert "gateway:" in (tmp_path / "passwd").read_text()

    api_token_revoke(actor=admin, via="test", token=first)  # rotated: the other still works
    assert GatewayMqttCredential.objects.filter(gateway=gateway).exists()

    with django_capture_on_commit_callbacks(execute=True):
        api_token_revoke(actor=admin, via="test", token=second)
    assert not GatewayMqttCredential.objects.filter(gateway=gateway).exists()
    assert "gateway:" not in (tmp_path / "passwd").read_text()  # the broker's file follows
    assert AuditLog.objects.filter(action="energy.gateway_mqtt.revoke").count() == 1


def test_the_token_command_makes_lists_and_revokes(personas):
    out = io.StringIO()
    call_command("token", "resident", "--scope", "read", "--days", "7", stdout=out)
    secret = out.getvalue().strip()
    assert _bearer(secret).get("/api/v1/me").status_code == 200
    token = ApiToken.objects.get()
    out = io.StringIO()
    call_command("token", "list", "resident", stdout=out)
    assert f"{token.pk}\tresident\t{token.prefix}…\tread\tactive" in out.getvalue()
    call_command("token", "revoke", str(token.pk), stdout=io.StringIO())
    assert _bearer(secret).get("/api/v1/me").status_code == 401


def test_the_tokens_page_makes_shows_once_and_revokes(personas):
    client = _session(personas["ent_a_user"])
    page = client.post(reverse("tenancy:tokens"), {"name": "表格", "expires_in_days": "30"})
    html = page.content.decode()
    token = ApiToken.objects.get()
    assert 'data-testid="token-secret"' in html and token.prefix in html
    assert (
        'data-testid="token-secret"' not in client.get(reverse("tenancy:tokens")).content.decode()
    )
    client.post(reverse("tenancy:token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_the_tokens_page_names_a_bad_field(personas):
    client = _session(personas["ent_a_user"])
    html = client.post(reverse("tenancy:tokens"), {"expires_in_days": "abc"}).content.decode()
    assert 'data-testid="error-expires_in_days"' in html
    assert not ApiToken.objects.exists()


def test_nobody_revokes_another_persons_token_on_the_page(personas):
    api_token_create(actor=None, via="test", user=personas["ent_a_user"])
    token = ApiToken.objects.get()
    response = _session(personas["ent_b_user"]).post(
        reverse("tenancy:token_revoke", args=[token.pk])
    )
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
