"""Reports from anyone (全民共治化): located in their grid, dispatched to the worker on duty, due
by their category's SLA on the working calendar, photos checked with EXIF kept for the case and
stripped from the published copy, anonymous with a tracking code, duplicates offered as "+1"."""

import datetime
import io
import zoneinfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from parkpilot.grid import geo, photos, selectors, services, tasks
from parkpilot.grid.errors import ErrorCode
from parkpilot.grid.models import Case, GridMember, Photo, Report, Shift
from parkpilot.notifications.models import Notification
from parkpilot.tenancy.errors import Code, ValidationFailed
from tests.grid.conftest import LAT0, LON0, SINCE, person

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
IN_A1 = (LON0 + 0.004, LAT0 + 0.004)
IN_A2 = (LON0 + 0.014, LAT0 + 0.004)


def at(day: str, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI)


def jpeg(gps: bool = True, size=(64, 48)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x0110] = "PhoneModel X"  # Model
    if gps:  # 30°14'0" N, 119°50'0" E
        exif.get_ifd(0x8825).update({1: "N", 2: (30.0, 14.0, 0.0), 3: "E", 4: (119.0, 50.0, 0.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type)


def submit(actor, park, where=IN_A1, category="01.01", now=None, **extra):
    return services.report_submit(
        actor=actor, park=park, category=category, description="路边堆着垃圾",
        lon=where[0], lat=where[1], now=now or at("2026-12-02"), **extra,
    )  # fmt: skip


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def test_a_report_opens_a_case_in_its_grid_for_its_worker(park, layout, worker, personas):
    report = submit(personas["resident"], park)
    case = report.case
    assert case.grid == layout[0] and case.worker == worker and case.status == "dispatched"
    assert report.reporter == personas["resident"] and len(report.tracking_code) == 10
    assert Notification.objects.filter(recipient=worker, link=f"/grid/m/cases/{case.pk}/").exists()
    assert selectors.tracked(code=report.tracking_code.lower()) == case


@pytest.mark.parametrize(
    ("reported", "category", "due"),
    [
        # 01.01 exposed rubbish: 1 working day. Wed 30 Sep 2026; 1-7 Oct is National Day (State
        # Council notice, chinese-calendar): the next working day is Thu 8 Oct.
        ("2026-09-30", "01.01", "2026-10-08"),
        # 04.01 road collapse: the same working day. Sat 10 Oct 2026 is a make-up working day.
        ("2026-10-10", "04.01", "2026-10-10"),
        # On an ordinary Saturday (19 Sep) the next working day is the make-up Sunday 20 Sep.
        ("2026-09-19", "04.01", "2026-09-20"),
    ],
)
def test_the_sla_runs_on_the_working_calendar(park, layout, personas, reported, category, due):
    case = submit(personas["resident"], park, category=category, now=at(reported)).case
    assert case.due_on == datetime.date.fromisoformat(due)
    assert not case.calendar_estimated


def test_the_day_and_night_rosters_decide_who_gets_it(park, layout, personas):
    staff = personas["park_staff"]
    day = person("day-w", park, granted=["grid_worker"])
    night = person("night-w", park, granted=["grid_worker"])
    services.member_add(actor=staff, grid=layout[1], user=day, shift=Shift.DAY, valid_from=SINCE)
    services.member_add(actor=staff, grid=layout[1], user=night, shift=Shift.NIGHT,
                        valid_from=SINCE)  # fmt: skip
    assert (
        submit(personas["resident"], park, where=IN_A2, now=at("2026-12-02", 9)).case.worker == day
    )
    late = submit(personas["resident"], park, where=IN_A2, now=at("2026-12-02", 22))
    assert late.case.worker == night
    # No one on grid 4: the case waits unassigned (the supervisors' list shows it).
    assert (
        submit(personas["resident"], park, where=(LON0 + 0.015, LAT0 + 0.015)).case.worker is None
    )


def test_gcj02_positions_are_stored_as_wgs84(park, layout, personas):
    import prcoords

    gcj = prcoords.wgs_gcj(prcoords.Coords(IN_A1[1], IN_A1[0]))
    case = submit(personas["resident"], park, where=(gcj.lon, gcj.lat), datum="gcj02").case
    assert abs(case.lon - IN_A1[0]) < 1e-6 and abs(case.lat - IN_A1[1]) < 1e-6


def test_bad_input_is_refused_naming_each_field(park, layout, personas):
    with pytest.raises(ValidationFailed) as refused:
        services.report_submit(actor=personas["resident"], park=park, category="99.99",
                               description="", lon="east", lat=30)  # fmt: skip
    fields = {(e.field, e.code) for e in refused.value.errors}
    assert fields == {("category", ErrorCode.UNKNOWN_CATEGORY), ("description", Code.REQUIRED),
                      ("location", Code.REQUIRED)}  # fmt: skip
    with pytest.raises(ValidationFailed) as refused:
        submit(personas["resident"], park, where=(LON0 - 1, LAT0))
    assert refused.value.errors[0].code == ErrorCode.OUTSIDE_GRIDS
    assert Case.objects.count() == 0


def test_photos_keep_exif_for_the_case_and_publish_without_it(
    park, layout, personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the task runs once committed
        report = submit(personas["resident"], park, uploads=[upload(jpeg())])
    photo = Photo.objects.get(case=report.case)
    # 30°14' N = 30 + 14/60 = 30.23333; 119°50' E = 119 + 50/60 = 119.83333.
    assert photo.exif_lat == pytest.approx(30 + 14 / 60) and photo.exif_lon == pytest.approx(
        119 + 50 / 60
    )
    with photo.original.open("rb") as f:
        kept = Image.open(io.BytesIO(f.read()))
        assert kept.getexif().get_ifd(0x8825)  # the original still has its GPS block
    with photo.published.open("rb") as f:
        data = f.read()
    published = Image.open(io.BytesIO(data))
    assert dict(published.getexif()) == {} and b"Exif" not in data and b"PhoneModel" not in data
    assert published.size == (64, 48)


def test_the_published_copy_is_made_after_the_report_is_saved(
    park, layout, personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as after_commit:
        first = submit(personas["resident"], park, uploads=[upload(jpeg()), upload(jpeg())])
    # Saved with its originals and their EXIF location; the published copies not made yet.
    rows = list(Photo.objects.filter(case=first.case))
    assert len(rows) == 2 and all(p.original and not p.published for p in rows)
    assert all(p.exif_lat == pytest.approx(30 + 14 / 60) for p in rows)
    assert len(after_commit) == 1  # one event for the report's photos, its handler queues a task
    with django_capture_on_commit_callbacks(execute=True):
        after_commit[0]()
    assert all(p.published and p.content_type == "image/jpeg" for p in Photo.objects.all())
    # A task lost with the queue: the periodic sweep publishes what is left, once.
    with django_capture_on_commit_callbacks():  # never run
        second = submit(personas["resident"], park, uploads=[upload(jpeg())])
    assert not Photo.objects.get(case=second.case).published
    tasks.photos_publish_pending_all()
    assert Photo.objects.get(case=second.case).published
    assert photos.publish_pending() == 0


def test_photos_are_checked_by_content_and_size(park, layout, personas, monkeypatch):
    fake = upload(b"%PDF-1.4 not a photo" + b"0" * 200, name="x.jpg")
    with pytest.raises(ValidationFailed) as refused:
        submit(personas["resident"], park, uploads=[fake])
    assert refused.value.errors[0].field == "photos"
    assert refused.value.errors[0].code == Code.UNREADABLE
    monkeypatch.setattr(photos, "MAX_BYTES", 100)
    with pytest.raises(ValidationFailed) as refused:
        submit(personas["resident"], park, uploads=[upload(jpeg())])
    assert refused.value.errors[0].code == Code.TOO_LARGE
    with pytest.raises(ValidationFailed) as refused:
        submit(personas["resident"], park, uploads=[upload(b"x", name="a.gif")])
    assert refused.value.errors[0].code == Code.FILE_TYPE
    assert Case.objects.count() == 0


def test_an_anonymous_report_is_followed_by_its_code_alone(park, layout, personas):
    report = submit(personas["resident"], park, anonymous=True)
    assert report.reporter is None
    assert list(selectors.my_cases(user=personas["resident"])) == []
    assert selectors.tracked(code=report.tracking_code) == report.case


def test_likely_duplicates_are_offered_and_joined(park, layout, personas):
    first = submit(personas["resident"], park, now=at("2026-12-01")).case
    near = (IN_A1[0] + 0.0002, IN_A1[1])  # 0.0002° of longitude at 30.24°N ≈ 19 m
    other = personas["ent_b_user"]
    found = selectors.likely_duplicates(user=other, park=park, category="01.01", lon=near[0],
                                        lat=near[1], now=at("2026-12-02"))  # fmt: skip
    assert [d["case"] for d in found] == [first] and 15 < found[0]["metres"] < 25
    # Another category, 100 m away or 8 days later: not the same.
    far = (IN_A1[0] + 0.001, IN_A1[1])
    for category, where, now in (("01.02", near, "2026-12-02"), ("01.01", far, "2026-12-02"),
                                 ("01.01", near, "2026-12-09")):  # fmt: skip
        assert not selectors.likely_duplicates(
            user=other, park=park, category=category, lon=where[0], lat=where[1], now=at(now)
        )
    services.case_support(actor=other, case=first)
    assert Case.objects.get(pk=first.pk).supporters == 2
    assert first in selectors.my_cases(user=other)
    with pytest.raises(ValidationFailed) as refused:
        services.case_support(actor=other, case=first)
    assert refused.value.errors[0].code == ErrorCode.ALREADY_SUPPORTED
    assert Report.objects.filter(case=first).count() == 2


def test_who_sees_which_case(park, layout, worker, worker2, departments, personas):
    resident, ent_b = personas["resident"], personas["ent_b_user"]
    mine_private = submit(resident, park, public=False).case
    public_a2 = submit(personas["ent_a_user"], park, where=IN_A2).case
    private_a2 = submit(personas["ent_a_user"], park, where=IN_A2, public=False).case
    # A reporter: their own (public or not) and the published ones.
    assert set(selectors.case_queryset(resident)) == {mine_private, public_a2}
    # Another person of the park: the published ones only.
    assert set(selectors.case_queryset(ent_b)) == {public_a2}
    # A worker: their grid's (even unpublished), and what is published.
    assert set(selectors.case_queryset(worker)) == {mine_private, public_a2}
    assert set(selectors.case_queryset(worker2)) == {public_a2, private_a2}
    # A department: what is referred to it.
    officer = person("officer", park, granted=["city_department"])
    services.department_member_add(actor=personas["park_staff"], department=departments[
        "jiaojing"], user=officer)  # fmt: skip
    assert set(selectors.case_queryset(officer)) == {public_a2}
    services.case_refer(actor=worker2, case=private_a2, department=departments["jiaojing"])
    assert set(selectors.case_queryset(officer)) == {public_a2, private_a2}
    # Park staff and supervisors: every case; another park: none, and 404 on each.
    assert set(selectors.case_queryset(personas["supervisor"])) == {mine_private, public_a2,
                                                                   private_a2}  # fmt: skip
    assert not selectors.case_queryset(personas["other_park_admin"]).exists()
    from parkpilot.tenancy.errors import NotFound

    with pytest.raises(NotFound):
        selectors.case_get(user=personas["other_park_admin"], case_id=public_a2.pk)
    with pytest.raises(NotFound):
        selectors.case_get(user=ent_b, case_id=mine_private.pk)


def test_the_locator_answers_on_the_layout_drawn(park, layout):
    assert geo.locator.locate(park.pk, *IN_A2) == layout[1].pk
    assert GridMember.objects.count() == 0


def test_a_new_case_goes_to_the_grids_worker_before_its_supervisor(
    park, layout, worker, supervisor
):
    # Grid 1 has both on duty all day: the worker gets it (the supervisor is the fallback).
    assert services.worker_on_duty(grid=layout[0], at=at("2026-12-02")) == worker
    # Grid 2 has only the supervisor: then it is theirs.
    assert services.worker_on_duty(grid=layout[1], at=at("2026-12-02")) == supervisor
