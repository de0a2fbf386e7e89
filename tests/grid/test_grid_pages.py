"""The pages, through Django's test client with signed-in sessions: report on the front door
(duplicates offered as "+1"), follow it, the worker's steps, the park's map and figures, the
public tracking page."""

import pytest
from django.test import Client

from parkpilot.grid.models import Case, Report, Status
from tests.grid.test_grid_reports import IN_A1, jpeg, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post_report(client, **extra):
    data = {"category": "01.01", "description": "路边堆着垃圾", "lon": str(IN_A1[0]),
            "lat": str(IN_A1[1]), "datum": "wgs84", **extra}  # fmt: skip
    return client.post("/grid/m/report/", data)


def test_report_follow_and_join_on_the_front_door(
    park, layout, worker, personas, django_capture_on_commit_callbacks
):
    resident = client_for(personas["resident"])
    page = resident.get("/grid/m/report/")
    assert page.status_code == 200 and "park-map" in page.content.decode()
    with django_capture_on_commit_callbacks() as after_commit:  # not run: the queue is busy
        answer = _post_report(resident, photos=upload(jpeg()))
    case = Case.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/grid/m/cases/{case.pk}/"
    shown = resident.get(answer["Location"]).content.decode()
    assert case.description in shown and 'data-testid="timeline"' in shown
    photo = case.photos.get()
    # Until the task has made the published copy: "处理中" for the reporter, no picture at all
    # (the original is not theirs to see); staff, who read every case, see the original.
    assert 'data-testid="photo-pending"' in shown and "处理中" in shown
    assert f"/grid/m/photos/{photo.pk}/" not in shown
    assert resident.get(f"/grid/m/photos/{photo.pk}/").status_code == 404
    staff_page = client_for(personas["park_staff"]).get(answer["Location"]).content.decode()
    assert f"/grid/m/photos/{photo.pk}/?original=1" in staff_page
    with django_capture_on_commit_callbacks(execute=True):  # the queue takes the task
        for callback in after_commit:
            callback()
    shown = resident.get(answer["Location"]).content.decode()
    assert f"/grid/m/photos/{photo.pk}/" in shown and "处理中" not in shown
    published = resident.get(f"/grid/m/photos/{photo.pk}/")
    assert published.status_code == 200 and b"Exif" not in b"".join(published.streaming_content)
    # The original (with its EXIF) is for those who read every case, not for the reporter.
    original = resident.get(f"/grid/m/photos/{photo.pk}/?original=1")
    assert b"Exif" not in b"".join(original.streaming_content)
    staff = client_for(personas["park_staff"]).get(f"/grid/m/photos/{photo.pk}/?original=1")
    assert b"Exif" in b"".join(staff.streaming_content)
    # Someone else reports the same thing a few metres away: offered the "+1" first.
    other = client_for(personas["ent_b_user"])
    offered = _post_report(other, lon=str(IN_A1[0] + 0.0001))
    assert offered.status_code == 200 and 'data-testid="duplicates"' in offered.content.decode()
    assert Case.objects.count() == 1
    joined = other.post(f"/grid/m/cases/{case.pk}/step/", {"step": "support"})
    assert joined.status_code == 302
    assert Case.objects.get(pk=case.pk).supporters == 2
    # ... or says it is a different problem and reports it after all.
    _post_report(other, lon=str(IN_A1[0] + 0.0001), confirm_new="1")
    assert Case.objects.count() == 2
    mine = resident.get("/grid/m/mine/").content.decode()
    assert f"#{case.pk}" in mine


def test_the_worker_takes_the_steps_and_the_reporter_confirms(park, layout, worker, personas):
    resident = client_for(personas["resident"])
    _post_report(resident)
    case = Case.objects.get()
    field = client_for(worker)
    assert f"#{case.pk}" in field.get("/grid/m/work/").content.decode()
    field.post(f"/grid/m/cases/{case.pk}/step/", {"step": "accept"})
    assert Case.objects.get(pk=case.pk).status == Status.ACCEPTED
    refused = field.post(
        f"/grid/m/cases/{case.pk}/step/", {"step": "resolve", "resolution": "已清理"}, follow=True
    )
    assert 'data-testid="messages"' in refused.content.decode()  # the "after" photo is missing
    field.post(f"/grid/m/cases/{case.pk}/step/",
               {"step": "resolve", "resolution": "已清理", "after": upload(jpeg())})  # fmt: skip
    assert Case.objects.get(pk=case.pk).status == Status.RESOLVED
    resident.post(f"/grid/m/cases/{case.pk}/step/", {"step": "confirm", "rating": "5"})
    done = Case.objects.get(pk=case.pk)
    assert done.status == Status.CLOSED and done.rating == 5
    # Pages that are not one's own answer 403: a resident has no list of work, nor the map.
    assert resident.get("/grid/m/work/").status_code == 403
    assert resident.get("/grid/map/").status_code == 403


def test_the_map_and_figures_for_the_park(park, layout, worker, personas):
    _post_report(client_for(personas["resident"]))
    page = client_for(personas["park_staff"]).get("/grid/map/")
    body = page.content.decode()
    assert page.status_code == 200
    assert body.count("<code>330112003001") == 4  # one row of figures per current grid
    assert "grid-map-data" in body and '"kind": "case"' in body


def test_the_tracking_page_is_public_and_shows_no_person(park, layout, personas):
    resident = client_for(personas["resident"])
    _post_report(resident, anonymous="on")
    report = Report.objects.get()
    assert report.reporter is None
    page = Client().get(f"/grid/track/?code={report.tracking_code}")
    assert page.status_code == 200
    body = page.content.decode()
    # Its state and where, not the reporter's words (they may name people) nor anyone's name.
    assert 'data-testid="tracked"' in body and report.case.grid.name in body
    assert report.case.description not in body
    assert Client().get("/grid/track/?code=NOSUCHCODE").status_code == 404


def test_the_cockpit_tile_and_my_items(park, layout, worker, personas):
    import datetime

    from parkpilot import plugins
    from parkpilot.grid import selectors

    _post_report(client_for(personas["resident"]))
    late = Case.objects.get()
    Case.objects.filter(pk=late.pk).update(due_on=datetime.date(2020, 1, 2))
    tile = selectors.open_cases_tile(personas["park_staff"], park)
    assert (tile.value, tile.extra["late"], tile.status) == (1, 1, "alert")
    [declared] = [t for t in plugins.collected("cockpit_tiles") if t.key == "grid.open_cases"]
    assert declared.rule.allows(personas["park_staff"])
    assert not declared.rule.allows(personas["resident"])  # a resident's is not the park's
    [item] = selectors.my_items(personas["resident"])
    assert item.link == f"/grid/m/cases/{late.pk}/"
