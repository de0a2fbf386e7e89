"""Earning from other apps' events, without importing them (parkpilot.events)."""

from parkpilot.points import services
from parkpilot.points.models import EarningRule, MemberKind, RuleKind
from parkpilot.tenancy.actors import system_actor
from parkpilot.tenancy.errors import ValidationFailed
from parkpilot.tenancy.models import Enterprise, User


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


def on_grid_report_accepted(*, case_id, park_id, reporter_ids, category=""):
    """A grid worker accepted a report as valid: each person who reported it (the first and
    every "+1" with a name; anonymous reports have nobody to pay) earns by the park's active
    "grid report accepted" rule, once per case (the award's source). A person past the rule's
    cap earns nothing for it and the others still do."""
    rule = EarningRule.objects.filter(
        park_id=park_id, kind=RuleKind.GRID_REPORT, active=True
    ).first()
    if rule is None:
        return
    people = User.objects.filter(pk__in=reporter_ids, park_id=park_id, is_active=True)
    actor = system_actor(rule.park, "points.award")
    for person in people.select_related("park", "enterprise").order_by("pk"):
        member = services.member_enrol(
            actor=None,
            via="task",
            park=person.park,
            kind=MemberKind.EMPLOYEE if person.enterprise_id else MemberKind.RESIDENT,
            name=str(person),
            user=person,
            enterprise=person.enterprise,
        )
        try:
            services.award(
                actor=actor, via="task", member=member, rule=rule, source=f"grid.case:{case_id}"
            )
        except ValidationFailed:
            continue  # past a cap: the refusal is the rule working, not a failure
