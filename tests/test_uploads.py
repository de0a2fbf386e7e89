"""Uploads are checked by their content, hostile workbooks are refused as bad input (422, not
500), and an upload over the platform's limit is stopped while it streams in."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook

from parkpilot.economy import workbook
from parkpilot.uploads import check_file, sniff

pytestmark = pytest.mark.django_db

XLSX = frozenset({"xlsx"})


def _xlsx() -> bytes:
    out = io.BytesIO()
    Workbook().save(out)
    return out.getvalue()


def _with_member(name: str, text: str, *, base: bytes | None = None) -> bytes:
    """A genuine workbook with one member replaced (the rest of the package kept)."""
    source = zipfile.ZipFile(io.BytesIO(base or _xlsx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = text.encode() if item.filename == name else source.read(item.filename)
            target.writestr(item, data)
    return out.getvalue()


XXE = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetData><row><c t="inlineStr"><is><t>&e;</t></is></c></row></sheetData></worksheet>'
)
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;">]>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetData><row><c t="inlineStr"><is><t>&d;</t></is></c></row></sheetData></worksheet>'
)


def _bomb() -> bytes:
    """A workbook one of whose members inflates 200 MB of zeros from a few hundred KB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (200 * 1024 * 1024))
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"plain text, not a zip", "format"),
        (_with_member("xl/worksheets/sheet1.xml", XXE), "format"),
        (_with_member("xl/worksheets/sheet1.xml", LAUGHS), "format"),
    ],
    ids=["not-a-zip", "xxe", "billion-laughs"],
)
def test_hostile_workbooks_are_bad_input_not_a_crash(content, code):
    rows, errors = workbook.parse(content)
    assert rows == [] and [e.code for e in errors] == [code]


def test_a_zip_bomb_is_refused_before_it_is_inflated():
    rows, errors = workbook.parse(_bomb())
    assert rows == [] and [e.code for e in errors] == ["zip_bomb"]


def test_the_api_answers_a_hostile_workbook_with_422(api_as):
    upload = SimpleUploadedFile("stats.xlsx", _with_member("xl/worksheets/sheet1.xml", XXE))
    response = api_as("park_staff").client.post("/api/v1/economy/import", {"file": upload})
    assert response.status_code == 422


def test_a_genuine_workbook_passes_and_a_renamed_page_does_not():
    good = SimpleUploadedFile("a.xlsx", _xlsx())
    assert check_file(good, field="file", allowed=XLSX, max_bytes=10**7) == []
    assert good.tell() == 0  # rewound for whoever reads it next
    page = SimpleUploadedFile("a.xlsx", b"<html><body>login</body></html>")
    assert sniff(page) == "text/html"
    assert [e.code for e in check_file(page, field="file", allowed=XLSX, max_bytes=10**7)] == [
        "unreadable"
    ]


def test_an_upload_over_the_limit_is_stopped_while_it_streams(settings, personas, api_as):
    settings.PARKPILOT_UPLOAD_MAX_BYTES = 1024 * 1024
    upload = SimpleUploadedFile("stats.xlsx", b"x" * (2 * 1024 * 1024))
    response = api_as("park_staff").client.post("/api/v1/economy/import", {"file": upload})
    assert response.status_code == 413
    assert response.json()["code"] == "too_large" and "1 MB" in response.json()["detail"]
    page = Client()
    page.force_login(personas["park_staff"])
    upload.seek(0)
    assert page.post("/economy/import/", {"file": upload}).status_code == 400
