"""zh-Hans first, English second; the compiled catalogue matches its source."""

from pathlib import Path

import polib
import pytest
from django.test import Client

import parkpilot

LOCALE = Path(parkpilot.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_compiled_catalogue_matches_the_po_file():
    po = {e.msgid: e.msgstr for e in polib.pofile(str(LOCALE / "django.po")) if e.msgstr}
    mo = {e.msgid: e.msgstr for e in polib.mofile(str(LOCALE / "django.mo")) if e.msgid}
    assert mo == po, "run `make messages` after editing django.po"


def test_every_string_is_translated():
    untranslated = [e.msgid for e in polib.pofile(str(LOCALE / "django.po")).untranslated_entries()]
    assert untranslated == []


@pytest.mark.django_db
def test_chinese_by_default_english_on_request(personas):
    client = Client()
    client.force_login(personas["park_staff"])
    assert "首页" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert "Home" in page
    assert "首页" not in page
