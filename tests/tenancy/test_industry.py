"""GB/T 4754-2017 catalogue (门类 / 大类) and industry-code validation."""

import string

import pytest
from django.utils import translation

from parkpilot.tenancy.industry import (
    IndustryCodeError,
    choices,
    division_name,
    label,
    load_catalogue,
    section_of,
    validate_industry_code,
)


def test_twenty_sections_a_to_t_in_order():
    assert list(load_catalogue().sections) == list(string.ascii_uppercase[:20])


def test_every_division_01_to_97_exactly_once_in_order():
    listed = [d.code for s in load_catalogue().sections.values() for d in s.divisions]
    assert listed == [f"{n:02d}" for n in range(1, 98)]
    assert len(load_catalogue().divisions) == 97


def test_divisions_per_section():
    sizes = {code: len(s.divisions) for code, s in load_catalogue().sections.items()}
    assert sizes == {
        "A": 5, "B": 7, "C": 31, "D": 3, "E": 4, "F": 2, "G": 8, "H": 2, "I": 3, "J": 4,
        "K": 1, "L": 2, "M": 3, "N": 4, "O": 3, "P": 1, "Q": 2, "R": 5, "S": 6, "T": 1,
    }  # fmt: skip


def test_names_are_unique_within_each_level_and_bilingual():
    catalogue = load_catalogue()
    for items in (catalogue.sections.values(), catalogue.divisions.values()):
        items = list(items)
        assert len({i.name for i in items}) == len(items)
        assert all(i.name and i.name_en for i in items)


@pytest.mark.parametrize(
    ("division", "section", "name"),
    [
        ("01", "A", "农业"),
        ("05", "A", "农、林、牧、渔专业及辅助性活动"),
        ("11", "B", "开采专业及辅助性活动"),
        ("13", "C", "农副食品加工业"),
        ("34", "C", "通用设备制造业"),
        ("35", "C", "专用设备制造业"),
        ("38", "C", "电气机械和器材制造业"),
        ("39", "C", "计算机、通信和其他电子设备制造业"),
        ("40", "C", "仪器仪表制造业"),
        ("43", "C", "金属制品、机械和设备修理业"),
        ("44", "D", "电力、热力生产和供应业"),
        ("58", "G", "多式联运和运输代理业"),
        ("65", "I", "软件和信息技术服务业"),
        ("73", "M", "研究和试验发展"),
        ("79", "N", "土地管理业"),
        ("96", "S", "基层群众自治组织及其他组织"),
        ("97", "T", "国际组织"),
    ],
)
def test_known_divisions(division, section, name):
    assert section_of(division) == section
    assert division_name(division) == name
    assert division_name(section + division) == name


@pytest.mark.parametrize(
    ("section", "name"),
    [
        ("C", "制造业"),
        ("D", "电力、热力、燃气及水生产和供应业"),
        ("I", "信息传输、软件和信息技术服务业"),
    ],
)
def test_known_sections(section, name):
    assert load_catalogue().sections[section].name == name


@pytest.mark.parametrize(
    ("code", "shown"),
    [("C34", "C34 通用设备制造业"), ("c 38", "C38 电气机械和器材制造业"), ("C", "C 制造业"),
     ("", ""), ("—", "—"), ("Z99", "Z99"), ("D34", "D34")],
)  # fmt: skip
def test_label_names_a_known_code_and_shows_anything_else_as_stored(code, shown):
    assert label(code) == shown


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [("C34", "C34"), ("c34", "C34"), ("c 34", "C34"), (" C-34 ", "C34"), ("Ｃ３４", "C34")],
)
def test_division_codes_normalize(raw, normalized):
    assert validate_industry_code(raw) == normalized


@pytest.mark.parametrize(("raw", "normalized"), [("C", "C"), (" t ", "T")])
def test_section_only_is_accepted(raw, normalized):
    assert validate_industry_code(raw) == normalized


def test_division_in_the_wrong_section_is_refused_with_the_reason():
    with pytest.raises(IndustryCodeError) as info:
        validate_industry_code("A34")
    assert info.value.code == "section_mismatch"
    assert info.value.reason == "大类34属于门类C，不属于门类A。"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("Z99", "unknown_section"),
        ("U", "unknown_section"),
        ("T98", "unknown_division"),
        ("A00", "unknown_division"),
        ("C3411", "format"),
        ("34", "format"),
        ("", "format"),
        ("C3", "format"),
    ],
)
def test_bad_codes_are_refused(raw, code):
    with pytest.raises(IndustryCodeError) as info:
        validate_industry_code(raw)
    assert info.value.code == code
    assert info.value.reason.endswith("。")  # zh-Hans, the default
    with translation.override("en"), pytest.raises(IndustryCodeError) as english:
        validate_industry_code(raw)
    assert english.value.reason != info.value.reason
    assert not any("\u4e00" <= c <= "\u9fff" for c in english.value.reason)


def test_unknown_division_lookups_raise():
    with pytest.raises(IndustryCodeError):
        section_of("98")
    with pytest.raises(IndustryCodeError):
        division_name("A34")


def test_choices_cover_every_division_for_forms():
    pairs = choices()
    assert len(pairs) == 97
    assert pairs[0] == ("A01", "A01 农业")
    assert ("C34", "C34 通用设备制造业") in pairs
    assert all(validate_industry_code(value) == value for value, _ in pairs)
