"""Other apps' sections of the 碳体检报告 (plugins.ReportSection), with the bus app's staff
commuting as the real one: in the PDF and the XLSX, in the issued version's content (so in its
hash and its difference to the next version), named as demo input, and version 1 kept byte for
byte when version 2 is issued.

The commuting figures are those of tests/bus/test_bus_commuting.py (hand calculation there):
3 rides x 10.007557 km, DEFRA 2007 factors (bus 0.0891 kgCO2/passenger-km, car 0.2042
kgCO2/km): 0.002675 t by bus, 0.006131 t driving alone, 0.003456 t avoided. A fourth ride
adds 10.007557 km: 40.030228 passenger-km, avoided 40.030228 x (0.2042 - 0.0891) / 1000 =
0.004607 t."""

import datetime
import io
from decimal import Decimal

import pytest
from carbon_helpers import load_factors
from openpyxl import load_workbook
from pypdf import PdfReader

from helpers import isolation_module
from parkpilot import plugins
from parkpilot.bus import services as bus_services
from parkpilot.bus.models import Stop
from parkpilot.carbon import reports, services
from parkpilot.carbon.models import Report
from parkpilot.tenancy.actors import system_actor

pytestmark = pytest.mark.django_db

bus = isolation_module("bus")
AT_THE_BUS = datetime.datetime(2027, 3, 3, 0, 1, tzinfo=datetime.UTC)  # 08:01 in Shanghai


@pytest.fixture
def commuters(park, ent_a):
    from parkpilot.tenancy.models import Role, User

    load_factors(park, year=2027)
    driver = User.objects.create_user(
        username="driver", role=Role.RESIDENT, park=park, granted_roles=["bus_driver"]
    )
    trip = bus.network(park, seats=10, driver_user=driver)
    for stop, lat in zip(Stop.objects.filter(park=park).order_by("gtfs_id"),
                         ("30.20", "30.25", "30.29"), strict=True):  # fmt: skip
        stop.lat = Decimal(lat)
        stop.save(update_fields=["lat"])
    staff = [
        User.objects.create_user(
            username=f"commuter{n}", role=Role.ENTERPRISE_USER, park=park, enterprise=ent_a
        )
        for n in range(4)
    ]

    def ride(person):
        booking = bus_services.booking_create(actor=person, trip=trip, day=bus.DAY, now=bus.BEFORE)
        bus_services.booking_board(actor=driver, code=booking.code, now=AT_THE_BUS)

    for person in staff[:3]:
        ride(person)
    return lambda: ride(staff[3])


def _issue(ent, reason=""):
    return services.report_issue(
        actor=system_actor(ent.park), via="test", enterprise_id=ent.pk, year=2027, month=3,
        reason=reason,
    )  # fmt: skip


def _text(pdf: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")


def test_the_bus_app_declares_its_section_on_its_app_config_alone():
    [section] = [s for s in plugins.collected("report_sections") if s.key == "bus.commuting"]
    assert section.context == "parkpilot.bus.carbon_sections.report_section"


def test_the_commuting_section_is_in_the_pdf_the_xlsx_and_the_content(commuters, ent_a):
    report = _issue(ent_a)
    v1 = report.versions.get(version=1)
    [section] = v1.content["sections"]
    assert section["key"] == "bus.commuting" and section["title"] == "员工通勤（数字巴士）"
    assert section["data"]["total"]["avoided_co2_t"] == 0.003456
    text = _text(bytes(v1.pdf))
    assert "九、员工通勤（数字巴士）" in text
    assert "通勤 3 人次、30.0 人公里" in text and "减少 0.003" in text
    # The factors are a stand-in: the report says so at the top, naming the input.
    assert "通勤排放因子（公交、小汽车）" in v1.content["document"]["demo_inputs"]
    assert v1.is_demo
    wb = load_workbook(io.BytesIO(bytes(v1.xlsx)))
    assert wb.sheetnames[-1] == "员工通勤（数字巴士）"
    rows = list(wb["员工通勤（数字巴士）"].iter_rows(values_only=True))
    assert rows[0][:2] == ("线路", "乘车人次")
    assert rows[-1] == ("合计", 3, 30.023, 0.002675, 0.006131, 0.003456)
    # The files are made from the stored content alone: the same PDF again, byte for byte.
    assert reports.render_pdf(v1.content) == bytes(v1.pdf)


def test_a_reissue_keeps_version_1_and_shows_the_commuting_difference(commuters, ent_a):
    v1 = _issue(ent_a).versions.get(version=1)
    pdf, xlsx, content_sha = bytes(v1.pdf), bytes(v1.xlsx), v1.content_sha256
    commuters()  # a fourth colleague rides
    report = _issue(ent_a, reason="通勤数据更新")
    v1_again, v2 = report.versions.get(version=1), report.versions.get(version=2)
    assert (bytes(v1_again.pdf), bytes(v1_again.xlsx)) == (pdf, xlsx)
    assert v1_again.content_sha256 == content_sha
    assert v2.content_sha256 != content_sha  # the section's figures are in the hash
    changed = {r["key"]: r for r in v2.difference if r["changed"]}
    rides = changed["section.bus.commuting.rides"]
    assert (rides["before"], rides["after"]) == (3, 4)
    avoided = changed["section.bus.commuting.avoided_co2_t"]
    assert (avoided["before"], avoided["after"]) == (0.003456, 0.004607)
    assert "4 人次" in _text(bytes(v2.pdf))


def test_a_report_without_rides_has_no_section_and_its_content_is_as_before(park, ent_a):
    load_factors(park, year=2027)
    v1 = _issue(ent_a).versions.get(version=1)
    assert "sections" not in v1.content
    assert "员工通勤" not in _text(bytes(v1.pdf))


def test_a_failing_section_fails_the_report_instead_of_issuing_it_without(
    commuters, ent_a, monkeypatch
):
    from parkpilot.bus import carbon_sections

    def broken(**_kwargs):
        raise RuntimeError("bus figures unavailable")

    monkeypatch.setattr(carbon_sections, "report_section", broken)  # fault injection
    with pytest.raises(RuntimeError, match="bus figures unavailable"):
        _issue(ent_a)
    assert not Report.objects.filter(enterprise=ent_a).exists()


def test_chapters_and_sheet_names_of_sections():
    assert [reports._chapter(n) for n in (9, 10, 11, 20, 23)] == [
        "九",
        "十",
        "十一",
        "二十",
        "二十三",
    ]
    # Excel refuses []:*?/\ and names over 31 characters; two sections never share a sheet.
    assert reports._sheet_title("通勤/班车[试点]", {}) == "通勤_班车_试点_"
    taken = {"员工通勤": 1, "员工通勤 (2)": 1}
    assert reports._sheet_title("员工通勤", taken) == "员工通勤 (3)"
    assert len(reports._sheet_title("长" * 40, {"长" * 31: 1})) == 31
