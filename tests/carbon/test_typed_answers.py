"""The carbon read operations answer through typed schemas (tests/test_openapi.py): with real
figures behind them, the typed answer is exactly what the selector computed, no field dropped
or changed on the way."""

import json

import pytest
from carbon_helpers import feed, ramp
from django.core.serializers.json import DjangoJSONEncoder

from parkpilot.carbon import selectors, selectors_green, services
from parkpilot.carbon.periods import parse
from parkpilot.tenancy.actors import system_actor

pytestmark = pytest.mark.django_db
BASE = "/api/v1/carbon"


def plain(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def without_added_nulls(answer, computed):
    """The answer less the optional fields the schema names as null where the selector left
    them out (since_closing of an open period, through of a closed one): all else must match."""
    if isinstance(answer, dict) and isinstance(computed, dict):
        return {
            k: without_added_nulls(v, computed.get(k))
            for k, v in answer.items()
            if k in computed or v is not None
        }
    if isinstance(answer, list) and isinstance(computed, list) and len(answer) == len(computed):
        return [without_added_nulls(a, c) for a, c in zip(answer, computed, strict=True)]
    return answer


@pytest.fixture
def metered(park, zone, ent_a, ent_b, make_point, factors):
    make_point("A-E1", owner=ent_a, zone=zone)
    make_point("B-E1", owner=ent_b, zone=zone)
    feed(park, {"A-E1": ramp(10000), "B-E1": ramp(4000)})
    services.settings_upsert(
        actor=system_actor(park), via="test", park=park, year=2022
    )  # grading thresholds


def test_typed_answers_equal_what_the_selectors_computed(metered, park, ent_a, personas, api_as):
    staff, api = personas["park_staff"], api_as("park_staff")
    per = parse("1mo", "2022-03", park.timezone)
    saved = api.post(f"{BASE}/budgets", {"year": 2022, "energy_tce": 10, "co2_t": 20,
                                         "enterprise_id": ent_a.pk})  # fmt: skip
    assert saved.status_code == 200, saved.content
    assert saved.json()["co2_t"] == 20.0 and saved.json()["enterprise_id"] == ent_a.pk
    q = "period=2022-03&level=1mo"
    expected = {
        f"{BASE}/accounts?scope=enterprise&scope_id={ent_a.pk}&{q}": selectors.account_view(
            user=staff, park=park, scope="enterprise", scope_id=ent_a.pk, per=per
        ),
        f"{BASE}/accounts/drilldown?scope=park&scope_id={park.pk}&{q}": selectors.drilldown(
            user=staff, park=park, scope="park", scope_id=park.pk, per=per
        ),
        f"{BASE}/indicators?enterprise_id={ent_a.pk}&{q}": selectors.enterprise_grade(
            user=staff, park=park, enterprise=ent_a, per=per
        ),
        f"{BASE}/grades?{q}": selectors.grade_table(user=staff, park=park, per=per),
        f"{BASE}/budgets?year=2022&month=3": selectors.budget_status(
            user=staff, park=park, year=2022, month=3
        ),
        f"{BASE}/scope2?enterprise_id={ent_a.pk}&{q}": selectors_green.enterprise_scope2(
            user=staff, park=park, enterprise=ent_a, per=per
        ),
    }
    for url, computed in expected.items():
        response = api.get(url)
        assert response.status_code == 200, (url, response.content)
        computed = plain(computed)
        assert without_added_nulls(response.json(), computed) == computed, url
    # 10,000 kWh at 0.5617 kgCO2/kWh: the figure itself came through.
    account = api.get(next(iter(expected))).json()
    assert round(account["figures"]["co2_t"], 4) == 5.617
