"""The report's basis section, read back from the PDF text (pypdf): both scope 2 figures, the
green power deducted, factor ids / versions / documents (the 2023 factor carried forward to a
2024+ month, marked), the steam condition and enthalpy, storage losses.

Hand numbers, March 2026:
  electricity 10,000 kWh × 0.5500 kgCO2/kWh (华东 2023, 《关于发布2023年电力二氧化碳排放因子的
      公告》 生态环境部 国家统计局 2026-01, carried forward to 2026) = 5.500 t  (location-based)
  3 绿证 = 3 MWh: (10,000 − 3,000) × 0.5500 = 3.850 t                          (market-based)
  steam 10 t at 1.0 MPa gauge, saturated: h'' 2780.711 − h'(20 °C) 83.920 = 2696.791 kJ/kg
      = 2.696791 GJ/t (IAPWS-IF97, stored to 6 decimals) → 26.96791 GJ × 0.11 tCO2/GJ
      = 2.9664701 t (heat default, 《工业其他行业企业温室气体排放核算方法与报告指南（试行）》)
  location scope 2 = 5.5 + 2.9664701 = 8.4664701 t; market = 3.85 + 2.9664701 = 6.8164701 t"""

import io
import re
from datetime import date

import pytest
from carbon_helpers import feed, ramp
from pypdf import PdfReader

from parkpilot.carbon import services, services_green
from parkpilot.energy.models import MeteringPoint, RegisterType
from parkpilot.energy.registry import registry
from parkpilot.tenancy.actors import system_actor

pytestmark = pytest.mark.django_db
NOTICE_2023 = "《关于发布2023年电力二氧化碳排放因子的公告》生态环境部 国家统计局 2026-01"


@pytest.fixture
def report(park, zone, ent_a, make_point, factors, personas):
    services.factor_create(
        actor=system_actor(park), via="test", park=park, carrier="electricity", quantity="co2",
        region="east_china", year=2023, value="0.5500", unit="kgCO2/kWh", document=NOTICE_2023,
        effective_from=date(2026, 1, 15),
    )  # fmt: skip
    make_point("A-E1", owner=ent_a, zone=zone)
    make_point("A-ESS-C", owner=ent_a, zone=zone, kind="storage_charge")
    make_point("A-ESS-D", owner=ent_a, zone=zone, kind="storage_discharge")
    MeteringPoint.objects.create(
        park=park, code="A-STM", owner=ent_a, zone=zone, kind="steam", unit="t",
        register=RegisterType.CUMULATIVE, rated_max_per_h=1000, interval_s=900,
        gateway=personas["gateway"], steam_pressure_mpa=1.0,
    )  # fmt: skip
    registry.invalidate()
    feed(park, {"A-E1": ramp(10000), "A-STM": ramp(10), "A-ESS-C": ramp(400),
                "A-ESS-D": ramp(350)}, day="2026-03-15")  # fmt: skip
    services_green.purchase_create(
        actor=system_actor(park), via="test", park=park, enterprise_id=ent_a.pk, kind="certificate",
        quantity_mwh="3", period_start="2026-03-01", period_end="2026-03-31",
        seller="某风电场", certificates="GEC-26-0001 GEC-26-0002 GEC-26-0003",
    )  # fmt: skip
    services.settings_upsert(actor=system_actor(park), via="test", park=park, year=2026)
    return services.report_generate(
        actor=system_actor(ent_a.park), via="test", enterprise_id=ent_a.pk, year=2026, month=3
    )


def test_the_pdf_states_both_scope2_figures_and_the_steam_condition(report):
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(bytes(report.pdf))).pages)
    # Table cells wrap and extraction adds spaces: compare without any whitespace.
    text = re.sub(r"\s", "", text)
    s = report.content["basis"]["scope2"]
    assert round(s["location_scope2_co2_t"], 7) == 8.4664701
    assert round(s["market_scope2_co2_t"], 7) == 6.8164701
    assert s["green_kwh_applied"] == 3000.0
    for words in ("基于位置", "基于市场", "8.466", "6.816", "GEC-26-0001"):
        assert words in text, words
    # The steam condition and its enthalpy.
    for words in ("表压1.0MPa", "饱和蒸汽", "2780.7", "83.9", "2.6968", "IAPWS-IF97"):
        assert words in text, words
    # The 2023 factor on a 2026 month: id, version, document, marked carried forward.
    factor = next(f for f in report.content["basis"]["factors"] if f["key"] == "electricity.co2")
    assert (factor["year"], factor["applied_year"], factor["carried_forward"]) == (2023, 2026, True)
    assert f"EF-{factor['id']}-v1" in text  # the id and version as every report line names them
    assert "沿用2023年公布值" in text and "关于发布2023年电力二氧化碳排放因子的公告" in text
    # The issue block's factor table (every version's) marks it carried forward too.
    issued = next(f for f in report.content["document"]["factors"] if f["id"] == factor["id"])
    assert (issued["ref"], issued["carried_forward"], issued["applied_year"]) == (
        f"EF-{factor['id']}-v1",
        True,
        2026,
    )
    # Storage: 400 − 350 = 50 kWh round-trip loss, its own line.
    assert report.content["basis"]["electricity"]["storage_loss_kwh"] == 50.0
    assert "往返损耗50kWh" in text
