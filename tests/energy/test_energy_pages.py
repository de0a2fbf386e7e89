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
    with django_assert_max_num_queries(20):
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
