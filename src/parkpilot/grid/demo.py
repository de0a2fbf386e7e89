"""The demo's grid layout (演示数据): the park's demo outline (map_demo in the demo YAML, the same
shape the shared map draws) cut by a 4 x 3 lattice into unit grids, coded in the national style
with the park's district code, a demo street (003) and a community per row. Idempotent: a park
that has grids keeps them."""

from shapely.geometry import box, mapping, shape

from parkpilot.grid import services
from parkpilot.grid.models import Grid
from parkpilot.tenancy.actors import system_actor

COLUMNS, ROWS = 4, 3
STREET = "003"  # demo: the street's 3 digits are not a published code


def layout(outline: dict, district: str) -> list[dict]:
    park = shape(outline)
    minx, miny, maxx, maxy = park.bounds
    w, h = (maxx - minx) / COLUMNS, (maxy - miny) / ROWS
    grids = []
    for row in range(ROWS):
        for col in range(COLUMNS):
            cell = box(minx + col * w, miny + row * h, minx + (col + 1) * w, miny + (row + 1) * h)
            part = park.intersection(cell)
            if part.is_empty or part.area < 1e-6:
                continue
            if part.geom_type != "Polygon":  # a sliver cut off: keep the largest piece
                part = max(part.geoms, key=lambda g: g.area)
            grids.append(
                {
                    "code": f"{district}{STREET}{row + 1:03d}{col + 1:03d}",
                    "name": f"演示网格 {chr(65 + row)}{col + 1}",
                    "boundary": mapping(part),
                }
            )
    return grids


def load(*, park, data, report) -> None:
    services.departments_ensure(park=park)
    if not park.outline or Grid.objects.filter(park=park, valid_to__isnull=True).exists():
        return
    district = (park.region_code or "330112")[:6].ljust(6, "0")
    new = layout(park.outline, district)
    for item in new:
        item["boundary"] = {
            "type": "Polygon",
            "coordinates": [list(map(list, ring)) for ring in item["boundary"]["coordinates"]],
        }
    services.grids_redraw(
        actor=system_actor(park, "grid.demo"),
        park=park,
        retire=[],
        new=new,
        reason="演示数据",
        is_demo=True,
    )
    report.count("grid", created=True, changed=True)
