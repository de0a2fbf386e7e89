"""统一社会信用代码 validation (GB 32100-2015) on top of python-stdnum."""

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from parkpilot.tenancy.credit_code import (
    ALPHABET,
    CreditCodeError,
    make_demo_credit_code,
    org_check_char,
    validate_credit_code,
)

# GB 32100 check character, worked by hand. Value of a character = its index in
#   0123456789ABCDEFGHJKLMNPQRTUWXY   (0-9 -> 0-9, A10 B11 C12 D13 E14 F15 G16 H17 J18 K19
#                                      L20 M21 N22 P23 Q24 R25 T26 U27 W28 X29 Y30)
# weights w_i = 3^i mod 31 for the first 17 characters:
#   1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
# check value = 31 - (sum mod 31), where 31 means 0.
#
# (1) 914403001922038216, 华为技术有限公司, published on its zh.wikipedia infobox (機構代碼).
#   chars   9  1  4   4  0   3  0  0   1    9   2   2  0   3   8   2   1
#   values  9  1  4   4  0   3  0  0   1    9   2   2  0   3   8   2   1
#   w*v     9  3 36 108  0  78  0  0  20  261  50  26  0  72  80  60  28
#   sum 831; 831 mod 31 = 25 (31*26 = 806); 31 - 25 = 6 -> "6".
#
# (2) 91330185J2YTPRCF3E, make_demo_credit_code("杭州临安示范企业有限公司") (invented).
#   chars   9  1  3   3  0   1    8   5    J   2    Y    T    P    R    C    F   3
#   values  9  1  3   3  0   1    8   5   18   2   30   26   23   25   12   15   3
#   w*v     9  3 27  81  0  26  128  85  360  58  750  338  184  600  120  450  84
#   sum 3303; 3303 mod 31 = 17 (31*106 = 3286); 31 - 17 = 14 -> "E".
#
# (3) 91330185QDL20XLW20, make_demo_credit_code("示范企业18") (invented): the "31 -> 0" case.
#   chars   9  1  3   3  0   1    8   5    Q    D    L   2  0    X    L    W   2
#   values  9  1  3   3  0   1    8   5   24   13   20   2  0   29   20   28   2
#   w*v     9  3 27  81  0  26  128  85  480  377  500  26  0  696  200  840  56
#   sum 3534; 3534 mod 31 = 0 (31*114 = 3534); 31 - 0 = 31 -> 0 -> "0".
#
# Characters 9-17 are a GB 11714 organisation code with its own check (17th character):
# weights 3,7,9,10,5,8,4,2 on the first 8, value = base-36 digit (A10 ... Z35, so letters
# count differently than above: J is 19 here, 18 there), check = 11 - (sum mod 11),
# 10 -> "X", 11 -> "0".
#   19220382 -> 3+63+18+20+0+24+32+4 = 164; 164 mod 11 = 10; 11 - 10 = 1 -> "1" (Huawei).
#   J2YTPRCF -> 19*3+2*7+34*9+29*10+25*5+27*8+12*4+15*2 = 1086; mod 11 = 8 -> "3".
#   QDL20XLW -> 26*3+13*7+21*9+2*10+0*5+33*8+21*4+32*2 = 790; mod 11 = 9 -> "2".
HUAWEI = "914403001922038216"
DEMO_E = "91330185J2YTPRCF3E"
DEMO_0 = "91330185QDL20XLW20"
VALID = [HUAWEI, DEMO_E, DEMO_0]


@pytest.mark.parametrize("code", VALID)
def test_hand_worked_codes_are_valid(code):
    assert validate_credit_code(code) == code


def test_demo_codes_match_the_hand_worked_examples():
    assert make_demo_credit_code("杭州临安示范企业有限公司") == DEMO_E
    assert make_demo_credit_code("示范企业18") == DEMO_0


@pytest.mark.parametrize(
    ("body", "check"), [("19220382", "1"), ("J2YTPRCF", "3"), ("QDL20XLW", "2")]
)
def test_org_check_char_matches_hand_worked_values(body, check):
    assert org_check_char(body) == check


@pytest.mark.parametrize(
    "raw",
    [
        "914403001922038216 ",
        " 9144 0300 1922 0382 16",
        "91440300-1922038216",
        "９１４４０３００１９２２０３８２１６",  # full-width digits, as some IMEs type them
    ],
)
def test_spaces_hyphens_and_full_width_are_normalized(raw):
    assert validate_credit_code(raw) == HUAWEI


def test_lowercase_is_upper_cased():
    assert validate_credit_code("91330185j2ytprcf3e") == DEMO_E


@pytest.mark.parametrize("raw", ["", "9144030019220382", HUAWEI + "0"])
def test_wrong_length(raw):
    with pytest.raises(CreditCodeError) as info:
        validate_credit_code(raw)
    assert info.value.code == "length"
    assert f"{len(raw)}" in info.value.reason


@pytest.mark.parametrize("letter", "IOZSV")
def test_forbidden_letters(letter):
    raw = DEMO_E[:10] + letter + DEMO_E[11:]
    with pytest.raises(CreditCodeError) as info:
        validate_credit_code(raw)
    assert info.value.code == "format"
    assert "第11位" in info.value.reason  # zh-Hans, the default
    with translation.override("en"), pytest.raises(CreditCodeError) as english:
        validate_credit_code(raw)
    assert "Character 11" in english.value.reason


def test_letter_in_region_part_is_a_format_error():
    with pytest.raises(CreditCodeError) as info:
        validate_credit_code("9133A185J2YTPRCF3E")
    assert info.value.code == "format"
    assert "第5位" in info.value.reason


@pytest.mark.parametrize(("raw", "expected"), [(HUAWEI[:17] + "7", "6"), (DEMO_0[:17] + "Y", "0")])
def test_wrong_check_character_names_the_expected_one(raw, expected):
    with pytest.raises(CreditCodeError) as info:
        validate_credit_code(raw)
    assert info.value.code == "checksum"
    assert f"第18位应为 {expected}" in info.value.reason
    with translation.override("en"), pytest.raises(CreditCodeError) as english:
        validate_credit_code(raw)
    assert f"should be {expected}" in english.value.reason


# Huawei's code with its organisation check "1" replaced by "2" and the 18th character
# recomputed so that only the GB 11714 check fails: the 17th weight is 28, so the sum
# becomes 831 + 28 = 859; 859 mod 31 = 22 (31*27 = 837); 31 - 22 = 9 -> "9".
BAD_ORG = "91440300192203822" + "9"


def test_wrong_organisation_check_character():
    with pytest.raises(CreditCodeError) as info:
        validate_credit_code(BAD_ORG)
    assert info.value.code == "org_checksum"
    assert "第17位应为 1" in info.value.reason
    assert validate_credit_code(BAD_ORG, check_org_code=False) == BAD_ORG


def test_every_single_substitution_of_a_real_code_is_rejected():
    for position in range(18):
        for char in ALPHABET.replace(HUAWEI[position], ""):
            mutated = HUAWEI[:position] + char + HUAWEI[position + 1 :]
            with pytest.raises(CreditCodeError):
                validate_credit_code(mutated)


@pytest.mark.parametrize("region", ["33018", "3301850", "33O185", "３３０１８５"])
def test_demo_code_rejects_a_bad_region(region):
    with pytest.raises(ValueError, match="region"):
        make_demo_credit_code("x", region=region)


# Why every single-character substitution is caught: changing character i from value a to
# b != a (both 0..30) moves the weighted sum by w_i * (b - a). 31 is prime, w_i = 3^i is
# never 0 mod 31 and 0 < |b - a| < 31, so the product is never 0 mod 31 and the required
# check character changes. Changing the check character itself is caught directly.
# Adjacent swaps are caught too: w_i * (b - a) * (1 - 3) != 0 mod 31, and swapping the 17th
# with the 18th moves the balance by (b - a) * (28 - 1).
demo_codes = st.builds(make_demo_credit_code, st.text())
valid_codes = st.one_of(st.sampled_from(VALID), demo_codes)


@given(st.text())
def test_every_demo_code_validates_and_is_deterministic(seed):
    code = make_demo_credit_code(seed)
    assert validate_credit_code(code) == code
    assert code.startswith("91330185")
    assert make_demo_credit_code(seed) == code


@given(st.text(), st.from_regex(r"[0-9]{6}", fullmatch=True))
def test_demo_code_uses_the_given_region(seed, region):
    code = make_demo_credit_code(seed, region=region)
    assert code[:8] == "91" + region
    assert validate_credit_code(code) == code


@given(valid_codes, st.integers(0, 17), st.sampled_from(ALPHABET))
def test_any_single_substitution_is_detected(code, position, char):
    if char == code[position]:
        return
    mutated = code[:position] + char + code[position + 1 :]
    with pytest.raises(CreditCodeError) as info:
        validate_credit_code(mutated)
    # A letter among the first 8 is a format error; everything else moves the 18th check.
    assert info.value.code in {"format", "checksum"}


@given(valid_codes, st.integers(0, 16))
def test_any_adjacent_transposition_is_detected(code, position):
    a, b = code[position], code[position + 1]
    if a == b:
        return
    with pytest.raises(CreditCodeError):
        validate_credit_code(code[:position] + b + a + code[position + 2 :])
