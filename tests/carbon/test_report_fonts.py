"""The report's cut font (carbon/report_fonts.py): the common characters in a small face, a
rare character still set (in the full Noto Sans CJK SC) and extracted from the PDF."""

import io

import pytest
from carbon_helpers import feed, ramp
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from parkpilot.carbon import report_fonts, reports, services
from parkpilot.tenancy.actors import system_actor

pytestmark = pytest.mark.django_db


def test_cut_faces_hold_gb2312_and_are_a_fifth_of_noto():
    faces = report_fonts.faces()
    assert set(faces) == {"normal", "bold"}
    for path in faces.values():
        font = TTFont(path)
        cmap = font.getBestCmap()
        # GB 2312 characters, full-width punctuation and the units' symbols are in...
        for char in "碳排放强度园区，。（）：；、℃²×—·":
            assert ord(char) in cmap, char
        # ...堃 (GBK, not GB 2312) is not: it falls back to the full font.
        assert ord("堃") not in cmap
        # Noto Sans CJK has 65,535 glyphs; the cut keeps GB 2312's (7,445 characters and
        # symbols in all) and no alternate forms: with them it had 14,158.
        assert font["maxp"].numGlyphs < 9000
        # Only kerning of the layout features: no vertical or traditional alternates.
        features = {
            record.FeatureTag
            for table in ("GSUB", "GPOS")
            if table in font
            for record in font[table].table.FeatureList.FeatureRecord
        }
        assert features == {"kern"}


def font_names(pdf) -> set[str]:
    return {
        str(font.get_object()["/BaseFont"]).split("+", 1)[1]
        for page in pdf.pages
        for font in page["/Resources"]["/Font"].values()
    }


def test_report_pdf_uses_the_cut_font_and_a_rare_character_falls_back(
    park, zone, ent_a, make_point, factors
):
    make_point("A-E1", owner=ent_a, zone=zone)
    feed(park, {"A-E1": ramp(10000)})
    content = reports.build_content(enterprise=ent_a, year=2022, month=3)
    common = PdfReader(io.BytesIO(reports.render_pdf(content)))
    assert font_names(common) == {"ParkPilot-Report-SC", "ParkPilot-Report-SC-Bold"}

    content["enterprise"]["name"] = "杭州堃喆科技有限公司"  # 堃 and 喆 are not in GB 2312
    rare = PdfReader(io.BytesIO(reports.render_pdf(content)))
    text = "".join(page.extract_text() for page in rare.pages).replace("\n", "")
    assert "杭州堃喆科技有限公司" in text
    assert "Noto-Sans-CJK-SC-Bold" in font_names(rare)  # the name is set in bold


def test_issued_report_pdf_is_smaller_than_with_the_full_font(park, zone, ent_a, make_point,
                                                             factors):  # fmt: skip
    """Each embedded subset kept the full font's 65,000 glyph slots (about 165 KB a face,
    compressed); from the cut face it keeps about 14,000."""
    make_point("A-E1", owner=ent_a, zone=zone)
    feed(park, {"A-E1": ramp(10000)})
    report = services.report_issue(
        actor=system_actor(ent_a.park), via="test", enterprise_id=ent_a.pk, year=2022, month=3
    )
    assert len(bytes(report.pdf)) < 200_000
