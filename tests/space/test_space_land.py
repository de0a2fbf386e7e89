"""Parcels and their pipeline, buildings, units, leases and occupancy computed from leases."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from parkpilot.space import selectors, services
from parkpilot.space.codes import parcel_code_problem
from parkpilot.space.models import Status
from parkpilot.tenancy.errors import NotFound, ValidationFailed

CODE = "330112001002GB00017"  # as in conftest.py


def _fields(excinfo) -> dict:
    return {e.field: e.code for e in excinfo.value.errors}


@pytest.mark.parametrize(
    "code",
    [
        CODE,
        "330112001002JA00001",  # 集体土地所有权宗地: J with A
        "330112010003JC00345",  # 宅基地: J with C
        "330112001002GX00002",  # 地下建设用地使用权
    ],
)
def test_space_parcel_codes_of_the_standard_pass(code):
    assert parcel_code_problem(code) is None


@pytest.mark.parametrize(
    "code",
    [
        "33011200100GB00017",  # 18 characters
        "330100001002GB00017",  # 330100 is a city, not a county
        "330112000002GB00017",  # 地籍区 000
        "330112001002QB00017",  # Q is no ownership
        "330112001002GK00017",  # K is no kind of right
        "330112001002GA00017",  # A (集体土地所有权) under state ownership
        "330112001002GB00000",  # parcel number 00000
    ],
)
def test_space_parcel_codes_off_the_standard_are_refused(code):
    assert parcel_code_problem(code) is not None


def test_space_parcel_create_refuses_naming_each_field(park, keeper):
    with pytest.raises(ValidationFailed) as excinfo:
        services.parcel_create(
            actor=keeper, via="test", park=park, code="12345", name=" ", kind="farm",
            use="industrial", area_m2="-3", planned_far="abc",
            outline={"type": "Point", "coordinates": [119.8, 30.2]},
        )  # fmt: skip
    assert _fields(excinfo) == {
        "code": "parcel_code", "name": "required", "kind": "invalid", "area_m2": "out_of_range",
        "planned_far": "not_a_number", "outline": "format",
    }  # fmt: skip


def test_space_parcel_code_taken(park, keeper, parcel):
    with pytest.raises(ValidationFailed) as excinfo:
        services.parcel_create(actor=keeper, via="test", park=park, code=CODE.lower(), name="x",
                               kind="requisition", use="industrial", area_m2="1")  # fmt: skip
    assert _fields(excinfo) == {"code": "taken"}


def test_space_pipeline_in_order_with_dates(keeper, parcel):
    days = [date(2020, 3, 1), date(2020, 6, 30), date(2020, 9, 1), date(2022, 5, 1),
            date(2022, 12, 1)]  # fmt: skip
    for status, day in zip(Status, days, strict=True):
        services.parcel_step(actor=keeper, via="test", parcel=parcel, status=status, on=day)
    parcel.refresh_from_db()
    assert parcel.status == Status.OPERATING
    assert [(s.status, s.on) for s in parcel.steps.all()] == list(
        zip([s.value for s in Status], days, strict=True)
    )
    with pytest.raises(ValidationFailed) as excinfo:
        services.parcel_step(actor=keeper, via="test", parcel=parcel, status="operating",
                             on=date(2023, 1, 1))  # fmt: skip
    assert _fields(excinfo) == {"status": "invalid_transition"}


def test_space_pipeline_refuses_skips_backdating_and_the_future(keeper, parcel):
    step = services.parcel_step
    with pytest.raises(ValidationFailed) as excinfo:  # 开工 before 批而未供
        step(actor=keeper, via="test", parcel=parcel, status="started", on="2020-01-01")
    assert _fields(excinfo) == {"status": "invalid_transition"}
    assert "批而未供" in excinfo.value.errors[0].reason  # zh-Hans is the default language
    step(actor=keeper, via="test", parcel=parcel, status="approved", on="2020-03-01")
    with pytest.raises(ValidationFailed) as excinfo:  # 供地 dated before 批
        step(actor=keeper, via="test", parcel=parcel, status="supplied", on="2020-02-01")
    assert _fields(excinfo) == {"on": "out_of_range"}
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationFailed) as excinfo:
        step(actor=keeper, via="test", parcel=parcel, status="supplied", on=tomorrow)
    assert _fields(excinfo) == {"on": "out_of_range"}
    with pytest.raises(ValidationFailed) as excinfo:
        step(actor=keeper, via="test", parcel=parcel, status="supplied", on="2020-13-01")
    assert _fields(excinfo) == {"on": "format"}
    parcel.refresh_from_db()
    assert parcel.status == "approved"


@pytest.fixture
def building(keeper, parcel):
    return services.building_create(actor=keeper, via="test", parcel=parcel, name="A幢",
                                    floors=[(1, "5000"), (2, "5000"), (3, "5000")])  # fmt: skip


def test_space_floor_area_ratio_achieved_against_planned(personas, keeper, parcel, building):
    # 3 floors x 5,000 m² = 15,000 m² on 20,000 m² of land: 0.75, against 3.00 planned.
    row = selectors.floor_area_ratios(user=personas["park_staff"])[0]
    assert (row["floor_m2"], row["achieved_far"], row["reached"]) == (
        Decimal("15000"),
        Decimal("0.75"),
        False,
    )
    assert selectors.floor_area_ratios(user=personas["ent_a_user"]) == []


def test_space_units_cannot_exceed_their_floor(keeper, building):
    floor = building.floors.get(number=1)
    services.unit_create(actor=keeper, via="test", floor=floor, code="101", area_m2="3000")
    with pytest.raises(ValidationFailed) as excinfo:
        services.unit_create(actor=keeper, via="test", floor=floor, code="102", area_m2="2000.01")
    assert _fields(excinfo) == {"area_m2": "out_of_range"}


def test_space_occupancy_follows_leases_over_time(personas, keeper, building, ent_a, ent_b):
    floor = building.floors.get(number=1)
    u101 = services.unit_create(actor=keeper, via="test", floor=floor, code="101", area_m2="3000")
    u102 = services.unit_create(actor=keeper, via="test", floor=floor, code="102", area_m2="1000")
    services.lease_create(actor=keeper, via="test", unit=u101, enterprise=ent_a,
                          start="2021-01-01", end="2022-12-31")  # fmt: skip
    services.lease_create(actor=keeper, via="test", unit=u101, enterprise=ent_b,
                          start="2023-01-01")  # fmt: skip
    services.lease_create(actor=keeper, via="test", unit=u102, enterprise=ent_b,
                          start="2022-07-01", end="2022-12-31")  # fmt: skip
    staff = personas["park_staff"]

    def at(day):
        o = selectors.occupancy(user=staff, building=building, day=day)
        return o["let_m2"], o["leasable_m2"], o["occupancy_pct"]

    assert at(date(2020, 12, 31)) == (0, Decimal("4000"), Decimal("0.0"))
    assert at(date(2021, 1, 1)) == (Decimal("3000"), Decimal("4000"), Decimal("75.0"))
    assert at(date(2022, 12, 31)) == (Decimal("4000"), Decimal("4000"), Decimal("100.0"))
    assert at(date(2023, 1, 1)) == (Decimal("3000"), Decimal("4000"), Decimal("75.0"))
    o = selectors.occupancy(user=staff, building=building, day=date(2023, 1, 1))
    assert o["vacant_m2"] == Decimal("1000") and o["vacancy_pct"] == Decimal("25.0")
    # Floor 1 holds both units (one let), floors 2 and 3 none: no row without units.
    assert [(f["number"], f["units"], f["let_units"], f["occupancy_pct"]) for f in o["floors"]] == [
        (1, 2, 1, Decimal("75.0"))
    ]
    assert (o["units"], o["let_units"]) == (2, 1)
    units = selectors.floor_units(user=staff, building=building, number=1, day=date(2023, 1, 1))
    assert [(u["code"], u["tenant"]) for u in units] == [("101", ent_b.name), ("102", None)]
    units = selectors.floor_units(user=staff, building=building, number=1, day=date(2022, 7, 1))
    assert [(u["code"], u["tenant"]) for u in units] == [("101", ent_a.name), ("102", ent_b.name)]
    with pytest.raises(NotFound):
        selectors.floor_units(user=staff, building=building, number=9, day=date(2023, 1, 1))


def _let_building(keeper, parcel, ent, floors: int, per_floor: int):
    """A building of `floors` × `per_floor` units of 10 m², every other unit let to `ent`."""
    building = services.building_create(
        actor=keeper, via="test", parcel=parcel, name=f"{floors}x{per_floor}",
        floors=[(n, "5000") for n in range(1, floors + 1)],
    )  # fmt: skip
    for floor in building.floors.all():
        for k in range(per_floor):
            unit = services.unit_create(actor=keeper, via="test", floor=floor,
                                        code=f"{floor.number}-{k:02d}", area_m2="10")  # fmt: skip
            if k % 2 == 0:
                services.lease_create(actor=keeper, via="test", unit=unit, enterprise=ent,
                                      start="2021-01-01")  # fmt: skip
    return building


@pytest.mark.parametrize("floors,per_floor", [(1, 2), (4, 6)])
def test_space_occupancy_page_queries_do_not_grow_with_units(
    client, personas, keeper, parcel, ent_a, floors, per_floor, django_assert_max_num_queries
):
    building = _let_building(keeper, parcel, ent_a, floors, per_floor)
    client.force_login(personas["park_staff"])
    url = f"/space/buildings/{building.pk}/?day=2024-01-01"
    # Session, user, building, access check, units by floor, leases by floor, and the park
    # for the layout: the same 7 for 2 units as for 24 (or 10,000).
    with django_assert_max_num_queries(7):
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    # 1 of 2 units let on each floor (10 of 20 m²), or 3 of 6 (30 of 60 m²): 50.0 % on each
    # floor's row and in the building's total.
    assert html.count("50.0 %") == floors + 1
    # A floor's units only on its drill-down: floor 1 with its tenant and a vacant unit.
    assert "1-00" not in html
    # The same 7, and for the floor: its own access check, the floor, its units with tenants.
    with django_assert_max_num_queries(10):
        response = client.get(url + "&floor=1")
    html = response.content.decode()
    assert "1-00" in html and "1-01" in html and ent_a.name in html
    assert response.status_code == 200


def test_space_occupancy_page_ignores_a_bad_filter(client, personas, keeper, parcel, ent_a):
    # Filters of a page fall back to their defaults (parkpilot.inputs): no floor, today.
    building = _let_building(keeper, parcel, ent_a, 1, 2)
    client.force_login(personas["park_staff"])
    response = client.get(f"/space/buildings/{building.pk}/?floor=top&day=2026-13-01")
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="unit-rows"' not in html
    assert timezone.localdate().isoformat() in html
    assert client.get(f"/space/buildings/{building.pk}/?floor=7").status_code == 404


def test_space_overlapping_lease_refused(keeper, building, ent_a, ent_b):
    unit = services.unit_create(actor=keeper, via="test", floor=building.floors.first(),
                                code="101", area_m2="100")  # fmt: skip
    services.lease_create(actor=keeper, via="test", unit=unit, enterprise=ent_a,
                          start="2021-01-01")  # fmt: skip
    with pytest.raises(ValidationFailed) as excinfo:
        services.lease_create(actor=keeper, via="test", unit=unit, enterprise=ent_b,
                              start="2020-01-01", end="2021-01-01")  # fmt: skip
    assert _fields(excinfo) == {"start": "lease_overlap"}
    with pytest.raises(ValidationFailed) as excinfo:
        services.lease_create(actor=keeper, via="test", unit=unit, enterprise=ent_b,
                              start="2020-01-01", end="2019-01-01")  # fmt: skip
    assert _fields(excinfo) == {"end": "out_of_range"}


def test_space_enterprise_sees_only_its_own_leases(personas, keeper, building, ent_a, ent_b):
    floor = building.floors.first()
    for code, ent in (("101", ent_a), ("102", ent_b)):
        unit = services.unit_create(actor=keeper, via="test", floor=floor, code=code, area_m2="10")
        services.lease_create(actor=keeper, via="test", unit=unit, enterprise=ent,
                              start="2021-01-01")  # fmt: skip
    mine = selectors.lease_list(user=personas["ent_a_user"])
    assert [lease.enterprise_id for lease in mine] == [ent_a.pk]
    assert len(selectors.lease_list(user=personas["park_staff"])) == 2
    assert list(selectors.lease_list(user=personas["other_park_admin"])) == []
    with pytest.raises(NotFound):
        selectors.occupancy(user=personas["ent_a_user"], building=building, day=date(2022, 1, 1))


SQUARE = {"type": "Polygon", "coordinates": [[[119.70, 30.23], [119.71, 30.23], [119.71, 30.24],
                                              [119.70, 30.24], [119.70, 30.23]]]}  # fmt: skip


def _map_fill(client, colour: str) -> str:
    page = client.get(f"/space/?colour={colour}")
    assert page.status_code == 200
    (feature,) = page.context["geojson"]["features"]
    return feature["properties"]["fill"]


def test_space_map_colours_parcels_by_status_vacancy_or_class(
    client, personas, keeper, parcel, building, ent_a
):
    """One parcel, its building's first floor in two units of 2,000 m²: one let today, so
    2,000 of 4,000 leasable m² are empty, 50% vacancy, the band over 30% (red); no 亩均
    evaluation, so 'not evaluated' (grey); its status 'approved' (grey-blue of the pipeline)."""
    parcel.outline = SQUARE
    parcel.enterprise = ent_a
    parcel.save(update_fields=["outline", "enterprise"])
    floor = building.floors.get(number=1)
    units = [services.unit_create(actor=keeper, via="test", floor=floor, code=c, area_m2="2000")
             for c in ("101", "102")]  # fmt: skip
    services.lease_create(actor=keeper, via="test", unit=units[0], enterprise=ent_a,
                          start=timezone.localdate() - timedelta(days=30))  # fmt: skip
    services.parcel_step(actor=keeper, via="test", parcel=parcel, status="approved",
                         on=timezone.localdate())  # fmt: skip
    assert selectors.parcel_vacancy(user=personas["park_staff"], day=timezone.localdate()) == {
        parcel.pk: Decimal("50.0")
    }
    client.force_login(personas["park_staff"])
    from parkpilot.space.views import CLASS_FILL, NO_FIGURE, STATUS_FILL, VACANCY_BANDS

    assert _map_fill(client, "vacancy") == VACANCY_BANDS[2][1]
    assert _map_fill(client, "class") == NO_FIGURE
    assert _map_fill(client, "status") == STATUS_FILL["approved"]
    assert _map_fill(client, "nonsense") == STATUS_FILL["approved"]  # a bad filter: the default
    assert "A" in CLASS_FILL
