"""Geometry of grids, in plain Python on both databases (no SpatiaLite: the project's Python has
no SQLite extension loading): GeoJSON polygons checked with shapely, points located in their grid
with an STR-tree built once per park and layout, and phone coordinates in GCJ-02 (the offset
datum Chinese map services and phones' map pickers report) converted to WGS84 with prcoords."""

import threading
from dataclasses import dataclass

import prcoords
import shapely
from django.db.models import Count, Max
from django.utils.translation import gettext as _
from shapely.geometry import Point, shape
from shapely.strtree import STRtree

from parkpilot.grid.errors import ErrorCode
from parkpilot.tenancy.errors import FieldError

# Two grids may share an edge; any overlap beyond a sliver (about 1 m² at 30°N) is refused.
OVERLAP_TOLERANCE_DEG2 = 1e-10


def polygon_errors(geojson, *, field: str) -> tuple[object | None, list[FieldError]]:
    """(shapely polygon, []) for a valid GeoJSON Polygon or MultiPolygon, else (None, errors)."""
    if not isinstance(geojson, dict) or geojson.get("type") not in ("Polygon", "MultiPolygon"):
        return None, [FieldError(field, _("must be a GeoJSON polygon"), ErrorCode.BAD_GEOMETRY)]
    try:
        geometry = shape(geojson)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None, [
            FieldError(field, _("the coordinates do not form a polygon"), ErrorCode.BAD_GEOMETRY)
        ]
    if geometry.is_empty or not geometry.is_valid or geometry.area <= 0:
        reason = _("the polygon is empty or crosses itself")
        return None, [FieldError(field, reason, ErrorCode.BAD_GEOMETRY)]
    minx, miny, maxx, maxy = geometry.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        reason = _("coordinates must be longitude and latitude (WGS84)")
        return None, [FieldError(field, reason, ErrorCode.BAD_GEOMETRY)]
    return geometry, []


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """WGS84 (lon, lat) of a GCJ-02 point: prcoords' iterative inverse (about 1e-6 degrees)."""
    wgs = prcoords.gcj_wgs_bored(prcoords.Coords(lat, lon))
    return wgs.lon, wgs.lat


@dataclass
class Layout:
    stamp: tuple
    tree: STRtree
    ids: list[int]
    geometries: list


class Locator:
    """Which current grid holds a point. One STR-tree per park, rebuilt when the park's layout
    changes: a redraw always creates new grid rows, so (count, highest id) of the current grids
    changes with it; `invalidate` drops it at once in this process after a redraw commits."""

    def __init__(self):
        self._layouts: dict[int, Layout] = {}
        self._lock = threading.Lock()

    def invalidate(self, park_id: int | None = None) -> None:
        with self._lock:
            if park_id is None:
                self._layouts.clear()
            else:
                self._layouts.pop(park_id, None)

    def layout(self, park_id: int) -> Layout:
        from parkpilot.grid.models import Grid

        current = Grid.objects.filter(park_id=park_id, valid_to__isnull=True)
        agg = current.aggregate(n=Count("id"), top=Max("id"))
        stamp = (agg["n"], agg["top"])
        cached = self._layouts.get(park_id)
        if cached is not None and cached.stamp == stamp:
            return cached
        rows = list(current.order_by("code", "id").values_list("id", "boundary"))
        geometries = [shape(boundary) for _id, boundary in rows]
        built = Layout(stamp, STRtree(geometries), [pk for pk, _b in rows], geometries)
        with self._lock:
            self._layouts[park_id] = built
        return built

    def locate(self, park_id: int, lon: float, lat: float) -> int | None:
        """The id of the current grid holding the point (on a shared edge: the lowest code), or
        None when it lies in no grid."""
        layout = self.layout(park_id)
        hits = layout.tree.query(Point(lon, lat), predicate="intersects")
        return layout.ids[min(hits)] if len(hits) else None


locator = Locator()


def assign(points: list[tuple[float, float]], geometries: list) -> list[int]:
    """For each point, the index of the one geometry it goes to: the first (in the given order)
    that holds it, else the nearest one, so no point is left without a grid and none gets two.
    Vectorised: one STR-tree query for all points."""
    if not geometries:
        raise ValueError("no geometry to assign to")
    tree = STRtree(geometries)
    chosen = [-1] * len(points)
    if not points:
        return []
    shapes = shapely.points(points)
    point_idx, geom_idx = tree.query(shapes, predicate="intersects")
    for p, g in zip(point_idx.tolist(), geom_idx.tolist(), strict=True):
        if chosen[p] == -1 or g < chosen[p]:
            chosen[p] = g
    missing = [i for i, g in enumerate(chosen) if g == -1]
    if missing:
        nearest = tree.query_nearest(shapes[missing], return_distance=False, all_matches=False)
        for p, g in zip(nearest[0].tolist(), nearest[1].tolist(), strict=True):
            chosen[missing[p]] = g
    return chosen
