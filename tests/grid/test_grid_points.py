"""An accepted report earns points (issue 青和翼 3): grid emits "grid.report_accepted" and the
points app's handler (declared on its AppConfig; grid imports nothing of points) awards each
named reporter by the park's active "grid report accepted" rule, once per case, within caps."""

import pytest

from parkpilot import events
from parkpilot.grid import services
from parkpilot.points.models import Award, EarningRule, Member
from tests.grid.conftest import person
from tests.grid.test_grid_reports import at, submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.DATA_DIR = tmp_path


@pytest.fixture
def rule(park):
    # 10 points a report, at most 10 a day: a second accepted report the same day earns nothing.
    return EarningRule.objects.create(
        park=park, kind="grid_report", name="网格上报被受理", points=10, cap_day=10
    )


def _balance(user) -> int:
    member = Member.objects.filter(user=user).select_related("account").first()
    return member.account.balance if member else 0


def _accept(worker, case, capture, hour=11):
    with capture(execute=True):
        services.case_accept(actor=worker, case=case, now=at("2026-12-02", hour))


def test_the_reporter_and_the_plus_one_earn_once(
    park, layout, worker, personas, rule, django_capture_on_commit_callbacks
):
    reporter, neighbour = personas["resident"], person("neighbour", park)
    case = submit(reporter, park).case
    services.case_support(actor=neighbour, case=case)
    _accept(worker, case, django_capture_on_commit_callbacks)
    # 10 points each (the rule), booked with the case as the source.
    assert _balance(reporter) == 10 and _balance(neighbour) == 10
    assert set(Award.objects.values_list("source", flat=True)) == {f"grid.case:{case.pk}"}
    # The event delivered again (a retried task): still one award each.
    payload = {"case_id": case.pk, "park_id": park.pk, "category": "01.01",
               "reporter_ids": [reporter.pk, neighbour.pk]}  # fmt: skip
    assert events.dispatch("grid.report_accepted", payload) >= 1
    assert Award.objects.count() == 2 and _balance(reporter) == 10
    # The worker who accepted earns nothing: only the case's reporters are in the event.
    assert _balance(worker) == 0


def test_the_day_cap_and_an_anonymous_report(
    park, layout, worker, personas, rule, django_capture_on_commit_callbacks
):
    reporter = personas["resident"]
    first = submit(reporter, park, now=at("2026-12-02", 9)).case
    second = submit(reporter, park, category="02.01", now=at("2026-12-02", 9)).case
    anonymous = submit(reporter, park, category="03.01", anonymous=True).case
    _accept(worker, anonymous, django_capture_on_commit_callbacks, hour=10)
    _accept(worker, first, django_capture_on_commit_callbacks)
    _accept(worker, second, django_capture_on_commit_callbacks, hour=12)
    # The anonymous one (accepted first) pays nobody; cap_day 10 = one report's points, so the
    # first named report earns and the second is refused.
    assert _balance(reporter) == 10
    assert list(Award.objects.values_list("source", flat=True)) == [f"grid.case:{first.pk}"]


def test_no_rule_no_points(park, layout, worker, personas, django_capture_on_commit_callbacks):
    case = submit(personas["resident"], park).case
    _accept(worker, case, django_capture_on_commit_callbacks)
    assert not Award.objects.exists() and not Member.objects.exists()
