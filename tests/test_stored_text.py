"""Stored texts (parkpilot.stored_text) are read in the reader's language, old rows as written;
errors name the field by its label (parkpilot.field_labels), the API keeping its machine `loc`."""

import pytest
from django.utils import translation

from parkpilot.field_labels import error_text, label_of, value_label
from parkpilot.stored_text import shown, stored
from parkpilot.tenancy.errors import FieldError, ValidationFailed


def test_a_stored_text_is_shown_in_the_active_language():
    text = stored("Unknown point: %(code)s.", code="PT-9")
    assert text == '{"msgid":"Unknown point: %(code)s.","params":{"code":"PT-9"}}'
    assert shown(text) == "未知计量点：PT-9。"  # zh-Hans, the default
    with translation.override("en"):
        assert shown(text) == "Unknown point: PT-9."


def test_a_text_without_parameters_is_its_msgid_and_nested_msgids_are_translated():
    assert stored("The file is empty.") == "The file is empty."
    assert shown("The file is empty.") == "文件是空的。"
    both = stored(
        "%(flag_msg)s; %(why_msg)s.",
        flag_msg="Zero or near-zero reading",
        why_msg="the counter recovered after it",
    )
    assert shown(both) == "零或接近零的读数；随后读数恢复。"


def test_old_rows_and_typed_text_are_shown_as_written():
    old = "未知计量点 / unknown point: PT-9"
    assert shown(old) == old
    assert shown('{"msgid": broken') == '{"msgid": broken'
    assert shown("") == "" and shown(None) == ""


def test_equal_refusals_store_equal_texts_and_long_parameters_are_cut():
    a = stored("Timestamp out of range: %(ts)s.", ts="x" * 500)
    assert a == stored("Timestamp out of range: %(ts)s.", ts="x" * 500)
    assert len(a) < 300  # DeadLetter.reason and IntakeJob.message hold 300


def test_an_error_names_its_field_by_label():
    error = FieldError("effective_at", "Must be on a whole hour, park time.")
    assert label_of("effective_at") == "生效时间"
    assert (
        label_of("floor_area_m2") == "建筑面积（m²）"
        or label_of("floor_area_m2") != "floor_area_m2"
    )
    assert error_text(error) == "生效时间：须为园区当地时间的整点。"
    assert str(ValidationFailed([error])) == "生效时间：须为园区当地时间的整点。"
    with translation.override("en"):
        assert (
            str(ValidationFailed([error])) == "Effective from: Must be on a whole hour, park time."
        )
    assert label_of("no_such_field") == "no_such_field"


def test_a_choice_value_reads_as_its_label():
    assert value_label("kind", "ev_charging") != "ev_charging"
    assert value_label("kind", "no-such-kind") == "no-such-kind"
    assert value_label("employees", 12) == 12


@pytest.mark.django_db
def test_an_api_error_names_the_field_by_label_beside_its_loc(api_as):
    body = {"code": "", "kind": "electricity", "unit": "kWh", "register_type": "cumulative",
            "rated_max_per_h": 1}  # fmt: skip
    detail = api_as("park_admin").post("/api/v1/energy/points", body).json()["detail"]
    error = next(d for d in detail if d["loc"] == ["body", "code"])
    assert (error["msg"], error["code"]) == ("编码：必填。", "required")


@pytest.mark.django_db
def test_a_schema_error_names_the_field_by_label_too(api_as):
    detail = api_as("park_admin").post("/api/v1/energy/points", {"code": "X"}).json()["detail"]
    error = next(d for d in detail if d["loc"][-1] == "kind")
    assert (error["msg"], error["code"]) == ("种类：必填。", "required")
