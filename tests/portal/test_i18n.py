"""zh-Hans first, English second; the compiled catalogue matches its source."""

from pathlib import Path

import polib
import pytest
from django.test import Client

import parkpilot

# The project catalogue (src/parkpilot/locale) and one per app (src/parkpilot/<app>/locale).
CATALOGUES = sorted(Path(parkpilot.__file__).parent.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))


def test_there_is_a_project_catalogue():
    assert Path(parkpilot.__file__).parent / "locale/zh_Hans/LC_MESSAGES/django.po" in CATALOGUES


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: str(p.parent.parent.parent.parent))
def test_compiled_catalogue_matches_the_po_file(po_path):
    def entries(catalogue):
        return {
            (e.msgctxt, e.msgid): e.msgstr or dict(e.msgstr_plural)
            for e in catalogue
            if e.msgid
            and (e.msgstr or e.msgstr_plural)
            and not e.obsolete
            and "fuzzy" not in getattr(e, "flags", ())
        }

    po = entries(polib.pofile(str(po_path)))
    mo = entries(polib.mofile(str(po_path.with_suffix(".mo"))))
    assert mo == po, "run `make messages` after editing a django.po"


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: str(p.parent.parent.parent.parent))
def test_every_string_is_translated(po_path):
    po = polib.pofile(str(po_path))
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


@pytest.mark.django_db
def test_chinese_by_default_english_on_request(personas):
    client = Client()
    client.force_login(personas["park_staff"])
    assert "首页" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert "Home" in page
    assert "首页" not in page
