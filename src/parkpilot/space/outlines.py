"""A parcel's outline as typed or pasted: GeoJSON text from a GIS export (a geometry, a Feature
or a one-feature FeatureCollection), in WGS 84 or in GCJ-02 (AMap and most Chinese map apps;
about 500 m off near the park) converted with prcoords. Returns the geometry in WGS 84, or the
reason it is refused."""

import json

import prcoords
from django.utils.translation import gettext as _

# Mainland China's box (lon, lat): a point outside it is most often lat/lon typed the wrong
# way round, which GeoJSON puts longitude first.
LON, LAT = (73.5, 135.1), (3.8, 53.6)
PLACES = 7  # about 1 cm


class OutlineRefused(ValueError):
    pass


def parse(text, datum: str) -> dict:
    """The outline's geometry (Polygon or MultiPolygon) in WGS 84."""
    geometry = _geometry(text)
    if geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise OutlineRefused(_("A Polygon or MultiPolygon."))
    try:
        rings = _rings(geometry)
        points = [p for ring in rings for p in ring]
        if not points or any(len(p) < 2 for p in points):
            raise OutlineRefused(_("Not a GeoJSON geometry."))
        lons, lats = [float(p[0]) for p in points], [float(p[1]) for p in points]
    except (TypeError, ValueError, IndexError):
        raise OutlineRefused(_("Not a GeoJSON geometry.")) from None
    if not (
        LON[0] <= min(lons) and max(lons) <= LON[1] and LAT[0] <= min(lats) <= max(lats) <= LAT[1]
    ):
        raise OutlineRefused(
            _("Outside mainland China: GeoJSON gives longitude first, then latitude.")
        )
    return {"type": geometry["type"], "coordinates": _converted(geometry, datum)}


def _geometry(text) -> dict:
    try:
        data = json.loads(text) if isinstance(text, str) else text
    except ValueError:
        raise OutlineRefused(_("Not GeoJSON: the text is not JSON.")) from None
    if not isinstance(data, dict):
        raise OutlineRefused(_("Not a GeoJSON geometry."))
    if data.get("type") == "FeatureCollection":
        features = data.get("features") or []
        if len(features) != 1:
            raise OutlineRefused(_("One feature, the parcel's outline."))
        data = features[0]
    if data.get("type") == "Feature":
        data = data.get("geometry") or {}
    return data


def _rings(geometry: dict) -> list:
    polygons = (
        geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    )
    return [ring for polygon in polygons for ring in polygon]


def _point(p, datum: str) -> list[float]:
    lon, lat = float(p[0]), float(p[1])
    if datum == "gcj02":
        wgs = prcoords.gcj_wgs_bored((lat, lon))  # the iterative inverse, ~1e-9°
        lon, lat = wgs.lon, wgs.lat
    return [round(lon, PLACES), round(lat, PLACES)]


def _converted(geometry: dict, datum: str) -> list:
    def polygon(rings):
        return [[_point(p, datum) for p in ring] for ring in rings]

    if geometry["type"] == "MultiPolygon":
        return [polygon(rings) for rings in geometry["coordinates"]]
    return polygon(geometry["coordinates"])
