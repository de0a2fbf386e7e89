"""Offsets in the carbon accounts: an enterprise's retired credits are in its 碳体检报告 and on
its carbon page beside its gross emissions (never hiding them), and in no other enterprise's."""

import importlib.util
import io
from pathlib import Path

import pytest
from django.test import Client
from pypdf import PdfReader

from parkpilot.carbon import services as carbon
from parkpilot.sinks import services
from parkpilot.tenancy.actors import system_actor

pytestmark = pytest.mark.django_db

_spec = importlib.util.spec_from_file_location(
    "carbon_helpers_for_sinks", Path(__file__).parents[1] / "carbon" / "carbon_helpers.py"
)
carbon_helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(carbon_helpers)


@pytest.fixture
def retired(registrar, project, ent_a, personas):
    carbon_helpers.load_factors(project.park, year=2026)
    services.issue(
        actor=registrar,
        via="test",
        project=project,
        vintage=2025,
        quantity=100,
        verification="v",
        key="i",
    )
    services.transfer(
        actor=registrar,
        via="test",
        park=project.park,
        source=services.project_holder(project),
        to=ent_a,
        quantity=60,
        key="t",
    )
    services.retire(
        actor=personas["ent_a_admin"], via="test", enterprise=ent_a, quantity=45, year=2026, key="r"
    )


def _issue(ent):
    report = carbon.report_issue(
        actor=system_actor(ent.park),
        via="test",
        enterprise_id=ent.pk,
        year=2026,
        month=11,
        reason="",
    )
    return report.versions.get(version=1)


def test_the_report_states_offsets_beside_gross(retired, ent_a, ent_b):
    v1 = _issue(ent_a)
    [section] = [s for s in v1.content["sections"] if s["key"] == "sinks.offsets"]
    assert section["data"]["total_t"] == 45 and section["data"]["rows"] == [
        ["测试碳汇项目", 2025, "1–45", 45]
    ]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(bytes(v1.pdf))).pages)
    assert "已注销 45 tCO2e" in text.replace(
        "\n", ""
    ) and "净排放 = 总排放 − 本节抵消量" in text.replace("\n", "")
    other = _issue(ent_b)
    assert all(s["key"] != "sinks.offsets" for s in other.content.get("sections", []))


def test_the_carbon_page_shows_the_offsets_of_its_year(retired, personas):
    client = Client()
    client.force_login(personas["ent_a_user"])
    page = client.get("/carbon/mine/?period=2026-11").content.decode()
    assert 'data-testid="sink-offsets"' in page and "45 tCO2e" in page
    client.force_login(personas["ent_b_user"])
    assert (
        'data-testid="sink-offsets"'
        not in client.get("/carbon/mine/?period=2026-11").content.decode()
    )
