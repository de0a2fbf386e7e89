"""The zh-Hans catalogues are whole: no message is untranslated or fuzzy, and every msgid the
sources hand to gettext (Python and templates, extracted as makemessages does, into a temporary
folder) is in a catalogue. Uses the GNU gettext tools Django's makemessages needs anyway."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils.translation.template import templatize

SRC = Path(__file__).resolve().parent.parent / "src" / "parkpilot"
CATALOGUES = sorted(SRC.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))
# makemessages' keywords (django/core/management/commands/makemessages.py).
KEYWORDS = [
    "--keyword=gettext_noop", "--keyword=gettext_lazy", "--keyword=ngettext_lazy:1,2",
    "--keyword=pgettext:1c,2", "--keyword=npgettext:1c,2,3", "--keyword=pgettext_lazy:1c,2",
    "--keyword=npgettext_lazy:1c,2,3",
]  # fmt: skip

pytestmark = pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext missing")


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def msgids(po_text: str) -> list[str]:
    """The first line of each entry's msgid (enough to name it), the header left out."""
    return [line[7:-1] for line in po_text.splitlines() if line.startswith('msgid "')][
        1 if po_text.startswith(("msgid", "#")) else 0 :
    ]


def untranslated(po: Path) -> list[str]:
    found = run("msgattrib", "--untranslated", str(po)) + run("msgattrib", "--only-fuzzy", str(po))
    return [m for m in msgids(found) if m]


def extracted(tmp: Path) -> Path:
    """A .pot of every gettext call in the sources, made in `tmp`, never beside them."""
    sources = []
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" not in path.parts:
            sources.append(str(path))
    for path in sorted(SRC.rglob("*.html")):
        out = tmp / "templates" / path.relative_to(SRC).with_suffix(".html.py")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(templatize(path.read_text(), origin=str(path)))
        sources.append(str(out))
    pot = tmp / "sources.pot"
    run("xgettext", "--language=Python", "--from-code=UTF-8", *KEYWORDS, "-o", str(pot), *sources)
    return pot


def missing_from_catalogues(tmp: Path) -> list[str]:
    union = tmp / "all.po"
    run("msgcat", "--use-first", "-o", str(union), *map(str, CATALOGUES))
    merged = tmp / "merged.po"
    run(
        "msgmerge",
        "--quiet",
        "--no-fuzzy-matching",
        "-o",
        str(merged),
        str(union),
        str(extracted(tmp)),
    )
    return untranslated(merged)


def test_there_are_catalogues():
    assert len(CATALOGUES) >= 5


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_message_is_untranslated_or_fuzzy(po):
    assert untranslated(po) == []


def test_the_check_sees_an_empty_and_a_fuzzy_message(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Done"\nmsgstr "完成"\n\nmsgid "Open"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "Closed"\nmsgstr "关"\n'
    )
    assert sorted(untranslated(po)) == ["Closed", "Open"]


def test_every_msgid_in_the_sources_is_in_a_catalogue(tmp_path):
    assert missing_from_catalogues(tmp_path) == []
