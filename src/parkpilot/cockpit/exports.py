"""Cockpit exports: any tile's table as XLSX, and the whole cockpit as a PDF snapshot printed by
headless Chromium (the same engine the browser tests use; fonts-noto-cjk renders the Chinese)."""

import io
import os
import re
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from openpyxl import Workbook
from openpyxl.styles import Font

from parkpilot.cockpit.tiles import RenderedTile
from parkpilot.spreadsheets import append_row

PDF_TIMEOUT_SECONDS = 60


class SnapshotUnavailable(Exception):
    """No Chromium on this server, or it failed: the page says so instead of a broken file."""


def tables_xlsx(tiles: list[RenderedTile], *, title: str, note: str) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for t in tiles:
        if t.error or not t.data.table:
            continue
        name = _sheet_name(t.title, used)
        ws = wb.create_sheet(name)
        ws.append([t.title])
        ws["A1"].font = Font(bold=True)
        ws.append([t.data.caption + (f" · {note}" if t.data.demo else "")])
        ws.append([str(c) for c in t.data.table["columns"]])
        for cell in ws[3]:
            cell.font = Font(bold=True)
        for row in t.data.table["rows"]:
            append_row(ws, [_cell(v) for v in row])
            _format_numbers(ws[ws.max_row])
        ws.freeze_panes = "A4"  # the title, caption and column names stay in view
        for i in range(len(t.data.table["columns"])):
            ws.column_dimensions[chr(ord("A") + i)].width = 22
    if not wb.worksheets:
        wb.create_sheet(title[:31]).append([title])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# Cells keep their full value for sums; they show rounded, with thousands separators.
NUMBER_FORMATS = {int: "#,##0", float: "#,##0.00"}


def _format_numbers(cells) -> None:
    for cell in cells:
        if type(cell.value) in NUMBER_FORMATS:
            cell.number_format = NUMBER_FORMATS[type(cell.value)]


def _cell(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return float(value) if hasattr(value, "__float__") else str(value)


def _sheet_name(title: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", " ", title)[:28] or "table"
    name, n = base, 2
    while name in used:
        name, n = f"{base}-{n}", n + 1
    used.add(name)
    return name


def chromium_path() -> str | None:
    configured = os.environ.get("PARKPILOT_CHROMIUM", "")
    if configured:
        return configured if Path(configured).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _sandbox_flags() -> list[str]:
    """Chromium keeps its sandbox, except under root, where it cannot start with one (run the
    server as an ordinary user in production: docs/operations.md)."""
    return ["--no-sandbox"] if os.geteuid() == 0 else []


def print_page(context: dict) -> str:
    """The self-contained HTML page the PDF is printed from."""
    echarts = finders.find("vendor/echarts/echarts.min.js")
    context = {
        **context,
        "echarts_js": Path(echarts).read_text("utf-8") if echarts else "",
        # The page's own Content-Security-Policy lets only the scripts carrying this run.
        "csp_nonce": secrets.token_urlsafe(16),
    }
    return render_to_string("cockpit/print.html", context)


def snapshot_pdf(context: dict) -> bytes:
    """Print the cockpit to PDF. The page is rendered here to a self-contained HTML file (data
    inline, ECharts inline), so Chromium needs neither a session nor the network."""
    chromium = chromium_path()
    if chromium is None:
        raise SnapshotUnavailable("Chromium is not installed")
    html = print_page(context)
    with tempfile.TemporaryDirectory(prefix="parkpilot-pdf-") as tmp:
        page = Path(tmp) / "cockpit.html"
        pdf = Path(tmp) / "cockpit.pdf"
        page.write_text(html, "utf-8")
        command = [
            chromium,
            "--headless",
            *_sandbox_flags(),
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--run-all-compositor-stages-before-draw",
            "--virtual-time-budget=5000",
            "--no-pdf-header-footer",
            f"--user-data-dir={tmp}/profile",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ]
        try:
            subprocess.run(command, capture_output=True, timeout=PDF_TIMEOUT_SECONDS, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SnapshotUnavailable(str(exc)) from None
        if not pdf.exists() or pdf.stat().st_size == 0:
            raise SnapshotUnavailable("Chromium wrote no PDF")
        return pdf.read_bytes()
