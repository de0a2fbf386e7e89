"""People administration: a park admin manages the park's people, an enterprise admin its own
staff only; invitations and resets are one-time links; every change is audited; nobody locks
the park out of its own administration."""

import pytest
from django.conf import settings
from django.test import Client

from parkpilot.tenancy import selectors, services
from parkpilot.tenancy.errors import NotFound, ValidationFailed
from parkpilot.tenancy.models import AuditLog, User

pytestmark = pytest.mark.django_db
PASSWORD = "Qingshan-hu-2026"


def _invite(actor, **data):
    return services.person_invite(actor=actor, via="test", park=actor.park, data=data)


def _signs_in(username: str, password: str, client=None) -> bool:
    """Through the sign-in form, as a person does (django-axes wants the request)."""
    client = client or Client()
    answer = client.post("/accounts/login/", {"username": username, "password": password})
    return answer.status_code == 302


def _fields(exc) -> dict:
    return {e.field: e.code for e in exc.value.errors}


def test_an_invited_person_sets_a_password_once_and_signs_in(personas, ent_a):
    person, link = _invite(
        personas["park_admin"], username="wang.li", display_name="王丽", role="enterprise_user",
        enterprise_id=str(ent_a.pk),
    )  # fmt: skip
    assert not person.has_usable_password() and person.enterprise == ent_a
    client = Client()
    form = client.get(link, follow=True)  # Django moves the token into the session first
    assert form.status_code == 200 and "new_password1" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    assert done.status_code == 302
    assert _signs_in("wang.li", PASSWORD)
    again = Client().get(link, follow=True).content.decode()
    assert 'data-testid="link-used"' in again  # the link worked once
    row = AuditLog.objects.get(action="user.invite", object_id=str(person.pk))
    assert row.after["role"] == "enterprise_user" and row.actor == personas["park_admin"]


def test_an_enterprise_admin_invites_only_its_own_staff(personas, ent_a, ent_b):
    admin = personas["ent_a_admin"]
    person, _link = _invite(admin, username="a-new", role="enterprise_user",
                            enterprise_id=str(ent_b.pk))  # fmt: skip
    assert person.enterprise == ent_a  # another enterprise named in the form is ignored
    with pytest.raises(ValidationFailed) as exc:
        _invite(admin, username="a-boss", role="park_admin")
    assert _fields(exc) == {"role": "invalid"}


def test_bad_input_names_each_field(personas):
    with pytest.raises(ValidationFailed) as exc:
        _invite(personas["park_admin"], username="has space", email="nope", role="enterprise_user")
    assert _fields(exc) == {"username": "format", "email": "format", "enterprise_id": "required"}
    with pytest.raises(ValidationFailed) as exc:
        _invite(personas["park_admin"], username="ADMIN", role="resident")  # "admin" exists
    assert _fields(exc) == {"username": "taken"}
    with pytest.raises(ValidationFailed) as exc:
        _invite(personas["park_admin"], username="gw-2", role="gateway")  # gateways come by token
    assert _fields(exc) == {"role": "invalid"}
    assert not User.objects.filter(username__in=["has space", "gw-2"]).exists()


def test_who_sees_whom(personas, ent_a):
    names = lambda actor: set(selectors.people_list(user=actor).values_list("username", flat=True))  # noqa: E731
    assert names(personas["ent_a_admin"]) == {"a-admin", "a-user"}
    park_people = names(personas["park_admin"])
    assert {"admin", "staff", "a-user", "b-user", "resident"} <= park_people
    assert "other-admin" not in park_people
    for outsider in ("ent_b_user", "other_park_admin", "resident", "park_staff"):
        with pytest.raises(NotFound):
            selectors.person_get(user=personas[outsider], person_id=personas["ent_a_user"].pk)


def test_deactivated_people_cannot_sign_in_and_nothing_is_deleted(personas):
    user = personas["ent_a_user"]
    user.set_password(PASSWORD)
    user.save()
    client = Client()
    assert _signs_in(user.username, PASSWORD, client)
    services.person_set_active(actor=personas["ent_a_admin"], via="test", person=user, active=False)
    assert client.get("/").status_code == 302  # the open session ends at once
    assert not _signs_in(user.username, PASSWORD)
    services.person_set_active(actor=personas["ent_a_admin"], via="test", person=user, active=True)
    assert _signs_in(user.username, PASSWORD)
    actions = AuditLog.objects.filter(object_id=str(user.pk)).values_list("action", flat=True)
    assert {"user.deactivate", "user.activate"} <= set(actions)


def test_nobody_locks_the_park_out_of_its_administration(personas):
    admin = personas["park_admin"]
    with pytest.raises(ValidationFailed) as exc:
        services.person_set_active(actor=admin, via="test", person=admin, active=False)
    assert _fields(exc) == {"is_active": "self"}
    with pytest.raises(ValidationFailed) as exc:
        services.person_update(actor=admin, via="test", person=admin, data={"role": "park_staff"})
    assert _fields(exc) == {"role": "self"}
    # Only someone from outside the park's admins (the platform's superuser) could remove the
    # last one; the rule holds for them too.
    root = User.objects.create_superuser("root", password=PASSWORD)
    with pytest.raises(ValidationFailed) as exc:
        services.person_set_active(actor=root, via="test", person=admin, active=False)
    assert _fields(exc) == {"role": "last_admin"}
    second, _link = _invite(admin, username="admin-2", role="park_admin")
    services.person_set_active(actor=root, via="test", person=admin, active=False)
    assert not User.objects.get(pk=admin.pk).is_active and second.is_active


def test_an_enterprise_admin_cannot_give_further_roles(personas):
    from parkpilot.tenancy.errors import Forbidden

    with pytest.raises(Forbidden):
        services.user_roles_set(
            actor=personas["ent_a_admin"], via="test", user=personas["ent_a_user"],
            roles=["bus.driver"],
        )  # fmt: skip


def test_the_people_pages_by_role(personas):
    for who, status in (("park_admin", 200), ("ent_a_admin", 200), ("ent_a_user", 404),
                        ("resident", 404), ("park_staff", 404)):  # fmt: skip
        client = Client()
        client.force_login(personas[who])
        assert client.get("/accounts/people/").status_code == status, who
    client = Client()
    client.force_login(personas["ent_a_admin"])
    page = client.post("/accounts/people/", {"username": "", "role": "enterprise_user"})
    assert 'data-testid="error-username"' in page.content.decode()
    page = client.post("/accounts/people/", {"username": "a-third", "role": "enterprise_user"})
    assert 'data-testid="invite-link"' in page.content.decode()
    assert settings.LANGUAGE_CODE == "zh-hans" and "已邀请" in page.content.decode()
