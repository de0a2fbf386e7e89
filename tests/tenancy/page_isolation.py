"""Tenancy's page routes that name an object (collected by tests/tenancy/test_page_isolation.py)."""

from helpers import PageCase
from parkpilot.tenancy.models import ApiToken
from parkpilot.tenancy.services import api_token_create


def _enterprise(personas, ent_a):
    return {"enterprise_id": ent_a.pk}, ent_a


def _token(personas, ent_a):
    api_token_create(actor=None, via="test", user=personas["ent_a_user"], name="mine")
    token = ApiToken.objects.get(user=personas["ent_a_user"])
    return {"token_id": token.pk}, token


def _user(personas, ent_a):
    return {"user_id": personas["ent_a_user"].pk}, personas["ent_a_user"]


PAGE_CASES = {
    "tenancy:enterprise_detail": PageCase(_enterprise),
    "tenancy:enterprise_edit": PageCase(_enterprise, owner="ent_a_admin"),
    "tenancy:token_revoke": PageCase(_token, outsiders=("ent_b_user", "other_park_admin")),
    "tenancy:login_unlock": PageCase(_user, owner="park_admin", outsiders=("other_park_admin",)),
}


def _colleague(personas, ent_a):
    return {"person_id": personas["ent_a_user"].pk}, personas["ent_a_user"]


PAGE_CASES["tenancy:person"] = PageCase(
    _colleague, owner="ent_a_admin", outsiders=("ent_b_user", "other_park_admin", "resident")
)
