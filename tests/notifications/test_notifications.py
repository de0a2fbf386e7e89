"""In-app notifications: one per recipient, each person reads only their own, the bell counts the
unread ones, and the configured senders copy them out after commit without one failure
stopping the others."""

import pytest
from django.core import mail
from django.test import Client

from parkpilot.notifications import tasks
from parkpilot.notifications.models import Notification
from parkpilot.notifications.services import notify
from parkpilot.tenancy.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_each_recipient_gets_one_and_reads_only_their_own(park, personas, api_as):
    a_user, b_user = personas["ent_a_user"], personas["ent_b_user"]
    notify(park=park, recipients=[a_user, a_user, b_user], kind="test", title="诉求已受理",
           link="/services/")  # fmt: skip
    assert Notification.objects.filter(recipient=a_user).count() == 1  # the duplicate is one
    listed = api_as("ent_a_user").get("/api/v1/notifications").json()
    assert [n["title"] for n in listed["items"]] == ["诉求已受理"]
    # Park staff do not read people's notifications either: personal rows.
    assert api_as("park_admin").get("/api/v1/notifications").json()["count"] == 0


def test_the_bell_counts_unread_and_reading_one_takes_it_off(park, personas, api_as):
    user = personas["resident"]
    first, _second = (
        notify(park=park, recipients=[user], kind="test", title=t)[0] for t in ("一", "二")
    )
    client = _signed_in(user)
    bell = client.get("/notifications/bell")
    assert 'data-unread="2"' in bell.content.decode()
    response = client.post(f"/notifications/{first.pk}/read/", {"next": "/m/notifications/"})
    assert response.status_code == 302 and response["Location"] == "/m/notifications/"
    assert api_as("resident").get("/api/v1/notifications/unread").json() == {"unread": 1}
    assert api_as("resident").post("/api/v1/notifications/read-all", {}).json() == {"marked": 1}
    assert 'data-unread="0"' in client.get("/notifications/bell").content.decode()


def test_someone_elses_notification_is_not_found_and_stays_unread(park, personas, api_as):
    mine = notify(park=park, recipients=[personas["ent_a_user"]], kind="test", title="x")[0]
    for persona in ("ent_b_user", "park_admin", "other_park_admin"):
        assert api_as(persona).post(f"/api/v1/notifications/{mine.pk}/read", {}).status_code == 404
        page = _signed_in(personas[persona]).post(f"/notifications/{mine.pk}/read/")
        assert page.status_code == 404
    mine.refresh_from_db()
    assert mine.read_at is None


@pytest.mark.parametrize("link", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_a_link_that_leaves_the_platform_is_refused(park, personas, link):
    with pytest.raises(ValidationFailed) as refused:
        notify(park=park, recipients=[personas["resident"]], kind="test", title="x", link=link)
    assert refused.value.errors[0].field == "link"
    assert not Notification.objects.exists()


def test_mark_read_never_redirects_to_another_site(park, personas):
    note = notify(park=park, recipients=[personas["resident"]], kind="test", title="x")[0]
    response = _signed_in(personas["resident"]).post(
        f"/notifications/{note.pk}/read/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == "/notifications/"


class _Broken:
    def send(self, notification):
        raise ConnectionError("SMS gateway down")


def test_senders_copy_it_out_after_commit_and_one_failure_stops_no_other(
    park, personas, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PARKPILOT_NOTIFICATION_SENDERS = [
        f"{__name__}._Broken",
        "parkpilot.notifications.senders.EmailSender",
    ]
    user = personas["ent_a_user"]
    user.email = "a-user@example.com"
    user.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(park=park, recipients=[user, personas["resident"]], kind="test", title="催办",
               body="请尽快处理", link="/services/1/")  # fmt: skip
    assert mail.outbox == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [["a-user@example.com"]]  # the resident has no email
    assert mail.outbox[0].subject == "催办"
    assert "/services/1/" in mail.outbox[0].body
    assert tasks.deliver.retries == 3


def test_a_user_of_another_park_is_never_told(park, personas):
    sent = notify(park=park, recipients=[personas["other_park_admin"], personas["resident"]],
                  kind="test", title="本园区通知")  # fmt: skip
    assert [n.recipient for n in sent] == [personas["resident"]]
