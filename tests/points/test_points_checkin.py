"""Check-in by QR at a 党群 activity, and expiry told in advance through notifications."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from parkpilot.notifications.models import Notification
from parkpilot.points import services
from parkpilot.points.errors import PointsCode
from parkpilot.points.models import Award, EarningRule
from parkpilot.tenancy.errors import ValidationFailed

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(
        datetime.date.fromisoformat(day), datetime.time(hour), tzinfo=TZ
    )


@pytest.fixture
def activity(personas, park):
    rule = EarningRule.objects.create(
        park=park, kind="party_activity", name="主题党日", points=30, cap_month=60
    )
    return services.activity_create(
        via="ui",
        actor=personas["park_staff"],
        park=park,
        name="七一主题党日",
        rule=rule,
        starts_at=at("2026-07-01", 9),
        ends_at=at("2026-07-01", 12),
    )


def test_checking_in_earns_the_activity_once_and_only_while_open(personas, activity):
    resident = personas["resident"]
    made = services.check_in(user=resident, via="ui", activity=activity, now=at("2026-07-01", 10))
    again = services.check_in(user=resident, via="ui", activity=activity, now=at("2026-07-01", 11))
    assert (
        again.pk == made.pk
        and made.points == 30
        and made.source == f"points.activity:{activity.pk}"
    )
    with pytest.raises(ValidationFailed) as late:
        services.check_in(
            user=personas["ent_a_user"], via="ui", activity=activity, now=at("2026-07-01", 13)
        )
    assert late.value.errors[0].code == PointsCode.CHECK_IN_CLOSED
    assert Award.objects.count() == 1


def test_the_check_in_page_is_reached_by_the_code_and_awards(personas, activity, park):
    client = Client()
    client.force_login(personas["resident"])
    url = reverse("points:check_in", args=[activity.code])
    assert client.get(url).status_code == 200
    # The window is 2026-07-01 09:00-12:00; today is outside it: refused with the reason.
    refused = client.post(url)
    assert refused.status_code == 200 and 'data-testid="checked-in"' not in refused.content.decode()
    assert Award.objects.count() == 0
    activity.__class__.objects.filter(pk=activity.pk).update(
        starts_at=at("2020-01-01"), ends_at=at("2099-01-01")
    )
    done = client.post(url)
    assert 'data-testid="checked-in"' in done.content.decode() and Award.objects.count() == 1
    assert client.get(reverse("points:check_in", args=["not-a-code"])).status_code == 404
    # The check-in page names its activity by code, not by id (so the route-enumerating page
    # isolation test does not list it): another park's people do not find it.
    outsider = Client()
    outsider.force_login(personas["other_park_admin"])
    assert outsider.get(url).status_code == 404 and outsider.post(url).status_code == 404
    assert Award.objects.count() == 1


def test_an_activity_needs_a_name_and_a_window(personas, park, activity):
    with pytest.raises(ValidationFailed) as bad:
        services.activity_create(
            via="ui",
            actor=personas["park_staff"],
            park=park,
            name=" ",
            rule=activity.rule,
            starts_at=at("2026-07-01", 12),
            ends_at=at("2026-07-01", 9),
        )
    assert {e.field for e in bad.value.errors} == {"name", "ends_at"}


def test_people_are_told_a_month_ahead_once_per_lot(personas, member, rule, park):
    # Lots earned in 2025 expire 2026-12-31; 2026's lots on 2027-12-31.
    services.award(via="ui", actor=None, member=member, rule=rule, source="a", now=at("2025-05-01"))
    services.award(via="ui", actor=None, member=member, rule=rule, source="b", now=at("2025-06-01"))
    services.award(via="ui", actor=None, member=member, rule=rule, source="c", now=at("2026-06-01"))
    # 2026-11-29 + 31 days = 2026-12-30: not yet within a month of the 31st.
    assert services.expiry_notices(park=park, today=datetime.date(2026, 11, 29)) == 0
    assert services.expiry_notices(park=park, today=datetime.date(2026, 11, 30)) == 1
    told = Notification.objects.get(recipient=personas["resident"])
    assert told.kind == "points.expiring" and "200" in told.title and "2026-12-31" in told.title
    assert services.expiry_notices(park=park, today=datetime.date(2026, 12, 1)) == 0  # once
    assert Notification.objects.count() == 1
