"""The cockpit as a PDF snapshot: headless Chromium prints a self-contained page."""

import re
from pathlib import Path

import pytest

from helpers import service_missing
from parkpilot.cockpit import exports

pytestmark = pytest.mark.django_db


def test_pdf_snapshot_with_cjk_fonts(client, personas, ent_a):
    if exports.chromium_path() is None or not Path("/usr/bin/chromium").exists():
        service_missing("Chromium is not installed (scripts/services.sh installs it)")
    client.force_login(personas["park_staff"])
    response = client.get("/cockpit/snapshot.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="cockpit-')
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    # The Chinese text is set in an embedded Noto CJK font (no empty boxes).
    assert re.search(rb"/FontName\s*/[A-Z]{6}\+NotoSans(Mono)?CJK", pdf)


def test_pdf_snapshot_refused_to_enterprise_users(client, personas):
    client.force_login(personas["ent_a_user"])
    assert client.get("/cockpit/snapshot.pdf").status_code == 403


def test_pdf_snapshot_without_chromium_says_so(client, personas, monkeypatch):
    monkeypatch.setenv("PARKPILOT_CHROMIUM", "/nonexistent/chromium")
    client.force_login(personas["park_staff"])
    response = client.get("/cockpit/snapshot.pdf")
    assert response.status_code == 503
    assert "PDF" in response.content.decode()


def test_chart_data_cannot_break_out_of_the_print_page():
    """The print page's chart data is a JSON script element, never raw text in a <script>: a
    title a user typed ("</script><script>...") stays data."""
    from django.template.loader import render_to_string

    hostile = "</script><script>alert(1)</script>"
    html = render_to_string(
        "cockpit/print.html",
        {"charts": [{"key": "x", "title": hostile, "chart": {"series": [{"name": hostile}]}}]},
    )
    assert "<script>alert(1)" not in html
    assert '<script id="charts-data" type="application/json">' in html
