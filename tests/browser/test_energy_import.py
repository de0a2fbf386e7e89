"""Park staff upload a CSV of readings and watch the import finish; the page also shows the
simulator's history back-fill."""

import pytest
from playwright.sync_api import expect

from helpers import screenshot, sign_in
from parkpilot.demo.services import demo_load
from parkpilot.energy.models import MeteringPoint, Reading
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


REGISTRY_BAD = (
    "code,kind,unit,register,rated_max_per_h\n"
    "NEW-EL-001,grid_import,kWh,cumulative,500\n"
    "NEW-EL-002,grid_import,kWh,sometimes,500\n"  # row 3: not a register type
    "NEW-EL-001,grid_import,kWh,cumulative,lots\n"  # row 4: same code, not a number
)


def test_staff_import_points_and_see_bad_rows_and_progress(
    demo_park, live_server, new_page, tmp_path
):
    IntakeJob.objects.create(
        park=demo_park,
        kind="points",
        status="running",
        phase="write",
        total=30_000,
        done=12_000,
        file_name="registry-2026-12.xlsx",
    )
    path = tmp_path / "registry.csv"
    path.write_text(REGISTRY_BAD)
    page = new_page()
    sign_in(page, live_server.url, "staff")
    page.goto(f"{live_server.url}/energy/import/")
    running = page.locator("[data-testid=import-jobs] section.intake-job[data-status=running]")
    expect(running.get_by_test_id("job-counts")).to_contain_text("12000 / 30000")
    expect(running.get_by_test_id("job-progress")).to_have_attribute("value", "40")
    page.get_by_test_id("point-file-input").set_input_files(str(path))
    page.get_by_test_id("point-upload-submit").click()
    job = page.locator("#current-point-job section.intake-job")
    expect(job).to_have_attribute("data-status", "failed")
    expect(job.get_by_test_id("job-rejected")).to_have_text("2")
    errors = job.get_by_test_id("job-errors")
    expect(errors).to_contain_text("须为 cumulative（累计）或 interval（区间）")
    expect(errors).to_contain_text("与第 2 行编码重复")
    expect(job.get_by_test_id("job-message")).to_contain_text("未导入任何计量点")
    assert not MeteringPoint.objects.filter(code__startswith="NEW-").exists()
    screenshot(page, "energy-point-import-staff")


def test_the_points_page_pages_through_all_1421_demo_points(demo_park, live_server, new_page):
    page = new_page()
    sign_in(page, live_server.url, "staff")
    page.goto(f"{live_server.url}/energy/")
    expect(page.get_by_test_id("point-count")).to_contain_text("共 1421 个")
    expect(page.get_by_test_id("point-rows").locator("tr")).to_have_count(50)
    page.get_by_test_id("next-page").click()
    expect(page.get_by_test_id("point-count")).to_contain_text("第 51–100 个")
    assert "page=2" in page.url
    page.get_by_label("能源种类").select_option("natural_gas")
    expect(page.get_by_test_id("point-count")).not_to_contain_text("共 1421 个")
    gas = MeteringPoint.objects.filter(park=demo_park, kind="natural_gas").count()
    expect(page.get_by_test_id("point-count")).to_contain_text(f"共 {gas} 个")
    page.goto(f"{live_server.url}/energy/?page=3")
    screenshot(page, "energy-points-paginated")
