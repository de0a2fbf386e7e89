"""Grid governance page routes that name an object (tests/tenancy/test_page_isolation.py): a case
that is not published, reported by enterprise A's user, is theirs; enterprise B's user and
another park's admin get 404 on it, its steps and its photos."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from helpers import PageCase
from parkpilot.grid import photos, services
from parkpilot.grid.models import Photo

RING = [[119.80, 30.24], [119.81, 30.24], [119.81, 30.25], [119.80, 30.25], [119.80, 30.24]]


def _case(personas, ent_a, photo=False):
    services.grid_create(
        actor=personas["park_staff"], park=ent_a.park, code="330112003001001", name="网格一",
        boundary={"type": "Polygon", "coordinates": [RING]},
    )  # fmt: skip
    uploads = []
    if photo:
        out = io.BytesIO()
        Image.new("RGB", (8, 8)).save(out, format="JPEG")
        uploads = [SimpleUploadedFile("p.jpg", out.getvalue(), "image/jpeg")]
    report = services.report_submit(
        actor=personas["ent_a_user"], park=ent_a.park, category="01.01", description="垃圾",
        lon=119.805, lat=30.245, public=False, uploads=uploads,
    )  # fmt: skip
    return report.case


def _detail(personas, ent_a):
    case = _case(personas, ent_a)
    return {"case_id": case.pk}, case


def _photo(personas, ent_a):
    case = _case(personas, ent_a, photo=True)
    photos.publish_pending()  # what the task does after the report: the published copy
    photo = Photo.objects.get(case=case)
    return {"photo_id": photo.pk}, photo


PAGE_CASES = {
    "grid:case": PageCase(_detail, owner="ent_a_user"),
    "grid:case_step": PageCase(_detail, owner="ent_a_user"),
    "grid:photo": PageCase(_photo, owner="ent_a_user"),
}
