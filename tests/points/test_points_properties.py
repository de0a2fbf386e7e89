"""Random sequences of earn (one by one and in bulk), reserve, hand over, void, expire and
refund: each member's balance equals their journal and their lots, is never negative, held
points equal the open reservations, and stock plus what is reserved or picked up equals what
was put on the shelf."""

import datetime
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parkpilot.ledger import selectors as ledger
from parkpilot.ledger.models import Account
from parkpilot.points import services
from parkpilot.points.models import EarningRule, Good, Lot, Member, Redemption
from parkpilot.tenancy.errors import ValidationFailed

pytestmark = pytest.mark.django_db

STOCK = 4
MEMBERS = 2
step = st.tuples(
    st.sampled_from(["earn", "bulk_earn", "reserve", "hand_over", "void", "refund", "expire"]),
    st.integers(0, MEMBERS - 1),
    st.integers(0, 9),
)
runs = itertools.count()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(step, max_size=25))
def test_books_lots_and_stock_stay_consistent(park, personas, steps):
    run = next(runs)
    staff = personas["park_staff"]
    rule = EarningRule.objects.create(park=park, kind="volunteering", name="志愿", points=60)
    good = services.good_create(
        via="ui", actor=staff, park=park, name=f"商品{run}", price=70, stock=STOCK
    )
    members = [
        services.member_enrol(via="ui", actor=None, park=park, kind="employee", name=f"m{run}-{i}")
        for i in range(MEMBERS)
    ]
    day = datetime.date(2026, 1, 1)
    for n, (what, who, pick) in enumerate(steps):
        member = members[who]
        mine = list(Redemption.objects.filter(member=member).order_by("pk"))
        chosen = mine[pick % len(mine)] if mine else None
        try:
            if what == "earn":
                services.award(via="ui", actor=None, member=member, rule=rule, source=f"s{n}")
            elif what == "bulk_earn":  # an XLSX of a few rows, a repeated source among them
                requests = [
                    services.AwardRequest(members[(who + k) % MEMBERS].pk, rule, f"b{n}-{k % 2}")
                    for k in range(pick % 4 + 1)
                ]
                services.awards_bulk(
                    via="ui", actor=None, park=park, requests=requests, chunk_size=2
                )
            elif what == "reserve":
                services.redemption_reserve(via="ui", actor=None, member=member, good=good)
            elif what == "hand_over" and chosen:
                services.redemption_hand_over(via="ui", actor=staff, redemption=chosen)
            elif what == "void" and chosen:
                services.redemption_void(via="ui", actor=None, redemption=chosen)
            elif what == "refund" and chosen:
                services.redemption_refund(via="ui", actor=staff, redemption=chosen)
            elif what == "expire":
                day = day.replace(year=day.year + 2)  # every lot so far is past its date
                services.lots_expire(park=park, today=day)
        except ValidationFailed:
            pass  # refused steps write nothing: the checks below would see it
        _check(park, good, members)


def _check(park, good, members):
    assert ledger.drift(park_id=park.pk) == []
    for member in members:
        balance = Account.objects.get(pk=member.account_id).balance
        assert balance >= 0
        lots = sum(Lot.objects.filter(member=member).values_list("remaining", flat=True))
        assert lots == balance, (member.pk, lots, balance)
    held = (
        Account.objects.get(park=park, owner="points.held").balance
        if Account.objects.filter(park=park, owner="points.held").exists()
        else 0
    )
    open_points = sum(
        Redemption.objects.filter(park=park, status="reserved").values_list("points", flat=True)
    )
    assert held == open_points
    out = Redemption.objects.filter(good=good, status__in=("reserved", "collected")).count()
    assert Good.objects.get(pk=good.pk).stock + out == STOCK
    assert Member.objects.filter(park=park).count() >= len(members)
