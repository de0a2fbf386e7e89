"""Park staff upload a CSV of readings and watch the import finish; the page also shows the
simulator's history back-fill."""

import pytest
from playwright.sync_api import expect

from helpers import screenshot, sign_in
from parkpilot.demo.services import demo_load
from parkpilot.energy.models import Reading
from parkpilot.energy.models_ops import IntakeJob
from parkpilot.energy.registry import registry
from parkpilot.tenancy.models import Park

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = (
    "point,ts,value,unit\n"
    "E01-EL-001,2026-11-20T08:00:00+08:00,1000.00,kWh\n"
    "E01-EL-001,2026-11-20T08:15:00+08:00,1002.50,kWh\n"
    "E01-EL-002,2026-11-20T08:00:00+08:00,500.00,kWh\n"
    "E01-EL-002,2026-11-20T08:15:00,501.00,kWh\n"
    "NO-SUCH-POINT,2026-11-20T08:00:00+08:00,1,kWh\n"
)


@pytest.fixture
def demo_park(transactional_db):
    registry.invalidate()
    demo_load()
    park = Park.objects.get(code="qingshanhu")
    IntakeJob.objects.create(
        park=park,
        kind="backfill",
        status="running",
        total=360,
        done=117,
        accepted=117 * 34104,
        file_name="simulator",
        message="2026-08-25T12:30:00+08:00/2026-11-23T12:30:00+08:00",
    )
    yield park
    registry.invalidate()


def test_staff_upload_a_csv_and_see_the_result(demo_park, live_server, new_page, tmp_path):
    path = tmp_path / "readings.csv"
    path.write_text(CSV)
    page = new_page()
    sign_in(page, live_server.url, "staff")
    page.goto(f"{live_server.url}/energy/import/")
    expect(page.get_by_test_id("import-title")).to_have_text("导入计量读数")
    backfill = page.get_by_test_id("backfill-jobs")
    expect(backfill).to_contain_text("117 / 360")
    page.get_by_test_id("file-input").set_input_files(str(path))
    page.get_by_test_id("upload-submit").click()
    job = page.locator("#current-job section.intake-job")
    expect(job).to_have_attribute("data-status", "done")
    expect(job.get_by_test_id("job-accepted")).to_have_text("3")
    expect(job.get_by_test_id("job-rejected")).to_have_text("2")
    job.get_by_test_id("job-errors").locator("summary").click()
    expect(job.get_by_test_id("job-errors")).to_contain_text("时间戳缺少时区偏移")
    assert Reading.objects.count() == 3
    screenshot(page, "energy-import-staff")


def test_a_wrong_file_names_the_field(demo_park, live_server, new_page, tmp_path):
    path = tmp_path / "readings.json"
    path.write_text("[]")
    page = new_page()
    sign_in(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/energy/import/")
    page.get_by_test_id("file-input").set_input_files(str(path))
    page.get_by_test_id("upload-submit").click()
    expect(page.get_by_test_id("error-file")).to_contain_text("只接受 CSV 或 XLSX 文件")
    assert IntakeJob.objects.filter(kind="import").count() == 0


def test_an_enterprise_user_cannot_open_the_page(demo_park, live_server, new_page):
    page = new_page()
    sign_in(page, live_server.url, "hangcha-user")
    assert page.goto(f"{live_server.url}/energy/import/").status == 403
