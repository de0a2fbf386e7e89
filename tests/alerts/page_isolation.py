"""An enterprise's alert: another enterprise and another park get 404 on its steps."""

from helpers import PageCase
from parkpilot.alerts import services
from parkpilot.tenancy.actors import system_actor


def _alert(personas, ent_a):
    alert, _created = services.alert_raise(
        actor=system_actor(ent_a.park), park=ent_a.park, kind="carbon.budget_co2",
        subject=f"carbon.enterprise:{ent_a.pk}/page",
        title="碳排放预计超出预算", enterprise_id=ent_a.pk,
    )  # fmt: skip
    return {"alert_id": alert.pk}, alert


PAGE_CASES = {
    "alerts:acknowledge": PageCase(_alert),
    "alerts:close": PageCase(_alert, owner="park_staff"),
}
