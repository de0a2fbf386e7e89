"""The zh-Hans catalogues are whole: no message is untranslated or fuzzy, and every msgid the
sources hand to gettext (Python and templates, extracted as makemessages does, into a temporary
folder) is in a catalogue. Uses the GNU gettext tools Django's makemessages needs anyway.

And one language layer: no "中文 / English" literal is left in the Python sources (a text is an
English msgid through gettext, its Chinese in a catalogue)."""

import ast
import re
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

needs_gettext = pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext missing")


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


@needs_gettext
def test_there_are_catalogues():
    assert len(CATALOGUES) >= 5


@needs_gettext
@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_message_is_untranslated_or_fuzzy(po):
    assert untranslated(po) == []


@needs_gettext
def test_the_check_sees_an_empty_and_a_fuzzy_message(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Done"\nmsgstr "完成"\n\nmsgid "Open"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "Closed"\nmsgstr "关"\n'
    )
    assert sorted(untranslated(po)) == ["Closed", "Open"]


@needs_gettext
def test_every_msgid_in_the_sources_is_in_a_catalogue(tmp_path):
    assert missing_from_catalogues(tmp_path) == []


# --- no bilingual literal ----------------------------------------------------------------------

# Chinese, later "/ " and then English alone: "名称不能为空 / name must not be empty".
BILINGUAL = re.compile(r"[\u4e00-\u9fff].*/ [^\u4e00-\u9fff]*[a-z]{3}[^\u4e00-\u9fff]*$", re.S)
# Apps whose literals are still being converted (issue #15): none left.
PENDING: set[str] = set()


def _strings(tree: ast.AST):
    """(line, text) of each string constant and f-string (its literal parts), docstrings left
    out (they may quote the old form)."""
    skipped = set()  # docstrings, and the literal parts of f-strings (yielded joined)
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                skipped.add(id(body[0].value))
        elif isinstance(node, ast.JoinedStr):
            skipped |= {id(v) for v in node.values}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in skipped:
                yield node.lineno, node.value
        elif isinstance(node, ast.JoinedStr):
            parts = (v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
            yield node.lineno, "".join(parts)


def bilingual_literals(root: Path, skip=frozenset()) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if "migrations" in rel.parts or rel.parts[0] in skip:
            continue  # a migration is history: it keeps the texts it wrote
        for line, text in _strings(ast.parse(path.read_text(), str(path))):
            if BILINGUAL.search(text):
                found.append(f"{rel}:{line}: {text[:60]}")
    return sorted(found)


def test_no_bilingual_literal_is_left_in_the_python_sources():
    assert bilingual_literals(SRC, skip=PENDING) == []


def test_the_literal_check_sees_plain_joined_and_formatted_ones(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "bad.py").write_text(
        '''"""A docstring may quote "名称 / name"."""\n'''
        'a = "名称不能为空 / name must not be empty"\n'
        'b = ("园区内编码已存在 / code already "\n     "used")\n'
        'c = f"超过 {n} 行 / over {n} rows"\n'
        'd = "储能 1 MW / 2 MWh"  # units, not a translation\n'
        'e = "Must be cumulative or interval."\n'
    )
    found = bilingual_literals(tmp_path)
    assert [f.split(":")[1] for f in found] == ["2", "3", "5"]
