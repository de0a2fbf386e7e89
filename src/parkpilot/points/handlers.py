"""Earning from other apps' events, without importing them (parkpilot.events)."""

from parkpilot.points import services
from parkpilot.points.models import EarningRule, MemberKind, RuleKind
from parkpilot.tenancy.actors import system_actor
from parkpilot.tenancy.models import Enterprise


def on_request_confirmed(*, request_id, park_id, enterprise_id, confirmed_by_id=None, rating=None):
    """An enterprise confirmed a service request as solved: it took part, so the enterprise
    earns by the park's active "enterprise participation" rule (if the park has one)."""
    enterprise = Enterprise.objects.select_related("park").get(pk=enterprise_id, park_id=park_id)
    rule = EarningRule.objects.filter(
        park_id=park_id, kind=RuleKind.ENTERPRISE, active=True
    ).first()
    if rule is None:
        return
    actor = system_actor(enterprise.park, "points.award")
    member = services.member_enrol(
        actor=None,
        via="task",
        park=enterprise.park,
        kind=MemberKind.ENTERPRISE,
        name=enterprise.name,
        enterprise=enterprise,
    )
    services.award(
        actor=actor, via="task", member=member, rule=rule, source=f"services.request:{request_id}"
    )
