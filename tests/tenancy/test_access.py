"""The access layer itself: policies, own-enterprise creation, fail-closed models."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from parkpilot.energy.models import MeteringPoint
from parkpilot.tenancy import access, selectors
from parkpilot.tenancy.errors import Forbidden, NotFound
from parkpilot.tenancy.models import ApiToken, Enterprise, User, Zone

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
    access.require(personas["ent_a_user"], access.CREATE, Enterprise, enterprise_id=ent_a.pk)
    with pytest.raises(Forbidden):
        access.require(personas["ent_a_user"], access.CREATE, Enterprise, enterprise_id=ent_b.pk)
    with pytest.raises(Forbidden):
        access.require(personas["ent_a_user"], access.CREATE, Enterprise)
    access.require(personas["park_staff"], access.CREATE, Enterprise, enterprise_id=ent_b.pk)


@pytest.mark.parametrize("model", [Enterprise, Zone, MeteringPoint])
def test_whole_park_holds_exactly_when_scoped_reads_every_row_of_the_park(
    model, personas, park, ent_a, ent_b, ent_other_park, zone
):
    """SQL reads filter by park alone when whole_park() says so: it must never say so for a
    user whom scoped() gives less (an enterprise's user, a resident, a gateway, an outsider)."""
    for code, owner in (("M-A", ent_a), ("M-B", ent_b), ("M-PUB", None)):
        MeteringPoint.objects.create(
            park=park, code=code, owner=owner, kind="grid_import", unit="kWh", rated_max_per_h=1e3
        )
    superuser = User(username="root", is_superuser=True, is_active=True)
    in_park = set(model._default_manager.filter(park=park).values_list("pk", flat=True))
    assert len(in_park) >= 1
    said_yes = []
    for name, user in [*personas.items(), ("superuser", superuser)]:
        seen = set(access.scoped(user, model).filter(park=park).values_list("pk", flat=True))
        if access.whole_park(user, model, park.pk):
            said_yes.append(name)
            assert seen == in_park, name
    # Zones are shared in the park, yet whole_park is only ever true for park roles.
    assert set(said_yes) == {"park_admin", "park_staff", "supervisor", "superuser"}


def test_enterprise_facts_are_what_scoped_gives(personas, park, ent_a, ent_b, ent_other_park):
    admin = selectors.enterprise_facts(user=personas["park_admin"], park_id=park.pk)
    assert list(admin) == sorted([ent_a.pk, ent_b.pk])
    assert admin[ent_a.pk].name == "杭叉集团股份有限公司"
    assert admin[ent_a.pk].industry_code == "C34"
    assert admin[ent_a.pk].zone_id == ent_a.zone_id
    own = selectors.enterprise_facts(user=personas["ent_a_user"], park_id=park.pk)
    assert list(own) == [ent_a.pk]
    assert own[ent_a.pk] == admin[ent_a.pk]  # the SQL read and the ORM read agree
    assert selectors.enterprise_facts(user=personas["other_park_admin"], park_id=park.pk) == {}
    assert selectors.enterprise_facts(user=personas["resident"], park_id=park.pk) == {}
