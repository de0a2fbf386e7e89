"""统一社会信用代码 (GB 32100-2015): validation and invented demo codes.

Length, character set and the 18th check character are delegated to python-stdnum
(``stdnum.cn.uscc``). This module adds bilingual reasons and the GB 11714 check of the
embedded 9-character organisation code, which stdnum does not verify.
"""

from __future__ import annotations

import hashlib
import unicodedata

from django.utils.translation import gettext
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError

# GB 32100 character set: digits and capitals without I, O, Z, S, V (the same set stdnum uses).
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

# GB 11714 (organisation code) weights for its 8 body characters; the 9th is the check.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


class CreditCodeError(ValueError):
    """An invalid credit code: ``code`` is for machines, ``reason`` (zh / en) for people."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def normalize(value: str) -> str:
    """Fold full-width characters, drop all whitespace and hyphens, upper-case."""
    # NFKC because codes typed with a Chinese IME often arrive as full-width "９１…".
    folded = unicodedata.normalize("NFKC", value)
    return uscc.compact("".join(folded.split()))


def validate_credit_code(value: str, *, check_org_code: bool = True) -> str:
    """Return the normalized 18-character code, or raise CreditCodeError."""
    number = normalize(value)
    try:
        uscc.validate(number)
    # InvalidLength subclasses InvalidFormat in stdnum, so it must be caught first.
    except InvalidLength:
        raise CreditCodeError(
            "length",
            gettext("Must be 18 characters, got %(n)d.") % {"n": len(number)},
        ) from None
    except InvalidChecksum:
        raise _checksum_error(number) from None
    except ValidationError:
        raise _format_error(number) from None
    if check_org_code:
        _check_org_code(number)
    return number


def make_demo_credit_code(seed: str, *, region: str = "330185") -> str:
    """A valid, invented enterprise code (91 + region + org code) derived from ``seed``.

    The default region 330185 is the pre-2017 临安市 code still carried by enterprises
    registered before 临安 became a district (the district's own code is 330112).
    """
    if not (len(region) == 6 and region.isascii() and region.isdigit()):
        raise ValueError(f"region must be a 6-digit administrative code, got {region!r}")
    # surrogatepass so that any Python str, even one with lone surrogates, has a code.
    number = int.from_bytes(hashlib.sha256(seed.encode("utf-8", "surrogatepass")).digest())
    body = ""
    for _ in range(8):
        number, index = divmod(number, len(ALPHABET))
        body += ALPHABET[index]
    first17 = "91" + region + body + org_check_char(body)
    return validate_credit_code(first17 + uscc.calc_check_digit(first17))


def org_check_char(body: str) -> str:
    """GB 11714 check character for an 8-character organisation-code body."""
    # stdnum has no GB 11714 module. Letters count 10..35, i.e. their base-36 value.
    total = sum(int(char, 36) * weight for char, weight in zip(body, _ORG_WEIGHTS, strict=True))
    return "0123456789X0"[11 - total % 11]


def _checksum_error(number: str) -> CreditCodeError:
    expected = uscc.calc_check_digit(number[:17])
    return CreditCodeError(
        "checksum",
        gettext("Wrong check character: the 18th should be %(expected)s, got %(got)s.")
        % {"expected": expected, "got": number[17]},
    )


def _format_error(number: str) -> CreditCodeError:
    # stdnum only says "invalid format"; find the first offending position to explain it.
    for position, char in enumerate(number, start=1):
        if position <= 8 and not ("0" <= char <= "9"):
            return CreditCodeError(
                "format",
                gettext(
                    "Character %(position)d (%(char)s) must be a digit (the first 8 are the "
                    "registering authority, the organisation type and the region code)."
                )
                % {"position": position, "char": char},
            )
        if char not in ALPHABET:
            return CreditCodeError(
                "format",
                gettext(
                    "Character %(position)d (%(char)s) is not allowed (digits and capitals "
                    "except I, O, Z, S, V)."
                )
                % {"position": position, "char": char},
            )
    return CreditCodeError("format", gettext("Invalid format."))


def _check_org_code(number: str) -> None:
    expected = org_check_char(number[8:16])
    if number[16] != expected:
        raise CreditCodeError(
            "org_checksum",
            gettext(
                "Wrong organisation-code check character: the 17th should be %(expected)s, "
                "got %(got)s."
            )
            % {"expected": expected, "got": number[16]},
        )
