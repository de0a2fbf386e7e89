"""The sink registry's page routes that name an object (tests/tenancy/test_page_isolation.py):
a project's pages are the park's; its sellers' pages are the people named on it alone (another
project's seller and another park's admin get 404)."""

from helpers import PageCase
from parkpilot.sinks import services
from parkpilot.sinks.demo import PARAMETERS
from parkpilot.sinks.models import Methodology, Project
from parkpilot.sinks.roles import SINKS_SELLER


def _project(personas, ent_a, code="P"):
    park = ent_a.park
    methodology, _created = Methodology.objects.get_or_create(
        park=park, code="M", defaults={"name": "M", "document": "M", "parameters": PARAMETERS}
    )
    project = Project.objects.create(park=park, code=code, name=code, methodology=methodology,
                                     seller="S")  # fmt: skip
    return {"project_id": project.pk}, project


def _sold_by_a(personas, ent_a):
    """ent_a_user sells project P; ent_b_user is a seller too, of another project."""
    kwargs, project = _project(personas, ent_a)
    _other_kwargs, other = _project(personas, ent_a, code="Q")
    for persona, sold in (("ent_a_user", project), ("ent_b_user", other)):
        user = personas[persona]
        user.granted_roles = [SINKS_SELLER]
        user.save(update_fields=["granted_roles"])
        services.seller_add(actor=personas["park_admin"], via="test", project=sold, user=user)
    return kwargs, project


PAGE_CASES = {
    "sinks:project": PageCase(_project, owner="park_staff"),
    "sinks:project_xlsx": PageCase(_project, owner="park_staff"),
    "sinks:sale": PageCase(_sold_by_a, owner="ent_a_user"),
    "sinks:sale_xlsx": PageCase(_sold_by_a, owner="ent_a_user"),
}
