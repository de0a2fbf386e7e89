"""The one input layer: the same value refused the same way, from a form's text or an API's type."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import RequestFactory
from django.utils import timezone, translation

from parkpilot.inputs import Fields, posted_id, query_whole
from parkpilot.tenancy.errors import Code, ValidationFailed


def refused(check) -> dict[str, str]:
    """{field: code} of what one Fields refused."""
    fields = Fields()
    check(fields)
    return {e.field: e.code for e in fields.errors}


@pytest.mark.parametrize("value", ["12", 12, " 12 ", "12.0", Decimal("12")])
def test_whole_reads_text_and_numbers_alike(value):
    fields = Fields()
    assert fields.whole("n", value) == 12
    fields.check()


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", Code.REQUIRED),
        (None, Code.REQUIRED),
        ("   ", Code.REQUIRED),
        ("abc", Code.NOT_A_NUMBER),
        ("NaN", Code.NOT_A_NUMBER),
        ("Infinity", Code.NOT_A_NUMBER),
        (True, Code.NOT_A_NUMBER),
        ("1.5", Code.FORMAT),
        ("0", Code.OUT_OF_RANGE),
        ("101", Code.OUT_OF_RANGE),
    ],
)
def test_whole_refuses_by_field_and_code(value, code):
    assert refused(lambda f: f.whole("n", value, low=1, high=100)) == {"n": code}


def test_optional_blank_is_none_and_not_an_error():
    fields = Fields()
    assert fields.whole("n", "", required=False) is None
    assert fields.decimal("d", None, required=False) is None
    assert fields.date("day", "", required=False) is None
    assert fields.text("t", "  ", max_length=5, required=False) == ""
    assert fields.errors == []


def test_decimal_never_rounds_what_was_typed():
    fields = Fields()
    assert fields.decimal("price", "12.50", places=2) == Decimal("12.50")
    assert fields.decimal("price", "12.505", places=2) is None
    assert [(e.field, e.code) for e in fields.errors] == [("price", Code.FORMAT)]


@pytest.mark.parametrize(("value", "kept"), [("1.50", True), ("1.500", True), ("0.000", True),
                                           ("100", True), ("1e2", True), ("1.505", False),
                                           ("1e-3", False)])  # fmt: skip
def test_decimal_places_count_the_digits_that_carry(value, kept):
    fields = Fields()
    assert (fields.decimal("price", value, places=2) is not None) is kept
    assert [e.code for e in fields.errors] == ([] if kept else [Code.FORMAT])


def test_a_number_longer_than_the_context_is_bounded_not_crashed():
    """1e30 once raised InvalidOperation in the places check (a 500): now the bound refuses it."""
    fields = Fields()
    assert fields.decimal("price", "1e30", places=2, high=Decimal("999.99")) is None
    assert [(e.field, e.code) for e in fields.errors] == [("price", Code.OUT_OF_RANGE)]


def test_every_bad_field_is_named_at_once():
    fields = Fields()
    fields.whole("quantity", "many")
    fields.date("on", "30/11/2026")
    fields.text("name", "x" * 11, max_length=10)
    with pytest.raises(ValidationFailed) as caught:
        fields.check()
    assert [(e.field, e.code) for e in caught.value.errors] == [
        ("quantity", Code.NOT_A_NUMBER),
        ("on", Code.FORMAT),
        ("name", Code.TOO_LONG),
    ]


def test_dates_from_text_dates_and_datetimes():
    fields = Fields()
    day = datetime.date(2026, 11, 30)
    assert fields.date("on", "2026-11-30") == day
    assert fields.date("on", day) == day
    assert fields.date("on", datetime.datetime(2026, 11, 30, 8)) == day
    assert fields.date("on", "2026-12-01", high=day) is None
    assert [e.code for e in fields.errors] == [Code.OUT_OF_RANGE]


@pytest.mark.django_db
def test_a_naive_moment_is_in_the_parks_time_zone():
    fields = Fields()
    with timezone.override("Asia/Shanghai"):
        moment = fields.moment("at", "2026-11-30T08:00")
    assert moment == datetime.datetime(2026, 11, 30, 0, 0, tzinfo=datetime.UTC)
    assert fields.moment("at", "tomorrow") is None
    assert [e.code for e in fields.errors] == [Code.FORMAT]


@pytest.mark.django_db
def test_a_naive_moment_typed_on_a_parks_page_is_in_the_given_zone():
    """A page passes Park.timezone: 08:00 typed in Shanghai is 00:00 UTC whatever the active
    zone; a time given with its offset keeps it."""
    fields = Fields()
    with timezone.override("Europe/London"):
        shanghai = fields.moment("at", "2026-11-30T08:00", tz="Asia/Shanghai")
        london = fields.moment("at", "2026-11-30T08:00")
        offset = fields.moment("at", "2026-11-30T08:00+01:00", tz="Asia/Shanghai")
        zone = fields.moment("at", "2026-07-01 08:00", tz=ZoneInfo("Europe/Berlin"))
    assert shanghai == datetime.datetime(2026, 11, 30, 0, 0, tzinfo=datetime.UTC)
    assert london == datetime.datetime(2026, 11, 30, 8, 0, tzinfo=datetime.UTC)
    assert offset == datetime.datetime(2026, 11, 30, 7, 0, tzinfo=datetime.UTC)
    assert zone == datetime.datetime(2026, 7, 1, 6, 0, tzinfo=datetime.UTC)  # summer, +02:00
    assert fields.moment("at", "30.11.2026 08:00", tz="Asia/Shanghai") is None
    assert [(e.field, e.code) for e in fields.errors] == [("at", Code.FORMAT)]


def test_choice_keeps_to_the_choices():
    from django.db.models import TextChoices

    class Colour(TextChoices):
        RED = "red"

    assert refused(lambda f: f.choice("colour", "red", Colour)) == {}
    assert refused(lambda f: f.choice("colour", "blue", Colour)) == {"colour": Code.INVALID}


def test_the_message_is_chinese_in_zh_hans():
    fields = Fields()
    with translation.override("zh-hans"):
        fields.whole("n", "abc")
        fields.whole("m", "5", high=3)
    assert [e.reason for e in fields.errors] == ["须为整数。", "不能大于 3。"]


def test_posted_id_names_the_field():
    factory = RequestFactory()
    assert posted_id(factory.post("/", {"listing": "7"}), "listing") == 7
    for bad in ({}, {"listing": "7; drop"}, {"listing": "-1"}):
        with pytest.raises(ValidationFailed) as caught:
            posted_id(factory.post("/", bad), "listing")
        assert [e.field for e in caught.value.errors] == ["listing"]


def test_a_bad_filter_falls_back_to_its_default():
    factory = RequestFactory()
    assert query_whole(factory.get("/", {"year": "2025"}), "year", 2026, low=2000) == 2025
    assert query_whole(factory.get("/", {"year": "abc"}), "year", 2026) == 2026
    assert query_whole(factory.get("/", {"year": "1900"}), "year", 2026, low=2000) == 2026
    assert query_whole(factory.get("/"), "year", None) is None
