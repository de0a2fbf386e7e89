"""Redrawing, splitting and merging grids (网格动态化): every open case of a retired grid moves to
exactly one new grid, none is lost, none lands twice, closed cases stay where they were, and
workers carry over to the grid that covers most of their old one."""

import itertools

import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import shape

from parkpilot.grid import geo, services
from parkpilot.grid.models import Case, Grid, GridMember, Redraw, Report, Status
from tests.grid.conftest import LAT0, LON0, code, square

pytestmark = pytest.mark.django_db


def _case(park, grid, lon, lat, status=Status.DISPATCHED):
    import datetime

    from django.utils import timezone

    case = Case.objects.create(
        park=park, grid=grid, category="01.01", description="垃圾", lon=lon, lat=lat,
        status=status, reported_at=timezone.now(), due_on=datetime.date(2026, 12, 3),
    )  # fmt: skip
    Report.objects.create(case=case, tracking_code=f"T{case.pk:09d}")
    return case


def _tiling(cols: int, rows: int, size: float = 0.02, start: int = 100) -> list[dict]:
    """cols x rows rectangles exactly covering the 2 x 2 layout's square."""
    w, h = size / cols, size / rows
    out = []
    for i, (c, r) in enumerate(itertools.product(range(cols), range(rows))):
        x0, y0 = LON0 + c * w, LAT0 + r * h
        ring = [[x0, y0], [x0 + w, y0], [x0 + w, y0 + h], [x0, y0 + h], [x0, y0]]
        out.append({"code": code(start + i, community=2), "name": f"新{i}",
                    "boundary": {"type": "Polygon", "coordinates": [ring]}})  # fmt: skip
    return out


def test_a_split_moves_each_open_case_to_the_half_that_holds_it(park, layout, personas, worker):
    a1 = layout[0]
    left = _case(park, a1, LON0 + 0.002, LAT0 + 0.005)
    right = _case(park, a1, LON0 + 0.008, LAT0 + 0.005, status=Status.ACCEPTED)
    done = _case(park, a1, LON0 + 0.008, LAT0 + 0.006, status=Status.CLOSED)
    elsewhere = _case(park, layout[3], LON0 + 0.015, LAT0 + 0.015)
    halves = [
        {"code": code(11), "name": "左", "boundary": square(0, 0, step=0.005) | {"coordinates": [
            [[LON0, LAT0], [LON0 + 0.005, LAT0], [LON0 + 0.005, LAT0 + 0.01],
             [LON0, LAT0 + 0.01], [LON0, LAT0]]]}},
        {"code": code(12), "name": "右", "boundary": {"type": "Polygon", "coordinates": [
            [[LON0 + 0.005, LAT0], [LON0 + 0.01, LAT0], [LON0 + 0.01, LAT0 + 0.01],
             [LON0 + 0.005, LAT0 + 0.01], [LON0 + 0.005, LAT0]]]}},
    ]  # fmt: skip
    redraw = services.grids_redraw(
        actor=personas["park_staff"], park=park, retire=[a1.pk], new=halves, kind="split"
    )
    new_left, new_right = redraw.created.order_by("code")
    assert redraw.cases_moved == 2  # the two open ones; the closed one stays in A1's history
    assert Case.objects.get(pk=left.pk).grid == new_left
    assert Case.objects.get(pk=right.pk).grid == new_right
    assert Case.objects.get(pk=done.pk).grid == a1
    assert Case.objects.get(pk=elsewhere.pk).grid == layout[3]
    a1.refresh_from_db()
    assert a1.valid_to == redraw.effective_at
    # A1's worker carries over to both halves (each overlaps A1 alone), and left A1.
    assert set(GridMember.objects.filter(user=worker, valid_to__isnull=True)
               .values_list("grid__code", flat=True)) == {code(11), code(12)}  # fmt: skip
    # The dispatched case waits for the new grid's worker on duty: the same person here.
    assert Case.objects.get(pk=left.pk).worker == worker


def test_a_merge_takes_every_open_case_of_both(park, layout, personas):
    cases = [_case(park, g, LON0 + 0.005 + 0.01 * (i % 2), LAT0 + 0.005)
             for i, g in enumerate(layout[:2])]  # fmt: skip
    redraw = services.grids_redraw(
        actor=personas["park_staff"], park=park, retire=[g.pk for g in layout[:2]],
        new=[{"code": code(40), "name": "合并", "boundary": square(0, 0, cols=2)}], kind="merge",
    )  # fmt: skip
    merged = redraw.created.get()
    assert {c.grid_id for c in Case.objects.filter(pk__in=[c.pk for c in cases])} == {merged.pk}
    assert Redraw.objects.get(pk=redraw.pk).kind == "merge"


def test_a_case_outside_every_new_grid_goes_to_the_nearest(park, layout, personas):
    # The new grid covers only the left half of A1: a case in the right half is still taken by
    # it (nearest), not left behind in a retired grid.
    stray = _case(park, layout[0], LON0 + 0.009, LAT0 + 0.005)
    half = {"type": "Polygon", "coordinates": [[[LON0, LAT0], [LON0 + 0.005, LAT0],
            [LON0 + 0.005, LAT0 + 0.01], [LON0, LAT0 + 0.01], [LON0, LAT0]]]}  # fmt: skip
    redraw = services.grids_redraw(
        actor=personas["park_staff"],
        park=park,
        retire=[layout[0].pk],
        new=[{"code": code(50), "name": "半", "boundary": half}],
    )
    assert Case.objects.get(pk=stray.pk).grid == redraw.created.get()


# --- the property ---------------------------------------------------------------------------

point = st.tuples(st.floats(0, 1, allow_nan=False), st.floats(0, 1, allow_nan=False))


@settings(max_examples=200, deadline=None)
@given(points=st.lists(point, max_size=60), cols=st.integers(1, 5), rows=st.integers(1, 5),
       cut=st.floats(0.1, 0.9))  # fmt: skip
def test_assign_gives_every_point_exactly_one_geometry(points, cols, rows, cut):
    """Pure core of the redraw: any tiling, with a gap cut out of it, takes every point once."""
    tiles = [shapely.box(c / cols, r / rows, (c + 1) / cols, (r + 1) / rows)
             for c in range(cols) for r in range(rows)]  # fmt: skip
    tiles[0] = shapely.box(0, 0, cut / cols, 1 / rows)  # a gap where the first tile was cut
    chosen = geo.assign(points, tiles)
    assert len(chosen) == len(points)
    assert all(0 <= g < len(tiles) for g in chosen)
    for (x, y), g in zip(points, chosen, strict=True):
        holders = [i for i, t in enumerate(tiles) if t.intersects(shapely.Point(x, y))]
        if holders:
            assert g == min(holders)  # the first holder, never another
        else:  # in the gap: the nearest tile
            distances = [t.distance(shapely.Point(x, y)) for t in tiles]
            assert distances[g] == pytest.approx(min(distances))


runs = itertools.count()


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(
    points=st.lists(point, min_size=1, max_size=40),
    cols=st.integers(1, 4), rows=st.integers(1, 4),
)  # fmt: skip
def test_redraw_loses_no_open_case_and_assigns_none_twice(park, personas, points, cols, rows):
    """Through the database: open cases over the 2 x 2 layout, redrawn into any tiling of the
    square: afterwards every open case is in
    exactly one current grid, which holds it, and the per-grid counts add up to all of them."""
    run = next(runs)
    staff = personas["park_staff"]
    Grid.objects.filter(park=park, valid_to__isnull=True).update(valid_to="2026-01-01T00:00Z")
    base = services.grids_redraw(actor=staff, park=park, retire=[], new=[
        {"code": code(1 + i, community=100 + run), "name": f"g{i}",
         "boundary": square(i % 2, i // 2)} for i in range(4)])  # fmt: skip
    grids = list(base.created.order_by("code"))
    made = []
    for x, y in points:
        lon, lat = LON0 + x * 0.02, LAT0 + y * 0.02
        grid_id = geo.assign([(lon, lat)], [shape(g.boundary) for g in grids])[0]
        made.append(_case(park, grids[grid_id], lon, lat).pk)
    tiling = _tiling(cols, rows, start=run * 40 % 900 + 1)
    services.grids_redraw(actor=staff, park=park, retire=[g.pk for g in grids], new=tiling)
    current = {g.pk: shape(g.boundary)
               for g in Grid.objects.filter(park=park, valid_to__isnull=True)}  # fmt: skip
    moved = list(Case.objects.filter(pk__in=made).values_list("pk", "grid_id", "lon", "lat"))
    assert sorted(pk for pk, *_ in moved) == sorted(made)  # none lost
    assert all(grid_id in current for _pk, grid_id, _x, _y in moved)  # all in a current grid
    for _pk, grid_id, lon, lat in moved:
        assert current[grid_id].intersects(shapely.Point(lon, lat))
    per_grid = Case.objects.filter(pk__in=made).values_list("grid_id", flat=True)
    assert len(list(per_grid)) == len(made)  # once each
