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


def _participating_enterprise(personas, ent_a):
    """ent_a as a member that earned this month: its name is in the report's participation,
    which no outsider's page may show (tests/tenancy/test_collection_isolation.py)."""
    member = services.member_enrol(
        via="ui",
        actor=None,
        park=ent_a.park,
        kind=MemberKind.ENTERPRISE,
        name=ent_a.name,
        enterprise=ent_a,
    )
    rule = EarningRule.objects.create(
        park=ent_a.park, kind="enterprise", name="企业参与", points=20
    )
    services.award(via="ui", actor=None, member=member, rule=rule, source="seed")
    return {"rule_id": rule.pk}, rule


def _activity(personas, ent_a):
    import datetime

    from django.utils import timezone

    rule = EarningRule.objects.create(
        park=ent_a.park, kind="party_activity", name="党课", points=30
    )
    now = timezone.now()
    activity = services.activity_create(
        via="ui",
        actor=personas["park_staff"],
        park=ent_a.park,
        name="主题党日",
        rule=rule,
        starts_at=now - datetime.timedelta(hours=1),
        ends_at=now + datetime.timedelta(hours=2),
    )
    return {"activity_id": activity.pk}, activity


STAFF_OUTSIDERS = ("ent_b_user", "ent_a_user", "resident", "other_park_admin")

PAGE_CASES = {
    # Staff pages answer 404 to everyone who is not the park's staff (hidden), and another
    # park's staff do not find this park's rules and goods.
    "points:rule_edit": PageCase(
        _participating_enterprise, owner="park_staff", outsiders=STAFF_OUTSIDERS
    ),
    "points:good_edit": PageCase(_good, owner="park_staff", outsiders=STAFF_OUTSIDERS),
    "points:good_stock": PageCase(_good, owner="park_staff", outsiders=STAFF_OUTSIDERS),
    "points:activity_qr": PageCase(_activity, owner="park_staff", outsiders=STAFF_OUTSIDERS),
    # Goods are the park's shelf: anyone of the park may reserve; another park cannot see them.
    "points:reserve": PageCase(_good, owner="resident", outsiders=("other_park_admin",)),
    "points:cancel": PageCase(_cancel, owner="resident"),
    "points:hand_over": PageCase(_cancel, owner="park_staff"),
}
