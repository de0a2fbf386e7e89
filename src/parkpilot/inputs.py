"""The one input layer: a command's raw values become typed values here, field by field.

A page's form posts text ("12", "2026-11-30", ""), an API body carries typed values (12, a date,
None); a command's service hands both to the same `Fields` checks, so the page and the API refuse
the same input with the same message and code, and one answer names every bad field at once:

    fields = Fields()
    quantity = fields.whole("quantity", quantity, low=1, high=MAX_QUANTITY)
    year = fields.whole("year", year, low=2000, high=2100)
    fields.check()  # ValidationFailed naming each bad field, or nothing

Views never convert what was posted: they pass it on (`request.POST.get(name)`), or, to choose an
object by its id, call `posted_id`. A list's filters in the query string are not commands: a bad
one falls back to its default (`query_whole`), since a hand-edited address should show the page.
"""

import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parkpilot.tenancy.errors import Code, FieldError, ValidationFailed

BLANK = (None, "")
# One wording each; the API's own schema errors say the same (parkpilot/api.py).
WHOLE = gettext_lazy("Must be a whole number.")
NUMBER = gettext_lazy("Must be a number.")
DATE = gettext_lazy("A date as YYYY-MM-DD.")
MOMENT = gettext_lazy("A date and time as YYYY-MM-DD HH:MM.")


class Fields:
    """Collects each field's error, so a form shows them all at once; `check` raises them."""

    def __init__(self):
        self.errors: list[FieldError] = []

    def refuse(self, field: str, reason: str, code: str = Code.INVALID) -> None:
        self.errors.append(FieldError(field, reason, code))

    def check(self) -> None:
        if self.errors:
            raise ValidationFailed(list(self.errors))

    def _blank(self, field: str, value, required: bool) -> bool:
        if isinstance(value, str):
            value = value.strip()
        if value not in BLANK:
            return False
        if required:
            self.refuse(field, _("Required."), Code.REQUIRED)
        return True

    def _within(self, field: str, number, low, high) -> bool:
        if low is not None and number < low:
            self.refuse(field, _("At least %(low)s.") % {"low": low}, Code.OUT_OF_RANGE)
            return False
        if high is not None and number > high:
            self.refuse(field, _("At most %(high)s.") % {"high": high}, Code.OUT_OF_RANGE)
            return False
        return True

    def text(self, field: str, value, *, max_length: int, required: bool = True) -> str:
        """Stripped text ("" when blank and optional)."""
        if self._blank(field, value, required):
            return ""
        text = str(value).strip()
        if len(text) > max_length:
            reason = _("At most %(n)d characters.") % {"n": max_length}
            self.refuse(field, reason, Code.TOO_LONG)
        return text

    def whole(self, field: str, value, *, low=None, high=None, required: bool = True) -> int | None:
        """A whole number ("12", 12, "12.0" are 12; "1.5", "abc" and True are refused)."""
        if self._blank(field, value, required):
            return None
        number = _decimal_or_none(value)
        if number is None:
            self.refuse(field, str(WHOLE), Code.NOT_A_NUMBER)
            return None
        if number != number.to_integral_value():
            self.refuse(field, str(WHOLE), Code.FORMAT)
            return None
        return int(number) if self._within(field, number, low, high) else None

    def decimal(
        self, field: str, value, *, low=None, high=None, places: int | None = None,
        required: bool = True,
    ) -> Decimal | None:  # fmt: skip
        """An exact decimal; `places` refuses more decimals than the field keeps (never rounds
        a figure someone typed)."""
        if self._blank(field, value, required):
            return None
        number = _decimal_or_none(value)
        if number is None:
            self.refuse(field, str(NUMBER), Code.NOT_A_NUMBER)
            return None
        if places is not None and _decimals(number) > places:
            self.refuse(field, _("At most %(n)d decimals.") % {"n": places}, Code.FORMAT)
            return None
        return number if self._within(field, number, low, high) else None

    def date(self, field: str, value, *, low=None, high=None, required: bool = True):
        """A date, from a date or "YYYY-MM-DD"."""
        if self._blank(field, value, required):
            return None
        if isinstance(value, datetime.datetime):
            value = value.date()
        if not isinstance(value, datetime.date):
            try:
                value = datetime.date.fromisoformat(str(value).strip())
            except ValueError:
                self.refuse(field, str(DATE), Code.FORMAT)
                return None
        return value if self._within(field, value, low, high) else None

    def moment(self, field: str, value, *, tz=None, required: bool = True):
        """An aware datetime. A naive one (what a datetime-local field posts) is in `tz`, a zone
        name or tzinfo: a park's page passes its `Park.timezone`, since a time typed there is the
        park's wall clock; without it, the active time zone. An offset given is kept."""
        if self._blank(field, value, required):
            return None
        if not isinstance(value, datetime.datetime):
            try:
                value = datetime.datetime.fromisoformat(str(value).strip())
            except ValueError:
                self.refuse(field, str(MOMENT), Code.FORMAT)
                return None
        if timezone.is_aware(value):
            return value
        return timezone.make_aware(value, ZoneInfo(tz) if isinstance(tz, str) else tz)

    def choice(self, field: str, value, choices, *, required: bool = True) -> str:
        """One of a TextChoices' values ("" when blank and optional)."""
        if self._blank(field, value, required):
            return ""
        value = str(value).strip()
        if value not in choices.values:
            self.refuse(field, _("Not one of the choices."), Code.INVALID)
        return value


def _decimals(number: Decimal) -> int:
    """The decimals that carry a digit ("1.50" has 1, "1e30" none): counted from the digits, as
    quantizing a number this long would overflow the context's precision."""
    _sign, digits, exponent = number.as_tuple()
    if not any(digits):
        return 0
    trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -(exponent + trailing))


def _decimal_or_none(value) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def posted_id(request, field: str) -> int:
    """The id of the object a form chose; refused by field when missing or not an id."""
    fields = Fields()
    chosen = fields.whole(field, request.POST.get(field), low=1)
    fields.check()
    return chosen


def query_whole(request, name: str, default: int | None, *, low=None, high=None) -> int | None:
    """A whole-number filter from the query string, or `default` when absent or not one."""
    fields = Fields()
    number = fields.whole(name, request.GET.get(name), low=low, high=high, required=False)
    return default if fields.errors or number is None else number
