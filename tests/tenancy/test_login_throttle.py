"""Password sign-ins are throttled per (user name, address), recorded in the audit log, and staff
can lift a lockout. Through the real login form and django-axes' real database handler."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse

from parkpilot.tenancy.models import AuditLog

LOGIN = "/accounts/login/"
LIMIT = settings.AXES_FAILURE_LIMIT


def _try(client: Client, username: str, password: str, address: str = "10.1.1.1", path=LOGIN):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def _fail(times: int, username: str, address: str = "10.1.1.1", path=LOGIN) -> None:
    client = Client()
    for i in range(times):
        # The failure that reaches the limit is already answered with the lockout.
        expected = 200 if i < LIMIT - 1 else 429
        assert _try(client, username, "wrong", address, path).status_code == expected


def test_the_limit_is_at_most_ten_wrong_passwords():
    assert 1 <= LIMIT <= 10


def test_wrong_passwords_lock_the_name_even_for_the_right_password(personas):
    _fail(LIMIT, "resident")
    response = _try(Client(), "resident", "pw-resident")
    assert response.status_code == 429
    text = response.content.decode()
    assert "登录失败次数过多" in text
    assert "15 分钟" in text  # the wait: the full cool-off, as the last failure was just now
    assert "_auth_user_id" not in Client().session


def test_one_failure_short_of_the_limit_still_signs_in(personas):
    _fail(LIMIT - 1, "resident")
    response = _try(Client(), "resident", "pw-resident")
    assert response.status_code == 302  # to the home page


def test_a_stranger_elsewhere_cannot_lock_the_person_out(personas):
    _fail(LIMIT + 5, "resident", address="203.0.113.9")
    assert _try(Client(), "resident", "pw-resident", address="10.1.1.1").status_code == 302


def test_one_address_locks_only_the_guessed_name(personas):
    """Staff behind one company NAT address: one person's lockout leaves the others alone."""
    _fail(LIMIT, "a-user", address="198.51.100.7")
    assert _try(Client(), "a-user", "pw-a-user", address="198.51.100.7").status_code == 429
    assert _try(Client(), "a-admin", "pw-a-admin", address="198.51.100.7").status_code == 302


def test_the_admin_login_is_throttled_too(personas):
    personas["park_admin"].is_staff = True
    personas["park_admin"].save()
    _fail(LIMIT, "admin", path="/admin/login/")
    response = _try(Client(), "admin", "pw-admin", path="/admin/login/?next=/admin/")
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


def test_the_lock_ends_with_the_cool_off(personas):
    _fail(LIMIT, "resident")
    past = datetime.timedelta(minutes=1) + settings.AXES_COOLOFF_TIME
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - past)
    assert _try(Client(), "resident", "pw-resident").status_code == 302


def test_sign_ins_are_in_the_audit_log(personas, park):
    _fail(2, "resident")
    _try(Client(), "resident", "pw-resident")
    _fail(1, "nobody-by-this-name")
    rows = list(AuditLog.objects.filter(action__startswith="login.").order_by("id"))
    assert [(r.action, r.actor_label) for r in rows] == [
        ("login.failed", "resident"),
        ("login.failed", "resident"),
        ("login.success", "resident"),
        ("login.failed", "nobody-by-this-name"),
    ]
    assert rows[0].park_id == park.pk and rows[0].actor is None  # a failure proves nobody
    assert rows[2].actor == personas["resident"]
    assert rows[0].after == {"address": "10.1.1.1", "locked_out": False}
    assert rows[3].park_id is None  # an unknown name belongs to no park


def test_attempts_refused_while_locked_are_recorded_as_such(personas):
    _fail(LIMIT + 2, "resident")
    flags = list(
        AuditLog.objects.filter(action="login.failed")
        .order_by("id")
        .values_list("after__locked_out", flat=True)
    )
    assert flags == [False] * (LIMIT - 1) + [True] * 3


def test_a_park_admin_sees_and_lifts_the_lockouts_of_their_park(personas):
    _fail(LIMIT, "resident")
    _fail(LIMIT, "other-admin")  # a person of another park
    admin = Client()
    admin.force_login(personas["park_admin"])
    page = admin.get(reverse("tenancy:login_locks")).content.decode()
    assert "resident" in page and "other-admin" not in page

    response = admin.post(reverse("tenancy:login_unlock", args=[personas["resident"].pk]))
    assert response.status_code == 302
    assert _try(Client(), "resident", "pw-resident").status_code == 302
    unlock = AuditLog.objects.get(action="login.unlock")
    assert unlock.actor == personas["park_admin"] and unlock.object_id == str(
        personas["resident"].pk
    )


@pytest.mark.parametrize("who", ["other_park_admin", "park_staff", "resident"])
def test_nobody_else_lifts_a_lockout(personas, who):
    _fail(LIMIT, "resident")
    client = Client()
    client.force_login(personas[who])
    response = client.post(reverse("tenancy:login_unlock", args=[personas["resident"].pk]))
    assert response.status_code == 404
    assert AccessAttempt.objects.filter(username="resident").exists()  # nothing changed
    assert not AuditLog.objects.filter(action="login.unlock").exists()


def test_only_park_admins_open_the_lockout_page(personas):
    client = Client()
    client.force_login(personas["park_staff"])
    assert client.get(reverse("tenancy:login_locks")).status_code == 404


def test_passwords_are_stored_as_argon2id_and_old_hashes_upgrade(settings, park):
    from django.contrib.auth.hashers import make_password

    from parkpilot.tenancy.models import User
    from parkpilot.tenancy.roles import Role

    settings.PASSWORD_HASHERS = [
        "parkpilot.tenancy.backends.ParkPilotArgon2Hasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    user = User.objects.create_user(
        username="new", password="pw-new-person", role=Role.RESIDENT, park=park
    )
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    old = make_password("pw-old-person", hasher="pbkdf2_sha256")
    User.objects.create(username="old", password=old, role=Role.RESIDENT, park=park)
    assert _try(Client(), "old", "pw-old-person").status_code == 302
    assert User.objects.get(username="old").password.startswith("argon2$argon2id$")
