"""The sink registry's page routes that name an object (tests/tenancy/test_page_isolation.py)."""

from helpers import PageCase
from parkpilot.sinks.demo import PARAMETERS
from parkpilot.sinks.models import Methodology, Project


def _project(personas, ent_a):
    park = ent_a.park
    methodology = Methodology.objects.create(park=park, code="M", name="M", document="M",
                                             parameters=PARAMETERS)  # fmt: skip
    project = Project.objects.create(park=park, code="P", name="P", methodology=methodology,
                                     seller="S")  # fmt: skip
    return {"project_id": project.pk}, project


PAGE_CASES = {"sinks:project": PageCase(_project, owner="park_staff")}
