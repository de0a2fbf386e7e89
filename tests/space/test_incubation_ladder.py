"""The incubation ladder: one rung at a time, graduation criteria read from the platform's own
figures, capacity never exceeded, operators evaluated and removed on grounds; the pages."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from parkpilot.economy.models import EnterpriseMonthly
from parkpilot.space import ladder, selectors_ladder, services_ladder
from parkpilot.space.models import GraduationRule, IncubationTarget, LadderStep, Operator
from parkpilot.tenancy.errors import ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture
def spaces(park, keeper, zone):
    def space(name, stage, capacity=2):
        return services_ladder.incubation_space_create(
            actor=keeper, via="test", park=park, name=name, stage=stage, area_m2="1000",
            capacity=capacity, zone=zone,
        )  # fmt: skip

    return {
        "nursery": space("苗圃", "nursery"),
        "makerspace": space("众创空间", "makerspace"),
        "incubator": space("孵化器", "incubator", capacity=1),
        "accelerator": space("加速器", "accelerator"),
        "small_park": space("小微园", "small_park"),
    }


def refusal(call) -> tuple[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        call()
    error = caught.value.errors[0]
    return error.field, error.code


def test_whole_months_and_the_rung_above():
    assert ladder.whole_months(date(2024, 1, 31), date(2024, 2, 29)) == 0
    assert ladder.whole_months(date(2024, 1, 31), date(2024, 3, 1)) == 1
    assert ladder.whole_months(date(2021, 9, 1), date(2023, 9, 1)) == 24
    assert ladder.next_stage("incubator") == "accelerator"
    assert ladder.next_stage("small_park") is None


def test_an_enterprise_moves_up_one_rung_at_a_time(park, keeper, spaces, ent_a):
    services_ladder.ladder_enter(actor=keeper, via="test", enterprise=ent_a,
                                 space=spaces["nursery"], on=date(2024, 1, 1))  # fmt: skip
    skip = lambda: services_ladder.ladder_move_up(  # noqa: E731
        actor=keeper, via="test", enterprise=ent_a, space=spaces["incubator"], on=date(2024, 6, 1)
    )
    assert refusal(skip) == ("space", "ladder_step")
    same_day = lambda: services_ladder.ladder_move_up(  # noqa: E731
        actor=keeper, via="test", enterprise=ent_a, space=spaces["makerspace"], on="2024-01-01"
    )
    assert refusal(same_day) == ("on", "out_of_range")
    again = lambda: services_ladder.ladder_enter(  # noqa: E731
        actor=keeper, via="test", enterprise=ent_a, space=spaces["makerspace"], on="2024-02-01"
    )
    assert refusal(again) == ("enterprise", "taken")
    services_ladder.ladder_move_up(actor=keeper, via="test", enterprise=ent_a,
                                   space=spaces["makerspace"], on="2024-06-01")  # fmt: skip
    steps = list(LadderStep.objects.filter(enterprise=ent_a).values_list(
        "stage", "entered_on", "left_on", "outcome"))  # fmt: skip
    assert steps == [
        ("nursery", date(2024, 1, 1), date(2024, 5, 31), "moved_up"),  # its last day: the eve
        ("makerspace", date(2024, 6, 1), None, ""),
    ]


def test_the_criteria_read_the_enterprises_own_figures(park, keeper, spaces, ent_a):
    """孵化器 → 加速器 needs 24 months, 20 employees and 500 (10k CNY) of revenue over the last
    12 months reported. The enterprise reports 2023-01..2024-12: 100 a month, employees rising
    by one a month from 5 (Dec 2024: 28)."""
    for measure, minimum in (("months_in_stage", 24), ("employees", 20), ("revenue_12m", 500)):
        GraduationRule.objects.create(park=park, stage="incubator", measure=measure,
                                      minimum=minimum, document="测试标准")  # fmt: skip
    for i in range(24):
        EnterpriseMonthly.objects.create(park=park, enterprise=ent_a, year=2023 + i // 12,
                                         month=i % 12 + 1, revenue=Decimal(100),
                                         employees=5 + i)  # fmt: skip
    step = services_ladder.ladder_enter(actor=keeper, via="test", enterprise=ent_a,
                                        space=spaces["incubator"], on=date(2023, 1, 1))  # fmt: skip
    # On 2024-06-30: 17 whole months; employees of June 2024 = 5 + 17 = 22; revenue of
    # July 2023..June 2024 = 12 × 100 = 1,200.
    early = {c.measure: (c.value, c.met) for c in selectors_ladder.criteria_checks(
        enterprise=ent_a, step=step, day=date(2024, 6, 30))}  # fmt: skip
    assert early == {"months_in_stage": (17, False), "employees": (22, True),
                     "revenue_12m": (1200, True)}  # fmt: skip
    premature = lambda: services_ladder.ladder_move_up(  # noqa: E731
        actor=keeper, via="test", enterprise=ent_a, space=spaces["accelerator"], on="2024-06-30"
    )
    with pytest.raises(ValidationFailed) as caught:
        premature()
    assert caught.value.errors[0].code == "not_ready"
    # Only the unmet one is named, in plain figures (no "2.4E+1").
    assert caught.value.errors[0].reason == "尚不满足晋级条件：在本梯度月数 17（要求 24）。"
    services_ladder.ladder_move_up(actor=keeper, via="test", enterprise=ent_a,
                                   space=spaces["accelerator"], on="2025-01-01")  # fmt: skip
    assert LadderStep.objects.get(enterprise=ent_a, left_on=None).stage == "accelerator"


def test_a_space_never_holds_more_than_its_capacity(park, keeper, spaces, ent_a, ent_b):
    services_ladder.ladder_enter(actor=keeper, via="test", enterprise=ent_a,
                                 space=spaces["incubator"], on="2024-01-01")  # fmt: skip
    full = lambda: services_ladder.ladder_enter(  # noqa: E731
        actor=keeper, via="test", enterprise=ent_b, space=spaces["incubator"], on="2024-01-02"
    )
    assert refusal(full) == ("space", "space_full")
    services_ladder.ladder_leave(actor=keeper, via="test", enterprise=ent_a, on="2024-03-01",
                                 outcome="left")  # fmt: skip
    services_ladder.ladder_enter(actor=keeper, via="test", enterprise=ent_b,
                                 space=spaces["incubator"], on="2024-03-02")  # fmt: skip
    assert spaces["incubator"].steps.filter(left_on=None).count() == 1


def test_bad_input_names_the_field(park, keeper, spaces, ent_a):
    future = (date.today() + timedelta(days=40)).isoformat()
    assert refusal(lambda: services_ladder.ladder_enter(
        actor=keeper, via="test", enterprise=ent_a, space=spaces["nursery"], on=future)) == (
        "on", "out_of_range")  # fmt: skip
    assert refusal(lambda: services_ladder.incubation_space_create(
        actor=keeper, via="test", park=park, name="X", stage="nursery", area_m2="-1",
        capacity="2")) == ("area_m2", "out_of_range")  # fmt: skip
    assert refusal(lambda: services_ladder.incubation_space_create(
        actor=keeper, via="test", park=park, name="X", stage="hatchery", area_m2="10",
        capacity="2", location="L")) == ("stage", "invalid")  # fmt: skip
    assert refusal(lambda: services_ladder.ladder_leave(
        actor=keeper, via="test", enterprise=ent_a, on="2024-01-01", outcome="left")) == (
        "enterprise", "unknown")  # fmt: skip


def test_an_operator_fails_with_grounds_and_is_removed(park, keeper):
    op = services_ladder.operator_create(actor=keeper, via="test", park=park, name="运营方",
                                         contract_start="2019-01-01")  # fmt: skip
    no_grounds = lambda: services_ladder.operator_evaluate(  # noqa: E731
        actor=keeper, via="test", operator=op, year=2020, score="59.5"
    )
    assert refusal(no_grounds) == ("grounds", "required")
    row = services_ladder.operator_evaluate(actor=keeper, via="test", operator=op, year=2020,
                                            score="59.5", grounds="孵化成效未达标")  # fmt: skip
    assert row.passed is False  # below the pass mark of 60
    services_ladder.operator_remove(actor=keeper, via="test", operator=op, on="2020-12-15",
                                    grounds="年度考核不合格")  # fmt: skip
    twice = lambda: services_ladder.operator_remove(  # noqa: E731
        actor=keeper, via="test", operator=op, on="2020-12-16", grounds="again"
    )
    assert refusal(twice) == ("on", "invalid_transition")
    assert Operator.objects.get(pk=op.pk).removed_on == date(2020, 12, 15)


def test_progress_towards_the_targets(park, keeper, spaces):
    """5 spaces of 1,000 m² against the 2025 target of 35 and 3,000,000 m²: 14.3% and 0.2%."""
    IncubationTarget.objects.create(
        park=park,
        year=2025,
        spaces=35,
        area_m2=3_000_000,
        operators=20,
        platforms=15,
        document="大孵化器战略",
    )
    listed = selectors_ladder.space_list(user=keeper)
    progress = selectors_ladder.target_progress(user=keeper, park=park, spaces=listed)
    rows = {r["key"]: r for r in progress["rows"]}
    assert (rows["spaces"]["now"], rows["spaces"]["pct"]) == (5, Decimal("14.3"))
    assert (rows["area_m2"]["now"], rows["area_m2"]["pct"]) == (5000, Decimal("0.2"))
    assert rows["operators"]["now"] == 0


def test_pages_staff_move_an_enterprise_and_the_enterprise_sees_its_own(
    park, keeper, spaces, personas, ent_a, ent_b
):
    services_ladder.ladder_enter(actor=keeper, via="test", enterprise=ent_a,
                                 space=spaces["nursery"], on="2024-01-01")  # fmt: skip
    staff = Client()
    staff.force_login(personas["park_staff"])
    assert staff.get(reverse("space:ladder")).status_code == 200
    url = reverse("space:ladder_space", kwargs={"space_id": spaces["nursery"].pk})
    bad = staff.post(url, {"form": "move_up", "enterprise": ent_a.pk,
                           "space": spaces["accelerator"].pk, "on": "2024-06-01"})  # fmt: skip
    assert bad.status_code == 400 and 'data-testid="form-error"' in bad.content.decode()
    done = staff.post(url, {"form": "move_up", "enterprise": ent_a.pk,
                            "space": spaces["makerspace"].pk, "on": "2024-06-01"})  # fmt: skip
    assert done.status_code == 302
    mine = Client()
    mine.force_login(personas["ent_a_user"])
    page = mine.get(reverse("space:my_ladder")).content.decode()
    assert "众创空间" in page and 'data-testid="current-rung"' in page
    other = Client()
    other.force_login(personas["ent_b_user"])
    theirs = other.get(reverse("space:my_ladder")).content.decode()
    assert 'data-testid="current-rung"' not in theirs and "2024-06-01" not in theirs
    assert other.get(reverse("space:ladder")).status_code in (403, 404)


def test_the_map_places_each_in_park_space_inside_its_zone(park, keeper, spaces, zone):
    """Five spaces in one zone (the fixture's), none off-site: five dots, each inside the zone's
    outline (a representative point, not a centroid, which a U-shaped zone may not contain)."""
    from shapely.geometry import Point, shape

    u_shape = {"type": "Polygon", "coordinates": [[[119.70, 30.20], [119.73, 30.20],
        [119.73, 30.23], [119.72, 30.23], [119.72, 30.21], [119.71, 30.21], [119.71, 30.23],
        [119.70, 30.23], [119.70, 30.20]]]}  # fmt: skip
    zone.outline = u_shape
    zone.save(update_fields=["outline"])
    listed = selectors_ladder.space_list(user=keeper)
    found = selectors_ladder.ladder_map(user=keeper, park=park, spaces=listed)
    dots = [f for f in found["features"] if f["properties"]["kind"] == "incubation"]
    assert len(dots) == 5
    assert all(shape(u_shape).contains(Point(d["geometry"]["coordinates"])) for d in dots)
    assert {d["properties"]["fill"] for d in dots} == set(selectors_ladder.RUNG_FILL.values())
