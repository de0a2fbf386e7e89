"""Points supermarket page routes that name an object (tests/tenancy/test_page_isolation.py)."""

from helpers import PageCase
from parkpilot.points import services
from parkpilot.points.models import EarningRule, MemberKind


def _good(personas, ent_a):
    good = services.good_create(
        via="ui", actor=personas["park_staff"], park=ent_a.park, name="环保袋", price=10, stock=5
    )
    return {"good_id": good.pk}, good


def _reserved(personas, ent_a):
    resident = personas["resident"]
    member = services.member_enrol(
        via="ui",
        actor=None,
        park=resident.park,
        kind=MemberKind.RESIDENT,
        name="王阿姨",
        user=resident,
    )
    rule = EarningRule.objects.create(park=ent_a.park, kind="volunteering", name="志愿", points=50)
    services.award(via="ui", actor=None, member=member, rule=rule, source="seed")
    _kwargs, good = _good(personas, ent_a)
    return services.redemption_reserve(via="ui", actor=None, member=member, good=good)


def _cancel(personas, ent_a):
    redemption = _reserved(personas, ent_a)
    return {"redemption_id": redemption.pk}, redemption


PAGE_CASES = {
    # Goods are the park's shelf: anyone of the park may reserve; another park cannot see them.
    "points:reserve": PageCase(_good, owner="resident", outsiders=("other_park_admin",)),
    "points:cancel": PageCase(_cancel, owner="resident"),
    "points:hand_over": PageCase(_cancel, owner="park_staff"),
}
