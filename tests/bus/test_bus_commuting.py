"""Staff commuting by bus (bus/carbon_sections.py): the figures by hand, who sees them on the
carbon pages, and the section in the 碳体检报告.

Hand calculation. The trip's three stops lie on one meridian (lon 119.801) at lat 30.20, 30.25
and 30.29, so the course is 0.09 degrees of latitude: on a meridian the haversine distance is
R x dphi = 6371.0088 km (IUGG mean radius) x 0.09 x pi / 180 = 10.007557 km.
Three of the enterprise's staff board (a fourth booked and did not come: not counted; a fifth
cancelled: not counted): 3 x 10.007557 = 30.022671 passenger-km.
Factors, DEFRA (UK) "Greenhouse Gas Conversion Factors for Company Reporting" (2007), Table 8
bus 0.0891 kgCO2/passenger-km, Table 6 average petrol and diesel car 0.2042 kgCO2/vehicle-km
(one person driving alone, so per passenger-km too), shown as 演示数据:
  by bus         30.022671 x 0.0891 = 2.675020 kg = 0.002675 t
  driving alone  30.022671 x 0.2042 = 6.130629 kg = 0.006131 t
  avoided        6.130629 - 2.675020 = 3.455609 kg = 0.003456 t"""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from helpers import isolation_module
from parkpilot.bus import carbon_sections, services
from parkpilot.bus.models import Stop
from parkpilot.carbon.models import Level
from parkpilot.carbon.periods import period

pytestmark = pytest.mark.django_db

bus = isolation_module("bus")
DAY, BEFORE = bus.DAY, bus.BEFORE  # 2027-03-03, trips at 08:00 Shanghai time
AT_THE_BUS = datetime.datetime(2027, 3, 3, 0, 1, tzinfo=datetime.UTC)  # 08:01 in Shanghai


@pytest.fixture
def rides(park, ent_a, riders):
    """Three boarded rides of ent_a's staff on a 10.007557 km course, one no-show, one
    cancelled; returns the trip."""
    from parkpilot.tenancy.models import Role, User

    driver = User.objects.create_user(
        username="driver", role=Role.RESIDENT, park=park, granted_roles=["bus_driver"]
    )
    trip = bus.network(park, seats=10, driver_user=driver)
    for stop, lat in zip(Stop.objects.filter(park=park).order_by("gtfs_id"),
                         ("30.20", "30.25", "30.29"), strict=True):  # fmt: skip
        stop.lat = Decimal(lat)
        stop.save(update_fields=["lat"])
    made = [services.booking_create(actor=r, trip=trip, day=DAY, now=BEFORE) for r in riders[:5]]
    for booking in made[:3]:
        services.booking_board(actor=driver, code=booking.code, now=AT_THE_BUS)
    services.booking_cancel(actor=riders[4], booking=made[4], now=BEFORE)
    return trip


def _march(park):
    return period(Level.MONTH, datetime.date(2027, 3, 1), park.timezone)


def test_commuting_figures_by_hand(rides, park, ent_a):
    assert carbon_sections.course_km([rides.pk]) == {rides.pk: pytest.approx(10.007557, abs=1e-6)}
    with translation.override("zh-hans"):  # the report's language (carbon.documents)
        data = carbon_sections.report_section(enterprise=ent_a, per=_march(park))
    assert data["total"] == {
        "line": "合计",
        "rides": 3,
        "passenger_km": 30.023,
        "bus_co2_t": 0.002675,
        "car_co2_t": 0.006131,
        "avoided_co2_t": 0.003456,
    }
    assert [x["line"] for x in data["lines"]] == ["快线1号"]
    assert data["factors"]["demo"] is True and data["demo"] == "通勤排放因子（公交、小汽车）"
    assert data["rows"][-1] == ["合计", 3, 30.023, 0.002675, 0.006131, 0.003456]
    assert {f["key"]: f["value"] for f in data["figures"]}["avoided_co2_t"] == 0.003456


def test_nothing_to_show_for_another_period_or_enterprise(rides, park, ent_a, ent_b):
    april = period(Level.MONTH, datetime.date(2027, 4, 1), park.timezone)
    assert carbon_sections.report_section(enterprise=ent_a, per=april) is None
    assert carbon_sections.report_section(enterprise=ent_b, per=_march(park)) is None


def test_the_carbon_pages_show_it_to_whom_may_read_the_rides(rides, park, personas, client):
    march = "?period=2027-03"
    client.force_login(personas["ent_a_admin"])  # reads its own staff's rides
    page = client.get(f"/carbon/mine/{march}")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="section-bus.commuting"' in text
    assert 'data-testid="bus-commuting-avoided">0.003<' in text
    assert "演示数据" in text
    client.force_login(personas["ent_a_user"])  # an employee reads no colleague's rides
    assert (
        'data-testid="section-bus.commuting"'
        not in client.get(f"/carbon/mine/{march}").content.decode()
    )
    client.force_login(personas["park_staff"])
    park_page = client.get(f"/carbon/{march}").content.decode()
    assert 'data-testid="bus-commuting-avoided">0.003<' in park_page
