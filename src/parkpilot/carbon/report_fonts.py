"""The report PDF's font: Noto Sans CJK SC cut down once to the common Chinese characters.

Why: WeasyPrint embeds a subset of each face in every PDF and keeps the glyph ids of the
source font. Noto Sans CJK has 65,000 glyphs and its Simplified Chinese punctuation sits near
the end, so every report's subset had 63,000 (empty) glyph slots: 800 KB per face, a quarter of
each PDF's time spent subsetting and compressing it, and PDFs of 370 KB. The same glyphs cut
from a font of GB 2312 (6,763 characters, symbols, Latin) are 14,000 slots.

The cut keeps only the OpenType layout feature the report needs set horizontally in Simplified
Chinese (kerning): with every feature kept, HarfBuzz also kept each character's alternate forms
(vertical, traditional, full-width variants), 14,000 glyphs instead of 8,100, and each PDF's
subset spent that much longer walking them (about 8% of a PDF's time).

The cut faces are built with HarfBuzz (uharfbuzz, about a second a face) into
DATA_DIR/fonts the first time a process renders a report, and reused after that. A character
outside them (a rare character in a name) is set in the full Noto Sans CJK SC, which follows
in the font-family list; without uharfbuzz or Noto the report uses the system font as before.
"""

import contextlib
import hashlib
import logging
import os
import subprocess
from pathlib import Path

from django.conf import settings

log = logging.getLogger(__name__)

FAMILY = "ParkPilot Report SC"
SOURCE_FAMILY = "Noto Sans CJK SC"
WEIGHTS = {"normal": "regular", "bold": "bold"}  # CSS font-weight → fontconfig weight
# Vertical metrics: the report is set horizontally only.
DROP_TABLES = ("vmtx", "vhea", "VORG")
# The layout features kept: the SC face's own glyphs are already the Simplified forms.
FEATURES = ("kern",)
# Changes with what the cut keeps, so a cut made by an earlier recipe is not reused.
RECIPE = "gb2312+kern/1"


def font_family() -> str:
    """The CSS font-family list of the report (the cut font first, when there is one)."""
    if faces():
        return f'"{FAMILY}", "{SOURCE_FAMILY}", sans-serif'
    return f'"{SOURCE_FAMILY}", sans-serif'


def font_face_css() -> str:
    """@font-face rules for the cut faces ("" when there are none)."""
    return "\n".join(
        f'@font-face {{ font-family: "{FAMILY}"; font-weight: {weight}; '
        f'src: url("{path.as_uri()}"); }}'
        for weight, path in faces().items()
    )


_faces: dict[str, Path] | None = None


def faces() -> dict[str, Path]:
    """CSS weight → the cut face's file, built on first use (once per process)."""
    global _faces
    if _faces is None:
        _faces = {}
        for css_weight, fc_weight in WEIGHTS.items():
            try:
                path = _cut_face(fc_weight)
            except Exception:  # (no uharfbuzz, no Noto, a read-only disk: the full font)
                log.warning("report font: no cut %s face, the full font is used", fc_weight,
                            exc_info=True)  # fmt: skip
                _faces = {}
                break
            _faces[css_weight] = path
    return _faces


def _cut_face(fc_weight: str) -> Path:
    source, index = _source_face(fc_weight)
    # Named after the source file, so a new version of Noto builds a new cut.
    stat = source.stat()
    tag = hashlib.sha256(f"{RECIPE}|{source}|{index}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    target = Path(settings.DATA_DIR) / "fonts" / f"report-sc-{fc_weight}-{tag.hexdigest()[:12]}.otf"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(_subset(source, index))
        os.replace(partial, target)  # whole or not at all, whichever process wins
    return target


def _source_face(fc_weight: str) -> tuple[Path, int]:
    """The installed Noto Sans CJK SC face of that weight (file and index in the collection)."""
    out = subprocess.run(
        ["fc-match", "--format=%{file}\n%{index}\n%{family[0]}", f"{SOURCE_FAMILY}:{fc_weight}"],
        capture_output=True, text=True, check=True, timeout=30,
    ).stdout.split("\n")  # fmt: skip
    if len(out) < 3 or out[2] != SOURCE_FAMILY:
        raise FileNotFoundError(f"{SOURCE_FAMILY} is not installed (fontconfig gave {out})")
    return Path(out[0]), int(out[1])


def _subset(source: Path, index: int) -> bytes:
    import uharfbuzz as hb

    face = hb.Face(hb.Blob.from_file_path(str(source)), index)
    spec = hb.SubsetInput()
    for codepoint in _characters():
        spec.unicode_set.add(codepoint)
    for tag in DROP_TABLES:
        spec.drop_table_tag_set.add(_tag(tag))
    spec.layout_feature_tag_set.clear()  # (HarfBuzz keeps a default list of features)
    for tag in FEATURES:
        spec.layout_feature_tag_set.add(_tag(tag))
    cut = hb.subset(face, spec)
    if cut is None:
        raise RuntimeError(f"HarfBuzz could not subset {source}")
    return cut.blob.data


def _tag(name: str) -> int:
    """An OpenType table tag as the number HarfBuzz's sets hold."""
    return int.from_bytes(name.encode().ljust(4), "big")


def _characters() -> set[int]:
    """GB 2312 (its 6,763 characters and symbols), Latin-1, and the punctuation, symbol and
    full-width blocks the report's figures and units use."""
    codepoints = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))
    for first, last in [
        (0x2000, 0x206F),  # general punctuation (—, …, ‰)
        (0x2070, 0x209F),  # superscripts and subscripts (CO₂)
        (0x2100, 0x218F),  # letterlike and number forms (℃, Ⅰ)
        (0x2190, 0x22FF),  # arrows, mathematical operators (×, ≤, ≥)
        (0x2460, 0x24FF),  # enclosed numbers
        (0x2500, 0x25FF),  # box drawing, shapes
        (0x3000, 0x303F),  # CJK punctuation
        (0xFF00, 0xFFEF),  # full-width forms
    ]:
        codepoints |= set(range(first, last + 1))
    for lead in range(0xA1, 0xF8):
        for trail in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):  # an unassigned code of GB 2312
                codepoints.add(ord(bytes([lead, trail]).decode("gb2312")))
    return codepoints
