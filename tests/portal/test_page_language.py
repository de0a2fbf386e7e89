"""The Chinese pages show no machine identifiers: energy kinds (`grid_import`), job states
(`queued`), audit-log dicts and Python lists are labelled, not printed raw. Key pages are
rendered in zh-Hans with data that has each kind of value, and their visible text (tags,
scripts, styles and attribute values left out) is scanned for identifiers.

Excepted by pattern: codes the user typed or that a standard defines (metering-point and park
codes, credit and industry codes), units (kWh, tCO2, MPa), usernames, numbers and dates."""

import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.utils import timezone

from parkpilot.energy import services as energy_services
from parkpilot.energy.kinds import EnergyKind
from parkpilot.energy.models import DeadLetter
from parkpilot.energy.models_ops import IntakeJob
from parkpilot.stored_text import stored
from parkpilot.tenancy.audit import audit_record

# snake_case (grid_import), or a Python/JSON structure ({'a': 1}, ['x'], True/None).
IDENTIFIER = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b|[{\[]['\"]|\b(?:True|False|None)\b")
STATES = {s.value for s in IntakeJob.Status} | {k.value for k in EnergyKind}


class VisibleText(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code", "pre", "template"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code", "pre", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def visible(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.parts


def leaks(html: str, allowed: set[str]) -> list[str]:
    """Identifiers in a page's visible text: snake_case or raw structures, and bare state or
    kind values standing alone as a cell's or a label's whole text."""
    found = []
    for text in visible(html):
        if text in allowed:
            continue
        found += [m.group(0) for m in IDENTIFIER.finditer(text) if m.group(0) not in allowed]
        if text in STATES:
            found.append(text)
    return found


def test_the_scan_sees_an_identifier_a_dict_and_a_state():
    html = (
        "<p>种类 grid_import</p><td>{'status': 'open'}</td><td>queued</td>"
        "<code>grid_import</code><script>var a_b = 1</script><p>正常 kWh PT-001</p>"
    )
    assert leaks(html, set()) == ["grid_import", "{'", "queued"]


@pytest.fixture
def populated(park, personas, ent_a):
    staff = personas["park_staff"]
    point = energy_services.point_create(
        actor=staff, via="test", park=park,
        data={"code": "EV-01", "kind": EnergyKind.EV_CHARGING, "unit": "kWh",
              "register": "cumulative", "rated_max_per_h": 100.0, "owner_id": ent_a.pk},
    )  # fmt: skip
    for status in IntakeJob.Status:
        IntakeJob.objects.create(
            park=park, kind=IntakeJob.Kind.IMPORT, status=status, file_name=f"{status}.csv",
            message=stored("Over %(rows)s rows: split the file.", rows="50,000"),
        )  # fmt: skip
    DeadLetter.objects.create(
        park=park, received_at=timezone.now(), source="http", point_code="XX-9", raw="{}",
        field="point",
        reason=stored("Unknown point: %(code)s.", code="XX-9"),
    )  # fmt: skip
    audit_record(
        actor=staff, via="test", action="enterprise.update", obj=ent_a,
        before={"above_scale": False, "employees": 10},
        after={"above_scale": True, "employees": 12},
    )  # fmt: skip
    usernames = {u.username for u in personas.values()}
    return {"point": point, "enterprise": ent_a, "usernames": usernames}


PAGES = [
    "/energy/",
    "/energy/points/{point}/",
    "/energy/quality/",
    "/energy/import/",
    "/enterprises/",
    "/enterprises/{enterprise}/",
    "/audit/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_chinese_pages_show_no_machine_identifiers(populated, personas, path):
    client = Client()
    client.force_login(personas["park_admin"])
    url = path.format(point=populated["point"].pk, enterprise=populated["enterprise"].pk)
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    assert 'lang="zh-hans"' in html.lower() or "首页" in html
    assert leaks(html, populated["usernames"]) == []
