"""The 宗地代码 of GB/T 37346-2019 (不动产单元设定与代码编制规则), checked for its structure.

A parcel's code is the first 19 characters of the 28-character 不动产单元代码, five levels:
  6 digits  县级行政区划 (GB/T 2260, e.g. 330112 临安区)
  3 digits  地籍区
  3 digits  地籍子区
  2 letters 宗地特征码: the land's ownership (G 国家, J 集体, Z 争议/未确权) and the kind of
            right (A 集体土地所有权, B/S/X 建设用地使用权 地表/地上/地下, C 宅基地, D/E/F 土地承包
            经营权 耕地/林地/草地, H 海域, G 无居民海岛, W 使用权未定或有争议, Y 其他)
  5 digits  宗地顺序号 (from 00001)
Only the structure is checked: whether the parcel exists is the 不动产登记 register's question."""

import re

from django.utils.translation import gettext as _

OWNERSHIP = "GJZ"
RIGHT = "ABSXCDEFHGWY"
_SHAPE = re.compile(r"^(\d{6})(\d{3})(\d{3})([A-Z])([A-Z])(\d{5})$")


def parcel_code_problem(code: str) -> str | None:
    """Why `code` is not a 宗地代码 of the standard's structure, or None when it is."""
    m = _SHAPE.match(code)
    if m is None:
        return _(
            "A parcel code is 19 characters: 6 digits of the county, 3 of the cadastral "
            "district, 3 of the sub-district, 2 letters and a 5-digit number (GB/T 37346-2019)."
        )
    county, district, sub, ownership, right, number = m.groups()
    if county.endswith("00") or county[:2] < "11":
        return _("The first 6 digits must be a county-level division code (GB/T 2260).")
    if district == "000" or sub == "000":
        return _("The cadastral district and sub-district are numbered from 001.")
    if ownership not in OWNERSHIP:
        return _("The 13th character is the ownership: G (state), J (collective) or Z.")
    if right not in RIGHT:
        return _("The 14th character is not a kind of right of GB/T 37346-2019.")
    if (right == "A" and ownership != "J") or (right == "C" and ownership != "J"):
        return _("Collective ownership (A) and homesteads (C) are J parcels only.")
    if number == "00000":
        return _("The parcel number is numbered from 00001.")
    return None
