"""Grids as GeoJSON polygons in plain columns: codes in the national style, shapes checked,
points located with an STR-tree cached per park and rebuilt after a redraw, and GCJ-02 phone
coordinates converted to WGS84."""

import pytest
from django.db import transaction

from parkpilot.grid import geo, services
from parkpilot.grid.errors import ErrorCode
from parkpilot.grid.models import Grid
from parkpilot.tenancy.errors import Forbidden, ValidationFailed
from tests.grid.conftest import LAT0, LON0, code, square

pytestmark = pytest.mark.django_db


def test_a_grid_code_is_district_street_community_sequence():
    # GB/T 30428.1 unit grid: county-level division 330112 (临安区, the park's region_code),
    # street 3 digits, community 3, sequence 3 = 15 digits.
    assert services.grid_code(district="330112", street="3", community=12, sequence=7) == (
        "330112003012007"
    )
    with pytest.raises(ValidationFailed) as refused:
        services.grid_code(district="3301", street="003", community="001", sequence=1)
    assert refused.value.errors[0].code == ErrorCode.BAD_GRID_CODE


def test_grids_are_located_by_point_and_edges_go_to_the_lowest_code(park, layout):
    a1, _a2, _b1, b2 = layout
    assert geo.locator.locate(park.pk, LON0 + 0.005, LAT0 + 0.005) == a1.pk
    assert geo.locator.locate(park.pk, LON0 + 0.015, LAT0 + 0.015) == b2.pk
    # On the edge A1|A2 both hold the point; the lower code wins, every time.
    assert geo.locator.locate(park.pk, LON0 + 0.01, LAT0 + 0.005) == a1.pk
    assert geo.locator.locate(park.pk, LON0 - 0.5, LAT0) is None


def test_the_tree_is_cached_per_park_and_rebuilt_after_a_redraw(park, layout, personas):
    first = geo.locator.layout(park.pk)
    assert geo.locator.layout(park.pk) is first  # no rebuild while nothing changed
    with transaction.atomic():  # the redraw's on_commit drops the cached tree
        services.grids_redraw(
            actor=personas["park_staff"], park=park, retire=[layout[0].pk],
            new=[{"code": code(11), "name": "左半", "boundary": square(0, 0) | {
                "coordinates": [[[LON0, LAT0], [LON0 + 0.005, LAT0], [LON0 + 0.005, LAT0 + 0.01],
                                 [LON0, LAT0 + 0.01], [LON0, LAT0]]]}},
                 {"code": code(12), "name": "右半", "boundary": {"type": "Polygon",
                  "coordinates": [[[LON0 + 0.005, LAT0], [LON0 + 0.01, LAT0],
                                   [LON0 + 0.01, LAT0 + 0.01], [LON0 + 0.005, LAT0 + 0.01],
                                   [LON0 + 0.005, LAT0]]]}}],
            kind="split",
        )  # fmt: skip
    rebuilt = geo.locator.layout(park.pk)
    assert rebuilt is not first and len(rebuilt.ids) == 5
    right = Grid.objects.get(code=code(12), valid_to__isnull=True)
    assert geo.locator.locate(park.pk, LON0 + 0.007, LAT0 + 0.005) == right.pk


def test_the_stamp_alone_catches_another_process_redraw(park, layout, personas):
    geo.locator.layout(park.pk)
    # A redraw by another process: this one's cache is not told, the (count, top id) stamp is.
    Grid.objects.filter(pk=layout[3].pk).update(valid_to=layout[3].valid_from)
    assert layout[3].pk not in geo.locator.layout(park.pk).ids


def test_bad_shapes_and_overlaps_are_refused_naming_the_field(park, layout, personas):
    bow_tie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    with pytest.raises(ValidationFailed) as refused:
        services.grids_redraw(actor=personas["park_staff"], park=park, retire=[], new=[
            {"code": code(20), "name": "x", "boundary": bow_tie},
            {"code": "12345", "name": "y", "boundary": {"type": "Point", "coordinates": [1, 2]}},
        ])  # fmt: skip
    found = {(e.field, e.code) for e in refused.value.errors}
    assert ("new[0].boundary", ErrorCode.BAD_GEOMETRY) in found
    assert ("new[1].boundary", ErrorCode.BAD_GEOMETRY) in found
    assert ("new[1].code", ErrorCode.BAD_GRID_CODE) in found
    # Half over grid A1, which stays: an overlap.
    with pytest.raises(ValidationFailed) as refused:
        services.grids_redraw(actor=personas["park_staff"], park=park, retire=[], new=[
            {"code": code(21), "name": "z", "boundary": square(-0.5, 0)}])  # fmt: skip
    assert refused.value.errors[0].code == ErrorCode.OVERLAP
    # Touching along an edge is not an overlap.
    services.grids_redraw(actor=personas["park_staff"], park=park, retire=[], new=[
        {"code": code(22), "name": "w", "boundary": square(-1, 0)}])  # fmt: skip
    assert Grid.objects.filter(park=park, valid_to__isnull=True).count() == 5


def test_only_grid_managers_draw(park, layout, personas):
    for who in ("resident", "ent_a_user", "supervisor"):
        with pytest.raises(Forbidden):
            services.grids_redraw(actor=personas[who], park=park, retire=[layout[0].pk], new=[
                {"code": code(30), "name": "x", "boundary": square(0, 0)}])  # fmt: skip
    # Another park's admin cannot redraw this park.
    with pytest.raises(Forbidden):
        services.grids_redraw(actor=personas["other_park_admin"], park=park,
                              retire=[layout[0].pk], new=[])  # fmt: skip
    # Nor retire this park's grids by naming them in its own.
    with pytest.raises(ValidationFailed) as refused:
        services.grids_redraw(actor=personas["other_park_admin"], park=personas[
            "other_park_admin"].park, retire=[layout[0].pk], new=[])  # fmt: skip
    assert {e.field for e in refused.value.errors} == {"retire", "new"}
    assert Grid.objects.get(pk=layout[0].pk).valid_to is None


def test_gcj02_is_converted_to_wgs84():
    # GCJ-02 is WGS84 plus a published offset (the "Mars" transform); prcoords inverts it
    # iteratively. Round trip at the park: WGS84 (119.83, 30.25) -> GCJ-02 -> back within 1e-6°.
    import prcoords

    gcj = prcoords.wgs_gcj(prcoords.Coords(30.25, 119.83))
    # The offset near Hangzhou is a few hundred metres: about +0.0047° lon, -0.0026° lat.
    assert 0.003 < gcj.lon - 119.83 < 0.006 and -0.004 < gcj.lat - 30.25 < -0.001
    lon, lat = geo.gcj02_to_wgs84(gcj.lon, gcj.lat)
    assert abs(lon - 119.83) < 1e-6 and abs(lat - 30.25) < 1e-6
