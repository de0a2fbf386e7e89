"""Content-Security-Policy (django-csp): a page's inline scripts run only with the nonce its own
response header names, and no template holds a script or handler the policy would block."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client

TEMPLATES = Path(__file__).resolve().parents[1] / "src" / "parkpilot"
# Printed, never served: the cockpit's print page is opened from a file by Chromium and carries
# its own policy in a <meta> (its scripts still need its nonce); WeasyPrint runs no script.
PRINT_ONLY = {"cockpit/templates/cockpit/print.html", "carbon/templates/carbon/report_pdf.html"}


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict]]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


def directives(header: str) -> dict[str, list[str]]:
    parts = (d.strip().split() for d in header.split(";") if d.strip())
    return {p[0]: p[1:] for p in parts}


def executable(attrs: dict) -> bool:
    """A script the browser runs: json_script's data blocks are not executed."""
    return attrs.get("type", "") in ("", "text/javascript", "module")


@pytest.mark.django_db
def test_signed_in_page_names_the_nonce_its_inline_scripts_carry(personas):
    client = Client()
    client.force_login(personas["park_staff"])
    response = client.get("/cockpit/")  # the cockpit draws its charts from an inline script
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    nonces = [s for s in policy["script-src"] if s.startswith("'nonce-")]
    assert len(nonces) == 1, policy["script-src"]
    nonce = nonces[0].removeprefix("'nonce-").removesuffix("'")
    assert len(nonce) >= 16
    inline = [a for t, a in tags(response.content.decode()) if t == "script" and "src" not in a]
    inline = [a for a in inline if executable(a)]
    assert inline, "the cockpit lost its inline chart script"
    assert [a.get("nonce") for a in inline] == [nonce] * len(inline)
    # The policy the settings promise (docs/architecture.md), nothing looser for scripts.
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'", nonces[0]]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:", "blob:"]
    assert policy["style-src-elem"] == ["'self'", nonces[0]]
    # A second answer has a fresh nonce: a nonce seen once is worth nothing next time.
    again = directives(client.get("/cockpit/")["Content-Security-Policy"])["script-src"][1]
    assert again != nonces[0]


@pytest.mark.django_db
def test_anonymous_pages_and_the_api_carry_the_policy_too():
    login = Client().get("/accounts/login/")
    assert login.status_code == 200
    assert "script-src 'self'" in login["Content-Security-Policy"]
    assert "'unsafe-eval'" not in login["Content-Security-Policy"]
    api = Client().get("/api/v1/health")
    assert "default-src 'self'" in api["Content-Security-Policy"]


def template_files() -> list[Path]:
    found = sorted(TEMPLATES.glob("**/templates/**/*.html"))
    assert len(found) > 50, "the template scan found too few templates"
    return found


def offences_in(name: str, text: str) -> list[str]:
    """What in one template the policy would block (or htmx could only do with eval)."""
    found = []
    # Template tags inside a tag ({% if %}checked{% endif %}) confuse an HTML parser; blank
    # them out, keeping quoted values such as nonce="{{ request.csp_nonce }}".
    html = re.sub(r"{%.*?%}", " ", text, flags=re.S)
    for tag, attrs in tags(html):
        handlers = [a for a in attrs if a.startswith("on")]
        if handlers:
            found.append(f"{name}: <{tag} {handlers[0]}=...>")
        if tag == "script" and "src" not in attrs and executable(attrs) and "nonce" not in attrs:
            found.append(f"{name}: inline <script> without nonce")
        if tag == "style" and "nonce" not in attrs and name not in PRINT_ONLY:
            found.append(f"{name}: <style> without nonce")
        if attrs.get("href", "").strip().lower().startswith("javascript:"):
            found.append(f"{name}: javascript: link")
    if re.search(r"\bhx-on[:-]", text):  # hx-on:click=, hx-on-click=, hx-on::after-swap=
        found.append(f"{name}: hx-on (htmx would need eval)")
    return found


def test_no_template_has_an_inline_script_without_nonce_or_an_event_handler():
    offences = []
    for path in template_files():
        offences += offences_in(path.relative_to(TEMPLATES).as_posix(), path.read_text("utf-8"))
    assert offences == []


def test_the_scan_catches_each_forbidden_shape():
    bad = {
        '<select name="s" {% if x %}disabled{% endif %} onchange="this.form.submit()">': "onchange",
        "<script>go()</script>": "without nonce",
        "<style>p { color: red }</style>": "<style>",
        '<a href=" JavaScript:go()">x</a>': "javascript:",
        '<button hx-on:click="go()">x</button>': "hx-on",
        '<form hx-on-htmx-after-request="go()"></form>': "hx-on",
    }
    for html, reason in bad.items():
        (offence,) = offences_in("t.html", html)
        assert reason in offence
    good = (
        '<script nonce="{{ request.csp_nonce }}">go()</script>'
        '<script id="d" type="application/json">{}</script>'
        '<script src="/static/x.js" defer></script>'
        '<style nonce="{{ request.csp_nonce }}">p {}</style><select data-autosubmit></select>'
    )
    assert offences_in("t.html", good) == []


def test_print_page_has_its_own_policy_and_nonce():
    from parkpilot.cockpit.exports import print_page

    html = print_page({"charts": [], "tiles": [], "tables": []})
    meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert meta, "the print page lost its own policy"
    policy = directives(meta.group(1))
    assert policy["default-src"] == ["'none'"]
    (nonce,) = policy["script-src"]
    scripts = [a for t, a in tags(html) if t == "script" and executable(a)]
    assert len(scripts) == 2  # ECharts inline, then the chart drawing
    assert all(f"'nonce-{a['nonce']}'" == nonce for a in scripts)
