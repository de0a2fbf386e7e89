"""The demo's grid layout over the park's demo outline (演示数据), drawn by the demo loader."""

import pytest
from shapely.geometry import shape
from shapely.ops import unary_union

from parkpilot.demo.services import load_demo_data
from parkpilot.grid import demo
from parkpilot.grid.models import Department, Grid
from parkpilot.tenancy.models import Park

pytestmark = pytest.mark.django_db


class _Report:
    def __init__(self):
        self.created = {}

    def count(self, kind, created, changed):
        self.created[kind] = self.created.get(kind, 0) + 1


def test_the_demo_layout_tiles_the_park_outline_and_loads_once():
    data = load_demo_data()
    ring = data["map_demo"]["park"]
    park = Park.objects.create(code="demo", name="演示园区", region_code="330112",
                               outline={"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
                               outline_is_demo=True)  # fmt: skip
    demo.load(park=park, data=data, report=_Report())
    grids = list(Grid.objects.filter(park=park, valid_to__isnull=True))
    assert len(grids) == 12  # 4 x 3 lattice cells, every one meets the pentagon
    assert all(g.is_demo and g.code.startswith("330112003") and len(g.code) == 15 for g in grids)
    covered = unary_union([shape(g.boundary) for g in grids])
    assert covered.symmetric_difference(shape(park.outline)).area < 1e-9
    assert set(Department.objects.filter(park=park).values_list("code", flat=True)) == {
        "chengguan", "jiaojing", "huanbao", "jiedao"}  # fmt: skip
    demo.load(park=park, data=data, report=_Report())
    assert Grid.objects.filter(park=park).count() == 12  # idempotent
