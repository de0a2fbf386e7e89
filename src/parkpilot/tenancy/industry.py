"""GB/T 4754-2017 国民经济行业分类 at 门类 (section A–T) and 大类 (division 01–97) level."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType

import yaml
from django.utils.translation import gettext

_DATA_PACKAGE = "parkpilot.tenancy.data"
_DATA_FILE = "gbt4754_2017.yaml"
# After normalization: a section letter, optionally followed by a two-digit division.
_CODE_RE = re.compile(r"([A-Z])([0-9]{2})?")


class IndustryCodeError(ValueError):
    """An invalid industry code: ``code`` is for machines, ``reason`` (zh / en) for people."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    name_en: str
    section: str


@dataclass(frozen=True)
class Section:
    code: str
    name: str
    name_en: str
    divisions: tuple[Division, ...]


@dataclass(frozen=True)
class Catalogue:
    sections: MappingProxyType[str, Section]
    divisions: MappingProxyType[str, Division]


@functools.cache
def load_catalogue() -> Catalogue:
    """Read the packaged YAML once; read-only mappings because the result is shared."""
    text = resources.files(_DATA_PACKAGE).joinpath(_DATA_FILE).read_text(encoding="utf-8")
    sections: dict[str, Section] = {}
    divisions: dict[str, Division] = {}
    for raw in yaml.safe_load(text)["sections"]:
        code = _text(raw["code"])
        section_divisions = tuple(
            Division(_text(d["code"]), _text(d["name"]), _text(d["name_en"]), code)
            for d in raw["divisions"]
        )
        for division in section_divisions:
            if division.code in divisions:
                raise ValueError(f"{_DATA_FILE}: division {division.code} listed twice")
            divisions[division.code] = division
        sections[code] = Section(code, _text(raw["name"]), _text(raw["name_en"]), section_divisions)
    return Catalogue(MappingProxyType(sections), MappingProxyType(divisions))


def section_of(division: str) -> str:
    """Section letter of a two-digit division code, e.g. "34" -> "C"."""
    return _division(division).section


def division_name(code: str) -> str:
    """Chinese name of a division given as "34" or "C34"."""
    if code[:1].isalpha():
        code = validate_industry_code(code)[1:]
    return _division(code).name


def label(code: str) -> str:
    """A code with its name, for pages: "C34 通用设备制造业", or "C 制造业" for a section.
    Anything else (an empty or unknown code) is shown as stored rather than failing the page."""
    try:
        normal = validate_industry_code(code)
    except IndustryCodeError:
        return code
    if len(normal) == 1:
        return f"{normal} {load_catalogue().sections[normal].name}"
    return f"{normal} {_division(normal[1:]).name}"


def validate_industry_code(value: str) -> str:
    """Normalize "C34" / "c 34" / "C" to "C34" / "C"; raise IndustryCodeError otherwise."""
    # NFKC folds full-width input such as "Ｃ３４" typed with a Chinese IME.
    text = "".join(unicodedata.normalize("NFKC", value).split()).replace("-", "").upper()
    match = _CODE_RE.fullmatch(text)
    if match is None:
        raise IndustryCodeError(
            "format",
            gettext(
                "%(value)s is not a section letter optionally followed by a two-digit "
                "division, e.g. C34 or C."
            )
            % {"value": value},
        )
    letter, digits = match.groups()
    catalogue = load_catalogue()
    if letter not in catalogue.sections:
        raise IndustryCodeError(
            "unknown_section", gettext("Unknown section %(s)s (A–T).") % {"s": letter}
        )
    if digits is None:
        return letter
    actual = _division(digits).section
    if actual != letter:
        raise IndustryCodeError(
            "section_mismatch",
            gettext("Division %(d)s belongs to section %(actual)s, not %(s)s.")
            % {"d": digits, "actual": actual, "s": letter},
        )
    return letter + digits


def choices() -> list[tuple[str, str]]:
    """("C34", "C34 通用设备制造业") pairs for every division, in catalogue order."""
    return [
        (f"{d.section}{d.code}", f"{d.section}{d.code} {d.name}")
        for d in load_catalogue().divisions.values()
    ]


def _division(code: str) -> Division:
    try:
        return load_catalogue().divisions[code]
    except KeyError:
        raise IndustryCodeError(
            "unknown_division",
            gettext("Unknown division %(d)s (01–97).") % {"d": code},
        ) from None


def _text(value: object) -> str:
    # Guards against an unquoted YAML code silently turning into an int or a bool.
    if not isinstance(value, str):
        raise ValueError(f"{_DATA_FILE}: expected a quoted string, got {value!r}")
    return value
