"""Uploaded files, checked by what they are, not by what they are called.

- `check_file` sniffs the first bytes with libmagic (python-magic) and refuses a file whose
  content is not of a type its extension promises (an HTML page renamed .pdf, a program renamed
  .docx), or that is larger than the caller allows.
- `check_xlsx` also opens the archive's directory before any XML is parsed and refuses a zip
  bomb (members far larger than the file); external entities and entity expansion are refused
  by openpyxl itself once defusedxml is installed (a dependency).
- `LimitedUploadHandler` stops an upload as soon as it passes PARKPILOT_UPLOAD_MAX_MB, while it
  streams in, instead of after the whole body has arrived.
"""

import zipfile

import magic
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.utils.translation import gettext

from parkpilot.tenancy.errors import Code, FieldError

SNIFF_BYTES = 64 * 1024
_OLE = {"application/x-ole-storage", "application/CDFV2", "application/vnd.ms-office"}
# Extension -> the content types libmagic may report for a genuine file of that kind.
CONTENT_TYPES: dict[str, frozenset[str]] = {
    "pdf": frozenset({"application/pdf"}),
    "ofd": frozenset({"application/zip", "application/ofd"}),  # OFD (GB/T 33190) is a zip
    "doc": frozenset({"application/msword", *_OLE}),
    "xls": frozenset({"application/vnd.ms-excel", *_OLE}),
    "docx": frozenset({"application/vnd.openxmlformats-officedocument.wordprocessingml.document"}),
    "xlsx": frozenset({"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
    "jpg": frozenset({"image/jpeg"}),
    "jpeg": frozenset({"image/jpeg"}),
    "png": frozenset({"image/png"}),
    "webp": frozenset({"image/webp"}),
    "txt": frozenset({"text/plain"}),
    "csv": frozenset({"text/plain", "text/csv", "application/csv"}),
}
# An XLSX's XML compresses well, but not a thousandfold; and no workbook we read is that big.
XLSX_MAX_RATIO = 200
XLSX_MAX_UNCOMPRESSED = 512 * 1024 * 1024


def extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def sniff(file) -> str:
    """The content type libmagic reads from the file's first bytes (the file is rewound)."""
    start = file.tell() if hasattr(file, "tell") else 0
    head = file.read(SNIFF_BYTES)
    file.seek(start)
    return magic.from_buffer(head, mime=True) if head else "application/x-empty"


def check_file(file, *, field: str, allowed: frozenset[str], max_bytes: int) -> list[FieldError]:
    """What is wrong with an uploaded file for this field, or nothing."""
    name = getattr(file, "name", "") or ""
    ext = extension(name)
    if ext not in allowed:
        kinds = ", ".join(sorted(allowed))
        reason = gettext("%(name)s: the file type must be one of %(kinds)s.")
        return [FieldError(field, reason % {"name": name, "kinds": kinds}, Code.FILE_TYPE)]
    size = getattr(file, "size", None) or 0
    if size > max_bytes:
        mb = max_bytes // (1024 * 1024)
        return [
            FieldError(
                field,
                gettext("%(name)s: larger than %(mb)d MB.") % {"name": name, "mb": mb},
                Code.TOO_LARGE,
            )
        ]
    found = sniff(file)
    if found not in CONTENT_TYPES.get(ext, frozenset()):
        return [
            FieldError(
                field,
                gettext("%(name)s: the content is not %(ext)s (it reads as %(found)s).")
                % {"name": name, "ext": ext, "found": found},
                Code.UNREADABLE,
            )
        ]
    if ext == "xlsx":
        return check_xlsx(file, field=field)
    return []


def check_xlsx(file, *, field: str) -> list[FieldError]:
    """Refuse an archive whose members would inflate far beyond the file (a zip bomb)."""
    start = file.tell()
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return [FieldError(field, gettext("Not a valid XLSX file."), Code.FORMAT)]
    finally:
        file.seek(start)
    packed = sum(m.compress_size for m in members) or 1
    unpacked = sum(m.file_size for m in members)
    if unpacked > XLSX_MAX_UNCOMPRESSED or unpacked / packed > XLSX_MAX_RATIO:
        return [
            FieldError(
                field,
                gettext("The archive inflates abnormally: refused."),
                Code.ZIP_BOMB,
            )
        ]
    return []


class UploadTooLarge(RequestDataTooBig):
    """An upload passed the platform's size limit while it was streaming in."""


class LimitedUploadHandler(FileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS: counts the bytes of every file in a request and stops the
    upload once they pass PARKPILOT_UPLOAD_MAX_MB (the API answers 413 with the limit)."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.received = 0
        if content_length and content_length > settings.PARKPILOT_UPLOAD_MAX_BYTES * 1.01:
            raise UploadTooLarge("upload over the limit (Content-Length)")

    def receive_data_chunk(self, raw_data, start):
        self.received = getattr(self, "received", 0) + len(raw_data)
        if self.received > settings.PARKPILOT_UPLOAD_MAX_BYTES:
            raise UploadTooLarge("upload over the limit")
        return raw_data

    def file_complete(self, file_size):
        return None
