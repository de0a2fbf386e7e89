"""The access layer itself: policies, own-enterprise creation, fail-closed models."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from parkpilot.tenancy import access
from parkpilot.tenancy.errors import Forbidden, NotFound
from parkpilot.tenancy.models import ApiToken, Enterprise, Zone

pytestmark = pytest.mark.django_db


def test_a_model_without_policy_cannot_be_loaded(personas):
    with pytest.raises(ImproperlyConfigured, match="ApiToken declares no tenancy_policy"):
        access.scoped(personas["park_admin"], ApiToken)


def test_zones_are_shared_in_the_park_but_not_with_gateways(personas, zone):
    assert list(access.scoped(personas["resident"], Zone)) == [zone]
    assert list(access.scoped(personas["ent_b_user"], Zone)) == [zone]
    assert list(access.scoped(personas["gateway"], Zone)) == []
    assert list(access.scoped(personas["other_park_admin"], Zone)) == []


def test_get_for_answers_absent_and_foreign_alike(personas, ent_a, ent_b):
    with pytest.raises(NotFound):
        access.get_for(personas["ent_a_user"], Enterprise, ent_b.pk)
    with pytest.raises(NotFound):
        access.get_for(personas["ent_a_user"], Enterprise, 10**9)
    with pytest.raises(NotFound):
        access.get_for(personas["ent_a_user"], Enterprise, "not-a-number")


def test_inactive_users_see_nothing(personas, ent_a):
    user = personas["park_admin"]
    user.is_active = False
    assert list(access.scoped(user, Enterprise)) == []


def test_own_creators_create_only_for_their_enterprise(personas, ent_a, ent_b, monkeypatch):
    from parkpilot.tenancy.policy import Policy
    from parkpilot.tenancy.roles import Role

    policy = Policy(
        park_path="park", enterprise_path="pk", own_creators=frozenset({Role.ENTERPRISE_USER})
    )
    monkeypatch.setattr(Enterprise, "tenancy_policy", policy)
    access.require_create(personas["ent_a_user"], Enterprise, enterprise_id=ent_a.pk)
    with pytest.raises(Forbidden):
        access.require_create(personas["ent_a_user"], Enterprise, enterprise_id=ent_b.pk)
    with pytest.raises(Forbidden):
        access.require_create(personas["ent_a_user"], Enterprise)
    access.require_create(personas["park_staff"], Enterprise, enterprise_id=ent_b.pk)
