"""Energy pages: who may open them, what they show, and the repair actions."""

import pytest
from django.test import Client

from parkpilot.energy.ingest.core import ingest_items
from parkpilot.energy.models import DeadLetter, Reading

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def a_e1(make_point, ent_a):
    return make_point("A-E1", owner=ent_a)


def test_points_page_lists_only_the_enterprises_own(personas, make_point, ent_a, ent_b):
    make_point("A-E1", owner=ent_a)
    make_point("B-E1", owner=ent_b)
    page = client_for(personas["ent_a_user"]).get("/energy/").content.decode()
    assert "A-E1" in page
    assert "B-E1" not in page


def test_quality_page_is_for_park_roles(personas, a_e1):
    assert client_for(personas["park_staff"]).get("/energy/quality/").status_code == 200
    assert client_for(personas["supervisor"]).get("/energy/quality/").status_code == 200
    assert client_for(personas["ent_a_admin"]).get("/energy/quality/").status_code == 404


def test_quality_page_query_count_is_pinned(personas, a_e1, django_assert_max_num_queries):
    client = client_for(personas["park_staff"])
    client.get("/energy/quality/")
    with django_assert_max_num_queries(23):  # + suspects, quarantined and held points
        client.get("/energy/quality/")


def test_reprocess_from_the_page(personas, park, make_point, ent_a):
    ingest_items(park_id=park.id, items=[{"point": "LATE-1", "ts": "2026-03-01T10:00:00+08:00",
                                          "value": 1.0}], source="mqtt")  # fmt: skip
    letter = DeadLetter.objects.get()
    make_point("LATE-1", owner=ent_a)
    client = client_for(personas["park_staff"])
    response = client.post(f"/energy/dead-letters/{letter.pk}/reprocess/")
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.status == "reprocessed"
    assert Reading.objects.count() == 1


def test_another_parks_admin_cannot_touch_the_letter(personas, park):
    ingest_items(park_id=park.id, items=[{"point": "X", "ts": "2026-03-01T10:00:00+08:00",
                                          "value": 1.0}], source="mqtt")  # fmt: skip
    letter = DeadLetter.objects.get()
    client = client_for(personas["other_park_admin"])
    assert client.post(f"/energy/dead-letters/{letter.pk}/dismiss/").status_code == 404
    letter.refresh_from_db()
    assert letter.status == "open"


def test_completeness_is_capped_per_point(personas, park, make_point, ent_a):
    """A meter declared at 15 minutes that sends every minute is complete, not 1,500% complete;
    it cannot make up for a silent one. Today counts against what is expected so far."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from parkpilot.energy import selectors
    from parkpilot.energy.rollups import rollup_pending

    make_point("FAST", owner=ent_a, interval_s=900)
    make_point("SILENT", owner=ent_a, interval_s=900)
    midnight = datetime(2026, 3, 2, tzinfo=ZoneInfo("Asia/Shanghai"))
    now = midnight + timedelta(hours=4, minutes=7)
    ingest_items(park_id=park.id, items=[
        {"point": "FAST", "ts": (midnight + timedelta(minutes=m)).isoformat(), "value": float(m)}
        for m in range(1, 247)
    ], source="direct")  # fmt: skip
    rollup_pending()
    [today] = selectors.park_completeness(
        user=personas["park_staff"], park_id=park.pk, days=1, now=now
    )
    # By 04:07 each point is expected to have sent 4 h 7 min // 15 min = 16 readings:
    # expected 2 × 16 = 32; received: FAST's 246 capped at 16, SILENT 0 → 50%.
    assert today.expected == 32
    assert today.received == 16


def test_points_page_pages_through_every_point_with_its_total(personas, make_point, ent_a):
    for n in range(120):
        make_point(f"P-{n:03d}", owner=ent_a)
    client = client_for(personas["park_staff"])
    first = client.get("/energy/").content.decode()
    assert "P-000" in first and "P-049" in first and "P-050" not in first
    assert "计量点第 1–50 个，共 120 个" in first  # zh-Hans first, the total shown
    last = client.get("/energy/?page=3").content.decode()
    assert "P-100" in last and "P-119" in last and "P-099" not in last
    assert "3 / 3" in last


def test_points_page_filters_by_enterprise_kind_gateway_and_status(
    personas, make_point, ent_a, ent_b
):
    make_point("A-E1", owner=ent_a)
    make_point("B-E1", owner=ent_b, gateway=None)
    make_point("LIGHT", kind="street_lighting", gateway=None)
    off = make_point("A-OLD", owner=ent_a)
    off.active = False
    off.save()
    client = client_for(personas["park_staff"])

    def codes(query):
        body = client.get(f"/energy/?{query}").content.decode()
        return [c for c in ("A-E1", "B-E1", "LIGHT", "A-OLD") if f"<code>{c}</code>" in body]

    assert codes("") == ["A-E1", "B-E1", "LIGHT", "A-OLD"]
    assert codes(f"enterprise={ent_a.pk}") == ["A-E1", "A-OLD"]
    assert codes("kind=street_lighting") == ["LIGHT"]
    assert codes(f"gateway={personas['gateway'].pk}") == ["A-E1", "A-OLD"]
    assert codes("status=inactive") == ["A-OLD"]
    assert codes("status=active&q=e1") == ["A-E1", "B-E1"]
    # The filters keep the page's query in the pager links.
    for n in range(60):
        make_point(f"A-X{n:02d}", owner=ent_a)
    body = client.get(f"/energy/?enterprise={ent_a.pk}").content.decode()
    assert f"?enterprise={ent_a.pk}&page=2" in body


def test_points_page_query_count_does_not_grow_with_points(
    personas, make_point, ent_a, django_assert_max_num_queries
):
    for n in range(60):
        make_point(f"P-{n:03d}", owner=ent_a)
    client = client_for(personas["park_staff"])
    client.get("/energy/")
    with django_assert_max_num_queries(8):
        client.get("/energy/")


def test_the_api_point_list_filters_and_gives_a_total(api_as, make_point, ent_a, ent_b, personas):
    for n in range(7):
        make_point(f"A-{n}", owner=ent_a)
    make_point("B-1", owner=ent_b, gateway=None)
    body = (
        api_as("park_staff")
        .get(f"/api/v1/energy/points?owner_id={ent_a.pk}&limit=3&offset=3&status=active")
        .json()
    )
    assert body["count"] == 7
    assert [p["code"] for p in body["items"]] == ["A-3", "A-4", "A-5"]
    gateway = personas["gateway"].pk
    assert (
        api_as("park_staff").get(f"/api/v1/energy/points?gateway_id={gateway}").json()["count"] == 7
    )
