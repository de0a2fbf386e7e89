"""The services pages per role with pinned query counts, and the cockpit tiles' numbers."""

import datetime

import pytest
from django.test import Client

from parkpilot.services import services, tiles
from parkpilot.services.models import ServiceRequest

pytestmark = pytest.mark.django_db
FUTURE = datetime.date(2099, 1, 1)


def _requests(personas, raise_request, at, n):
    made = []
    for i in range(n):
        # Odd ones were raised long ago and are overdue; even ones today.
        made.append(raise_request(now=at("2026-09-01") if i % 2 else None))
    return made


def test_tiles_count_by_status_and_overdue(personas, raise_request, ent_a, at):
    old = raise_request(now=at("2026-09-01"))  # response due 09-03: overdue
    new = raise_request()
    done = raise_request()
    for req in (new, done):
        services.request_assign(
            actor=personas["park_admin"],
            via="test",
            request=req,
            contact_id=personas["park_staff"].pk,
        )
    services.request_plan(
        actor=personas["park_staff"], via="test", request=done, plan="x", promised_on=FUTURE
    )
    services.request_resolve(actor=personas["park_staff"], via="test", request=done, resolution="y")
    services.case_open(
        actor=personas["supervisor"],
        via="test",
        park=ent_a.park,
        service_request_id=old.pk,
        instruction="督办",
    )
    admin = personas["park_admin"]
    by_status = tiles.by_status(admin, ent_a.park)
    assert by_status.value == 2  # submitted 1 + assigned 1
    assert by_status.extra["by_status"] == {
        "submitted": 1,
        "assigned": 1,
        "planned": 0,
        "resolved": 1,
        "closed": 0,
    }
    overdue = tiles.overdue(admin, ent_a.park)
    assert (overdue.value, overdue.status, overdue.extra["open_cases"]) == (1, "alert", 1)
    assert overdue.link == "/services/supervision/"


@pytest.mark.parametrize("n", [2, 12])
def test_supervision_view_query_count_is_flat(
    personas, raise_request, at, n, django_assert_num_queries
):
    _requests(personas, raise_request, at, n)
    client = Client()
    client.force_login(personas["supervisor"])
    client.get("/services/supervision/")
    with django_assert_num_queries(9):  # no escalated project alert: its case lookup is skipped
        response = client.get("/services/supervision/")
    assert response.status_code == 200
    assert response.content.decode().count("/services/supervision/cases/new/") == n // 2


@pytest.mark.parametrize("n", [2, 12])
def test_request_list_query_count_is_flat(
    personas, raise_request, at, n, django_assert_num_queries
):
    _requests(personas, raise_request, at, n)
    client = Client()
    client.force_login(personas["ent_a_user"])
    client.get("/services/")
    with django_assert_num_queries(6):
        response = client.get("/services/")
    assert response.status_code == 200
    assert response.content.decode().count('href="/services/') - 2 >= n


def test_pages_by_role(personas, raise_request):
    req = raise_request()
    expected = {
        "ent_a_user": (200, 200, 403),
        "ent_b_user": (200, 404, 403),
        "park_staff": (200, 200, 200),  # staff reply to supervision instructions
        "supervisor": (200, 200, 200),
        "park_admin": (200, 200, 200),
        "resident": (403, 404, 403),  # may read no request: the list is not theirs either
    }
    for who, (listing, detail, supervision) in expected.items():
        client = Client()
        client.force_login(personas[who])
        assert client.get("/services/").status_code == listing, who
        assert client.get(f"/services/{req.pk}/").status_code == detail, who
        assert client.get("/services/supervision/").status_code == supervision, who
    # An enterprise user of another enterprise cannot act on it either.
    client = Client()
    client.force_login(personas["ent_b_user"])
    assert client.post(f"/services/{req.pk}/reopen/", {"reason": "x"}).status_code == 404
    assert ServiceRequest.objects.get(pk=req.pk).status == "submitted"


def test_raising_through_the_page_reports_bad_input(personas):
    client = Client()
    client.force_login(personas["ent_a_user"])
    response = client.post(
        "/services/new/", {"title": "", "category": "weather", "description": ""}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "标题：不能为空" in page  # the field by its label
    assert "类别：类别无效" in page
    assert ServiceRequest.objects.count() == 0


def test_no_open_redirect_after_opening_a_case(personas, raise_request):
    req = raise_request()
    client = Client()
    client.force_login(personas["supervisor"])
    # A refused case (no instruction) sends the user back: only to this site.
    response = client.post(
        "/services/supervision/cases/new/",
        {"service_request_id": req.pk, "instruction": "", "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/services/supervision/"
    response = client.post(
        "/services/supervision/cases/new/",
        {"service_request_id": req.pk, "instruction": "", "next": f"/services/{req.pk}/"},
    )
    assert response["Location"] == f"/services/{req.pk}/"


def test_the_list_flags_what_the_cockpit_counts(personas, raise_request, ent_a):
    """A request whose first response is late but whose resolution is not yet due is overdue:
    the list's flag, its overdue filter and the cockpit tile agree (they once said 1 and 2)."""
    from django.utils import timezone

    # Normal urgency (services/sla.py): response within 2 working days, resolution within 20.
    # Ten calendar days ago is at least 6 working days: response late, resolution not yet due.
    late_response = raise_request(now=timezone.now() - datetime.timedelta(days=10))
    assert late_response.resolve_due_on >= timezone.localdate()
    fresh = raise_request()  # raised now: nothing due yet
    client = Client()
    client.force_login(personas["park_admin"])
    page = client.get("/services/").content.decode()
    assert page.count('class="pill overdue"') == 1
    assert f'data-testid="overdue-{late_response.pk}"' in page
    only_overdue = client.get("/services/?overdue=1").content.decode()
    assert f"/services/{late_response.pk}/" in only_overdue
    assert f"/services/{fresh.pk}/" not in only_overdue and f"/services/{fresh.pk}/" in page
    assert tiles.overdue(personas["park_admin"], ent_a.park).value == 1
