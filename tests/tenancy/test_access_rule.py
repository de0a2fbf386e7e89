"""The one access rule (tenancy.access): the system actor, several roles per person, app roles,
named actions, and pages, navigation and tiles asking the same declared rule."""

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from parkpilot import plugins
from parkpilot.carbon import services as carbon_services
from parkpilot.portal.nav import nav_for
from parkpilot.services.models import ServiceRequest, SupervisionCase
from parkpilot.tenancy import access, roles
from parkpilot.tenancy.actors import system_actor
from parkpilot.tenancy.errors import Forbidden
from parkpilot.tenancy.models import Enterprise, User
from parkpilot.tenancy.roles import Reach, Role, RoleDef
from parkpilot.tenancy.selectors import role_holders

pytestmark = pytest.mark.django_db


def _policed_models():
    return [m for m in apps.get_models() if hasattr(m, "tenancy_policy")]


def test_the_system_actor_acts_for_its_own_park_only(park, other_park, ent_a, ent_other_park):
    system = system_actor(park, "test")
    assert set(access.scoped(system, Enterprise)) == set(Enterprise.objects.filter(park=park))
    assert ent_other_park not in access.scoped(system, Enterprise)
    assert access.can(system, access.CHANGE, ent_a)
    assert not access.can(system, access.CHANGE, ent_other_park)
    assert access.whole_park(system, Enterprise, park.pk)
    assert not access.whole_park(system, Enterprise, other_park.pk)
    assert not system.is_superuser


def test_no_actor_is_refused_not_waved_through(park):
    # Scheduled work names its actor; a write with none fails closed.
    with pytest.raises(Forbidden):
        carbon_services.settings_upsert(actor=None, via="test", park=park, year=2022)


def test_a_person_holds_several_roles(park, ent_a, ent_b):
    # A resident who also works for enterprise A (its user there) reads A's rows, not B's, and
    # no longer lands on the residents' front door alone.
    person = User.objects.create_user(
        "both",
        park=park,
        role=Role.RESIDENT,
        enterprise=ent_a,
        granted_roles=[Role.ENTERPRISE_USER],
    )
    assert list(access.scoped(person, Enterprise)) == [ent_a]
    assert not access.front_door_person(person)
    resident = User.objects.create_user("only-resident", park=park, role=Role.RESIDENT)
    assert list(access.scoped(resident, Enterprise)) == []
    assert access.front_door_person(resident)
    # Whoever holds a role as a granted one is found among its holders.
    staffer = User.objects.create_user(
        "also-staff", park=park, role=Role.RESIDENT, granted_roles=[Role.PARK_STAFF]
    )
    assert staffer in role_holders(frozenset({Role.PARK_STAFF}), park=park)
    assert resident not in role_holders(frozenset({Role.PARK_STAFF}), park=park)


def test_a_role_one_app_grants_opens_no_other_apps_data(monkeypatch, park, ent_a, personas):
    # A bus dispatcher reaches the whole park, but only in the models whose policies name the
    # role: none of today's. An employee of A who dispatches buses reads exactly what a
    # resident reads in every other app.
    dispatcher = RoleDef("transit_dispatcher", "调度员", Reach.PARK)
    registry = {**roles.registry(), dispatcher.code: dispatcher}
    monkeypatch.setattr(roles, "registry", lambda: registry)
    person = User.objects.create_user(
        "dispatcher", park=park, role=Role.RESIDENT, granted_roles=[dispatcher.code]
    )
    resident = personas["resident"]
    for model in _policed_models():
        assert set(access.scoped(person, model).values_list("pk", flat=True)) == set(
            access.scoped(resident, model).values_list("pk", flat=True)
        ), model.__name__
        assert not access.whole_park(person, model, park.pk) or model.tenancy_policy.user_path


def test_named_actions_follow_the_role_and_its_reach(personas, ent_a):
    from parkpilot.services import services

    data = {"title": "用电增容", "category": "energy", "description": "需增容"}
    req = services.request_create(
        actor=personas["ent_a_user"], via="test", park=ent_a.park, data=data
    )
    assert access.can(personas["ent_a_user"], "speak", req)
    assert not access.can(personas["ent_b_user"], "speak", req)  # not its enterprise
    assert not access.can(personas["park_staff"], "speak", req)  # the enterprise's own voice
    assert access.can(personas["park_admin"], "handle_any", req)
    assert not access.can(personas["park_staff"], "handle_any", req)
    assert not access.can(personas["other_park_admin"], "handle_any", req)
    assert access.can(personas["supervisor"], "instruct", SupervisionCase)
    assert not access.can(personas["park_admin"], "instruct", SupervisionCase)
    assert ServiceRequest.tenancy_policy.actions["speak"]


PEOPLE = ["park_admin", "park_staff", "supervisor", "ent_a_admin", "ent_a_user", "resident"]


@pytest.mark.parametrize("who", PEOPLE)
def test_the_navigation_shows_exactly_the_pages_that_let_one_in(who, personas):
    """Every navigation entry's page declares its rule, and for each role an entry is shown
    exactly when its page answers (the two ask one rule; neither restates the other)."""
    user = personas[who]
    client = Client()
    client.force_login(user)
    shown = {item["url_name"] for item in nav_for(user)}
    for item in plugins.collected("nav_items"):
        assert plugins.page_rule(item.url_name) is not None, f"{item.url_name} declares no rule"
        status = client.get(reverse(item.url_name)).status_code
        opens = status < 400
        assert opens == (item.url_name in shown), (who, item.url_name, status)


def test_park_admins_grant_further_roles_audited(personas, park, ent_a):
    from parkpilot.tenancy.errors import ValidationFailed
    from parkpilot.tenancy.models import AuditLog
    from parkpilot.tenancy.services import user_roles_set

    person = personas["resident"]
    user_roles_set(actor=personas["park_admin"], via="test", user=person, roles=[Role.PARK_STAFF])
    person.refresh_from_db()
    assert person.roles == {Role.RESIDENT, Role.PARK_STAFF}
    entry = AuditLog.objects.filter(action="user.roles", object_id=str(person.pk)).get()
    assert entry.before == {"granted_roles": []}
    assert entry.after == {"granted_roles": [Role.PARK_STAFF]}
    # Staff may not hand out roles; another park's admin cannot even touch the person.
    with pytest.raises(Forbidden):
        user_roles_set(actor=personas["park_staff"], via="test", user=person, roles=[])
    with pytest.raises(Forbidden):
        user_roles_set(actor=personas["other_park_admin"], via="test", user=person, roles=[])
    # Unknown codes and an enterprise role without an enterprise are refused, naming the field.
    with pytest.raises(ValidationFailed) as refused:
        user_roles_set(
            actor=personas["park_admin"], via="test", user=person,
            roles=["no_such_role", Role.ENTERPRISE_USER],
        )  # fmt: skip
    assert {e.field for e in refused.value.errors} == {"roles"}
    assert {e.code for e in refused.value.errors} == {"unknown_role", "invalid"}
    person.refresh_from_db()
    assert person.granted_roles == [Role.PARK_STAFF]  # nothing half-written
